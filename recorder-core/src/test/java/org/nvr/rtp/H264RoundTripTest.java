package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.sim.ClipPackets;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;

/**
 * A real encoded clip, packetized by the simulator's packetizer (single NAL units and FU-A, marker on
 * the last packet), depacketized again: the same NAL units, byte for byte, picture for picture.
 */
class H264RoundTripTest {

    /** Sequence numbers and timestamps both wrap within the one-second clip. */
    private static final int FIRST_SEQUENCE = 65_500;
    private static final int FIRST_TIMESTAMP = 0xFFFF_0000;

    private final SyntheticClip clip = ClipPackets.oneSecond();
    private final List<Frame> frames = new ArrayList<>();

    private RtpTrackReceiver receiver(SyntheticClip clip) {
        Track track = Track.video(0, Codec.H264, 90_000, List.of(clip.sps(), clip.pps()));
        return new RtpTrackReceiver(ClipPackets.PAYLOAD_TYPE, new H264Depacketizer(track));
    }

    @Test
    void everyPictureComesBackByteForByte() {
        roundTrip(clip);
    }

    @Test
    void everyPictureComesBackByteForByteWithAccessUnitDelimiters() {
        roundTrip(clip.withAccessUnitDelimiters());
    }

    private void roundTrip(SyntheticClip clip) {
        List<byte[]> packets = ClipPackets.packetize(clip, 0x5EED, FIRST_SEQUENCE, FIRST_TIMESTAMP);
        assertTrue(packets.size() > clip.frameCount() + 2 * clip.keyframeCount(), "some pictures are fragmented");
        RtpTrackReceiver receiver = receiver(clip);
        for (byte[] packet : packets) {
            receiver.receive(RtpPacket.parse(packet), frames::add);
        }

        assertEquals(clip.frameCount(), frames.size());
        long ticks = 90_000 / clip.fps();
        for (int i = 0; i < frames.size(); i++) {
            Frame frame = frames.get(i);
            List<byte[]> expected = ClipPackets.nalUnits(clip, i);
            List<byte[]> actual = Packets.nalUnits(frame);
            assertEquals(expected.size(), actual.size(), "NAL units of picture " + i);
            for (int n = 0; n < expected.size(); n++) {
                assertArrayEquals(expected.get(n), actual.get(n), "picture " + i + " NAL unit " + n);
            }
            assertEquals(ClipPackets.keyframe(clip, i), frame.keyframe(), "keyframe flag of picture " + i);
            assertEquals(Integer.toUnsignedLong(FIRST_TIMESTAMP) + i * ticks, frame.pts());
            assertEquals(frame.pts(), frame.dts());
        }
        assertEquals(0, receiver.sequence().lost());
        assertEquals(0, receiver.depacketizer().droppedFrames());
    }

    /**
     * One FU-A middle fragment of a picture lost: that picture and the rest of its GOP are dropped,
     * counted, and recording resumes at the next keyframe; what comes out decodes without an error.
     */
    @Test
    void aLostMiddleFragmentDropsItsPictureUntilTheNextKeyframeAndTheRestDecodes(@TempDir Path dir)
            throws IOException, InterruptedException {
        List<byte[]> packets = ClipPackets.packetize(clip, 0x5EED, FIRST_SEQUENCE, FIRST_TIMESTAMP);
        int victim = middleFragmentOfANonKeyframe(packets);
        int victimPicture = pictureOf(packets, victim);
        RtpTrackReceiver receiver = receiver(clip);
        for (int i = 0; i < packets.size(); i++) {
            if (i != victim) {
                receiver.receive(RtpPacket.parse(packets.get(i)), frames::add);
            }
        }

        int nextKeyframe = victimPicture + 1;
        while (!ClipPackets.keyframe(clip, nextKeyframe)) {
            nextKeyframe++;
        }
        int droppedPictures = nextKeyframe - victimPicture;
        assertEquals(clip.frameCount() - droppedPictures, frames.size());
        assertEquals(droppedPictures, receiver.depacketizer().droppedFrames());
        assertEquals(1, receiver.sequence().lost());
        long ticks = 90_000 / clip.fps();
        assertEquals(Integer.toUnsignedLong(FIRST_TIMESTAMP) + nextKeyframe * ticks, frames.get(victimPicture).pts(),
                "the picture after the last good one is the next keyframe");
        assertTrue(frames.get(victimPicture).keyframe());

        Path stream = dir.resolve("out.h264");
        writeAnnexB(frames, stream);
        assertEquals(List.of(), MediaProbe.decodeErrors(stream));
        assertEquals(frames.size(), MediaProbe.frameCount(stream));
    }

    private static int middleFragmentOfANonKeyframe(List<byte[]> packets) {
        for (int i = 1; i + 1 < packets.size(); i++) {
            byte[] p = packets.get(i);
            boolean fuA = (p[12] & 0x1F) == 28;
            boolean middle = (p[13] & 0xC0) == 0;
            if (fuA && middle && (p[13] & 0x1F) == 1) {
                return i;
            }
        }
        throw new AssertionError("the clip has no P picture in three or more fragments");
    }

    /** Which picture packet {@code index} belongs to: pictures end at the marker bit. */
    private static int pictureOf(List<byte[]> packets, int index) {
        int picture = 0;
        for (int i = 0; i < index; i++) {
            if ((packets.get(i)[1] & 0x80) != 0) {
                picture++;
            }
        }
        return picture;
    }

    static void writeAnnexB(List<Frame> frames, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Frame frame : frames) {
                for (byte[] nal : Packets.nalUnits(frame)) {
                    out.write(new byte[] {0, 0, 0, 1});
                    out.write(nal);
                }
            }
        }
    }
}
