package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nvr.rtp.Packets.concat;
import static org.nvr.rtp.Packets.nal;
import static org.nvr.rtp.Packets.nalUnits;
import static org.nvr.rtp.Packets.rtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

class H264DepacketizerTest {

    private static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, 1};
    private static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};
    private static final byte[] IDR = nal(30, 0x65, 0x88);
    private static final byte[] P = nal(20, 0x41, 0x9A);
    private static final byte[] SEI = {0x06, 0x05, 0x01, 0x02, (byte) 0x80};
    private static final byte[] AUD = {0x09, (byte) 0xF0};

    private final Track sdpTrack = Track.video(0, Codec.H264, 90_000, List.of(SPS, PPS));
    private final H264Depacketizer depacketizer = new H264Depacketizer(sdpTrack);
    private final RtpTrackReceiver receiver = new RtpTrackReceiver(96, depacketizer);
    private final List<Frame> frames = new ArrayList<>();
    private int sequence = 1000;

    private void send(int timestamp, boolean marker, byte[] payload) {
        receiver.receive(rtp(sequence++, timestamp, marker, payload), frames::add);
    }

    private void lose(int packets) {
        sequence += packets;
    }

    private static byte[] stapA(byte[]... nals) {
        List<byte[]> parts = new ArrayList<>();
        parts.add(new byte[] {24});
        for (byte[] nal : nals) {
            parts.add(new byte[] {(byte) (nal.length >> 8), (byte) nal.length});
            parts.add(nal);
        }
        return concat(parts.toArray(new byte[0][]));
    }

    /** FU-A fragments of {@code nal}, cut after the given offsets into the NAL body. */
    private static List<byte[]> fuA(byte[] nal, int... cuts) {
        List<byte[]> fragments = new ArrayList<>();
        int[] bounds = new int[cuts.length + 2];
        bounds[0] = 1;
        for (int i = 0; i < cuts.length; i++) {
            bounds[i + 1] = cuts[i];
        }
        bounds[bounds.length - 1] = nal.length;
        for (int i = 0; i + 1 < bounds.length; i++) {
            int header = (i == 0 ? 0x80 : 0) | (i + 2 == bounds.length ? 0x40 : 0) | (nal[0] & 0x1F);
            fragments.add(concat(new byte[] {(byte) ((nal[0] & 0xE0) | 28), (byte) header},
                    Arrays.copyOfRange(nal, bounds[i], bounds[i + 1])));
        }
        return fragments;
    }

    private void sendKeyframe(int timestamp) {
        send(timestamp, false, SPS);
        send(timestamp, false, PPS);
        send(timestamp, true, IDR);
    }

    private static void assertNalUnits(Frame frame, byte[]... expected) {
        List<byte[]> actual = nalUnits(frame);
        assertEquals(expected.length, actual.size(), "NAL units");
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual.get(i), "NAL unit " + i);
        }
    }

    @Test
    void singleNalUnitPacketsMakeOnePictureEndedByTheMarker() {
        sendKeyframe(3000);

        assertEquals(1, frames.size());
        Frame frame = frames.get(0);
        assertNalUnits(frame, SPS, PPS, IDR);
        assertTrue(frame.keyframe());
        assertEquals(3000, frame.pts());
        assertEquals(3000, frame.dts());
        assertSame(sdpTrack, frame.track(), "in-band parameter sets equal to the SDP's keep its track");
    }

    @Test
    void stapAIsSplitIntoItsNalUnits() {
        send(3000, false, stapA(SPS, PPS));
        send(3000, true, IDR);
        send(6000, true, stapA(P, P));

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, IDR);
        assertNalUnits(frames.get(1), P, P);
        assertFalse(frames.get(1).keyframe());
    }

    @Test
    void fuAFragmentsAreReassembled() {
        byte[] big = nal(4000, 0x65, 0x88);
        send(3000, false, SPS);
        send(3000, false, PPS);
        List<byte[]> fragments = fuA(big, 1400, 2800);
        for (int i = 0; i < fragments.size(); i++) {
            send(3000, i == fragments.size() - 1, fragments.get(i));
        }

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, big);
        assertTrue(frames.get(0).keyframe());
    }

    /**
     * A picture's bytes are copied once into its frame (issue 14's profile: each fragmented NAL unit was
     * copied out of the reassembly buffer, then again into the frame, doubling what the camera loops
     * allocated). Counted with the thread's exact allocation counter, after a first picture has grown
     * the depacketizer's buffer.
     */
    @Test
    void aPictureIsCopiedOnceIntoItsFrame() {
        byte[] big = nal(60_000, 0x65, 0x88);
        int[] cuts = new int[42];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = 1400 * (i + 1);
        }
        List<byte[]> fragments = fuA(big, cuts);
        List<RtpPacket> packets = new ArrayList<>();
        for (int picture = 0; picture < 41; picture++) {
            for (int i = 0; i < fragments.size(); i++) {
                packets.add(rtp(sequence++, 3000 * (picture + 1), i == fragments.size() - 1, fragments.get(i)));
            }
        }
        List<Frame> out = new ArrayList<>(64);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int first = fragments.size();
        for (RtpPacket packet : packets.subList(0, first)) {
            receiver.receive(packet, out::add);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (RtpPacket packet : packets.subList(first, packets.size())) {
            receiver.receive(packet, out::add);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertEquals(41, out.size());
        assertNalUnits(out.get(40), big);
        long frameBytes = 40L * (4 + big.length);
        assertTrue(allocated < frameBytes * 3 / 2,
                "allocated " + allocated + " bytes for " + frameBytes + " bytes of frames");
    }

    /** A whole NAL unit between the fragments of another (not allowed, but seen): both are kept, in arrival order. */
    @Test
    void aWholeNalUnitBetweenFragmentsKeepsBoth() {
        byte[] big = nal(4000, 0x65, 0x88);
        List<byte[]> fragments = fuA(big, 1400, 2800);
        send(3000, false, fragments.get(0));
        send(3000, false, SEI);
        send(3000, false, fragments.get(1));
        send(3000, true, fragments.get(2));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SEI, big);
    }

    /** CAMERA-QUIRKS (V380): NAL units with Annex B start codes inside single-NAL packets. */
    @Test
    void annexBStartCodesInsideSingleNalPackets() {
        send(3000, true, concat(new byte[] {0, 0, 0, 1}, SPS, new byte[] {0, 0, 1}, PPS, new byte[] {0, 0, 0, 1}, IDR));
        send(6000, true, concat(P, new byte[] {0, 0, 1}, P));

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, IDR);
        assertTrue(frames.get(0).keyframe());
        assertNalUnits(frames.get(1), P, P);
    }

    /** CAMERA-QUIRKS (Tiandy): FU-A fragments whose NAL type changes mid-unit: the first fragment's counts. */
    @Test
    void fuANalTypeChangingMidUnit() {
        byte[] big = nal(3000, 0x65, 0x88);
        List<byte[]> fragments = fuA(big, 1400);
        fragments.get(1)[1] = (byte) ((fragments.get(1)[1] & 0xE0) | 1); // the end fragment says "non-IDR slice"
        send(3000, false, SPS);
        send(3000, false, PPS);
        send(3000, false, fragments.get(0));
        send(3000, true, fragments.get(1));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, big);
        assertTrue(frames.get(0).keyframe());
    }

    /** CAMERA-QUIRKS: the FU-A "reserved" bit set: ignored. */
    @Test
    void fuAReservedBitSet() {
        byte[] big = nal(3000, 0x65, 0x88);
        List<byte[]> fragments = fuA(big, 1400);
        for (byte[] fragment : fragments) {
            fragment[1] |= 0x20;
        }
        send(3000, false, SPS);
        send(3000, false, PPS);
        send(3000, false, fragments.get(0));
        send(3000, true, fragments.get(1));

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, big);
    }

    /** CAMERA-QUIRKS: empty fragments (useless, legal enough): skip. */
    @Test
    void emptyFragmentsAreSkipped() {
        byte[] big = nal(3000, 0x65, 0x88);
        List<byte[]> fragments = fuA(big, 1400);
        sendKeyframe(0);
        send(3000, false, new byte[0]); // an empty payload
        send(3000, false, fragments.get(0));
        send(3000, false, new byte[] {0x7C, 0x05}); // an FU-A middle fragment with no bytes
        send(3000, false, new byte[] {0x7C}); // an FU indicator alone
        send(3000, true, fragments.get(1));

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(1), big);
        assertEquals(0, depacketizer.droppedFrames());
    }

    /** CAMERA-QUIRKS (Ivel): marker bit set on SEI, not only on the last slice: the picture goes on. */
    @Test
    void markerBitSetOnSei() {
        send(3000, true, SEI);
        send(3000, false, SPS);
        send(3000, false, PPS);
        send(3000, true, IDR);
        send(6000, true, SEI);
        send(6000, true, P);

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(0), SEI, SPS, PPS, IDR);
        assertNalUnits(frames.get(1), SEI, P);
    }

    @Test
    void pictureEndsWhenTheTimestampChangesWithoutAMarker() {
        send(3000, false, SPS);
        send(3000, false, PPS);
        send(3000, false, IDR);
        send(3000, false, IDR); // a second slice of the same picture
        assertEquals(0, frames.size(), "the picture may have more slices");

        send(6000, false, P);

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, IDR, IDR);
    }

    /** The bug the last session fixed in AccessUnits: an AUD/SEI without a slice is no picture. */
    @Test
    void audAndSeiLeftoversNeverBecomeAFrame() {
        sendKeyframe(0);
        send(3000, false, AUD);
        send(3000, true, SEI); // a picture cut short: its slices never came
        send(6000, false, AUD);
        send(6000, true, P);

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(1), AUD, P);
        assertEquals(6000, frames.get(1).pts());
    }

    /** Some cameras send SPS/PPS with a timestamp of their own: they go with the picture that follows. */
    @Test
    void parameterSetsWithATimestampOfTheirOwnJoinTheNextPicture() {
        send(2999, true, stapA(SPS, PPS));
        send(3000, true, IDR);

        assertEquals(1, frames.size());
        assertNalUnits(frames.get(0), SPS, PPS, IDR);
        assertEquals(3000, frames.get(0).pts());
    }

    /** CAMERA-QUIRKS (Reolink): sprop-parameter-sets that are wrong: the in-band ones win, in a new track. */
    @Test
    void inBandParameterSetsPreferredOverTheSdpsWhenTheyDiffer() {
        byte[] inBandSps = {0x67, 0x64, 0x00, 0x28, (byte) 0xAC};
        send(3000, false, inBandSps);
        send(3000, false, PPS);
        send(3000, true, IDR);
        send(6000, true, P);
        send(9000, false, inBandSps);
        send(9000, false, PPS);
        send(9000, true, IDR);

        assertEquals(3, frames.size());
        Track track = frames.get(0).track();
        assertEquals(2, track.parameterSets().size());
        assertArrayEquals(inBandSps, track.parameterSets().get(0));
        assertArrayEquals(PPS, track.parameterSets().get(1));
        assertEquals(0, track.index());
        assertSame(track, frames.get(1).track());
        assertSame(track, frames.get(2).track(), "the same parameter sets again are no change");
        assertEquals(1, depacketizer.trackChanges());
        assertSame(track, depacketizer.track());
    }

    /** CAMERA-QUIRKS: sprop-parameter-sets containing Annex B start codes: not taken as an SPS; in-band wins. */
    @Test
    void spropParameterSetsWithStartCodesAreReplacedByInBandOnes() {
        byte[] spsWithStartCode = concat(new byte[] {0, 0, 0, 1}, SPS);
        H264Depacketizer bad = new H264Depacketizer(Track.video(0, Codec.H264, 90_000, List.of(spsWithStartCode, PPS)));
        RtpTrackReceiver receiver = new RtpTrackReceiver(96, bad);
        receiver.receive(rtp(1, 0, true, stapA(SPS, PPS, IDR)), frames::add);

        List<byte[]> sets = frames.get(0).track().parameterSets();
        assertEquals(2, sets.size());
        assertArrayEquals(SPS, sets.get(0));
        assertArrayEquals(PPS, sets.get(1));
        assertEquals(1, bad.trackChanges());
    }

    @Test
    void parameterSetsOnlyInBandMakeTheTrackComplete() {
        H264Depacketizer noSdp = new H264Depacketizer(Track.video(1, Codec.H264, 90_000, List.of()));
        RtpTrackReceiver receiver = new RtpTrackReceiver(96, noSdp);
        receiver.receive(rtp(1, 0, true, stapA(SPS, PPS, IDR)), frames::add);

        assertEquals(1, frames.size());
        assertArrayEquals(SPS, frames.get(0).track().parameterSets().get(0));
        assertArrayEquals(PPS, frames.get(0).track().parameterSets().get(1));
    }

    @Test
    void picturesBeforeTheFirstKeyframeAreDroppedAndCounted() {
        send(0, true, P);
        send(3000, true, P);
        sendKeyframe(6000);
        send(9000, true, P);

        assertEquals(2, frames.size());
        assertTrue(frames.get(0).keyframe());
        assertEquals(6000, frames.get(0).pts());
        assertEquals(2, depacketizer.droppedFrames());
    }

    @Test
    void lostFuAMiddleFragmentDropsThePictureAndFramesResumeAtTheNextKeyframe() {
        sendKeyframe(0);
        send(3000, true, P);
        byte[] big = nal(4000, 0x65, 0x88);
        List<byte[]> fragments = fuA(big, 1400, 2800);
        send(6000, false, SPS);
        send(6000, false, PPS);
        send(6000, false, fragments.get(0));
        lose(1); // fragments.get(1)
        send(6000, true, fragments.get(2));
        send(9000, true, P);
        send(12000, true, P);
        sendKeyframe(15000);
        send(18000, true, P);

        assertEquals(List.of(0L, 3000L, 15000L, 18000L), frames.stream().map(Frame::pts).toList());
        assertEquals(3, depacketizer.droppedFrames(), "the damaged keyframe and the two pictures after it");
        assertEquals(1, receiver.sequence().lost());
        for (Frame frame : frames) {
            for (byte[] unit : nalUnits(frame)) {
                assertTrue(unit.length != 4000 - 1400 || unit[0] != 0x65, "no half-assembled IDR");
            }
        }
    }

    @Test
    void lostMarkerPacketDropsThePictureWhenTheNextTimestampArrives() {
        sendKeyframe(0);
        send(3000, false, P);
        lose(1); // the picture's last slice, with the marker
        send(6000, true, P);
        sendKeyframe(9000);

        assertEquals(List.of(0L, 9000L), frames.stream().map(Frame::pts).toList());
        assertEquals(2, depacketizer.droppedFrames());
    }

    /** A whole picture lost between two others: the next is decodable only from a keyframe on. */
    @Test
    void lostWholePictureMakesTheTrackWaitForAKeyframe() {
        sendKeyframe(0);
        lose(1); // the picture at 3000, one packet
        send(6000, true, P);
        sendKeyframe(9000);

        assertEquals(List.of(0L, 9000L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void lostFirstSliceOfAPictureDropsItsOtherSlices() {
        sendKeyframe(0);
        send(3000, true, P);
        lose(1); // the first slice of the keyframe at 6000
        send(6000, true, nal(30, 0x65, 0x40)); // a later slice: first_mb_in_slice is not 0
        sendKeyframe(9000);

        assertEquals(List.of(0L, 3000L, 9000L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void keyframeRightAfterALostPictureIsKept() {
        sendKeyframe(0);
        lose(1); // the picture at 3000, one packet with its marker
        sendKeyframe(6000);
        send(9000, true, P);

        assertEquals(List.of(0L, 6000L, 9000L), frames.stream().map(Frame::pts).toList());
        assertEquals(0, depacketizer.droppedFrames());
    }

    @Test
    void fragmentWithoutItsStartIsSkippedAndDamagesThePicture() {
        byte[] big = nal(3000, 0x65, 0x88);
        sendKeyframe(0);
        send(3000, true, fuA(big, 1400).get(1)); // a camera that never sent the start
        sendKeyframe(6000);

        assertEquals(2, frames.size());
        assertEquals(1, depacketizer.skippedPackets());
        assertEquals(1, depacketizer.droppedFrames());
    }

    @Test
    void unsupportedPacketTypesAreSkippedAndCounted() {
        sendKeyframe(0);
        send(3000, false, new byte[] {25, 0, 0, 0, 2, 0x41, 0x01}); // STAP-B: interleaved mode only
        send(3000, true, P);

        assertEquals(2, frames.size());
        assertNalUnits(frames.get(1), P);
        assertEquals(1, depacketizer.skippedPackets());
    }

    @Test
    void aPictureThatNeverEndsIsDroppedAtTheSizeLimitNotKeptInMemory() {
        sendKeyframe(0);
        byte[] chunk = new byte[60_000];
        chunk[0] = 0x7C; // FU-A, NRI 3
        chunk[1] = (byte) 0x81; // start, non-IDR slice
        send(3000, false, chunk.clone());
        chunk[1] = 0x01; // middle fragments, forever
        int fragments = NalUnitDepacketizer.MAX_PICTURE_BYTES / (chunk.length - 2) + 10;
        for (int i = 0; i < fragments; i++) {
            send(3000, false, chunk);
        }
        sendKeyframe(6000);

        assertEquals(List.of(0L, 6000L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, depacketizer.droppedFrames());
        assertTrue(depacketizer.skippedPackets() >= 10, "fragments past the limit are not collected");
    }

    /** A byte with the forbidden bit set, or H.264's type 0, is not a NAL unit: skipped, not written. */
    @Test
    void somethingThatIsNoNalUnitIsSkipped() {
        sendKeyframe(0);
        send(3000, false, new byte[] {0x00, 0x11, 0x22}); // type 0, no start code
        send(3000, false, new byte[] {(byte) 0xE1, 0x11}); // forbidden bit
        send(3000, true, P);

        assertNalUnits(frames.get(1), P);
        assertEquals(2, depacketizer.skippedNalUnits());
    }

    /** With B-frames pts goes back in decoding order: pts stays exact, dts is kept increasing. */
    @Test
    void bFramesKeepExactPtsAndIncreasingDts() {
        sendKeyframe(0);
        send(9000, true, P); // decoding order I0 P3 B1 B2 P6, 3000 ticks a frame
        send(3000, true, nal(10, 0x01, 0x9E));
        send(6000, true, nal(10, 0x01, 0x9E));
        send(18000, true, P);

        assertEquals(List.of(0L, 9000L, 3000L, 6000L, 18000L), frames.stream().map(Frame::pts).toList());
        assertEquals(List.of(0L, 9000L, 9001L, 9002L, 18000L), frames.stream().map(Frame::dts).toList());
    }

    @Test
    void timestampsKeepIncreasingAcrossThe32BitWrap() {
        sendKeyframe(0xFFFF_FF00);
        send(0xFFFF_FF00 + 3000, true, P); // wraps to 0xAB8

        assertEquals(0xFFFF_FF00L, frames.get(0).pts());
        assertEquals(0x1_0000_0000L + 0xAB8, frames.get(1).pts());
        assertEquals(0x1_0000_0000L + 0xAB8, frames.get(1).dts());
    }

    @Test
    void sequenceWrapIsNoLoss() {
        sequence = 65_534;
        sendKeyframe(0); // 65534, 65535, 0
        send(3000, true, P);

        assertEquals(2, frames.size());
        assertEquals(0, receiver.sequence().lost());
        assertEquals(0, depacketizer.droppedFrames());
    }
}
