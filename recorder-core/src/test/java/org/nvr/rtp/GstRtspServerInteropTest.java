package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.sim.RtspCapture;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/**
 * RTP captured from a real, independent RTSP server (gst-rtsp-server: x264, x265, AAC, A-law) over
 * TCP, depacketized: plausible frame counts for the time captured, the first picture a keyframe, no
 * loss, and the pictures decode without an error in FFmpeg.
 */
class GstRtspServerInteropTest {

    private static final long CAPTURE_MILLIS = 2000;
    private static final Pattern RTPMAP = Pattern.compile("a=rtpmap:(\\d+) ");

    private static GstRtspServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = GstRtspServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void h264() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H264), CAPTURE_MILLIS);
        List<Frame> frames = video(capture, Codec.H264, H264Depacketizer::new);

        assertDecodes(frames, "h264");
    }

    @Test
    void h265() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H265), CAPTURE_MILLIS);
        List<Frame> frames = video(capture, Codec.H265, H265Depacketizer::new);

        assertEquals(3, frames.get(0).track().parameterSets().size(), "VPS, SPS, PPS");
        assertDecodes(frames, "hevc");
    }

    /** x264 sliced threads, as many IP cameras: several slices per picture, joined into one frame each. */
    @Test
    void h264WithSeveralSlicesPerPicture() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H264_SLICES),
                CAPTURE_MILLIS);
        List<Frame> frames = video(capture, Codec.H264, H264Depacketizer::new);

        long slices = Packets.nalUnits(frames.get(frames.size() - 1)).stream().filter(n -> (n[0] & 0x1F) == 1).count();
        assertTrue(slices > 1, slices + " slices in the last picture");
        assertDecodes(frames, "h264");
    }

    /** Decoding order is not presentation order: pts as sent (going back at B-frames), dts increasing. */
    @Test
    void h264WithBFrames() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H264_BFRAMES),
                CAPTURE_MILLIS);
        List<Frame> frames = video(capture, Codec.H264, H264Depacketizer::new);

        assertTrue(ptsGoesBack(frames), "B-frames: some pts smaller than the one before");
        assertDecodes(frames, "h264");
    }

    @Test
    void h265WithBFrames() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H265_BFRAMES),
                CAPTURE_MILLIS);
        List<Frame> frames = video(capture, Codec.H265, H265Depacketizer::new);

        assertTrue(ptsGoesBack(frames), "B-frames: some pts smaller than the one before");
        assertDecodes(frames, "hevc");
    }

    private static boolean ptsGoesBack(List<Frame> frames) {
        for (int i = 1; i < frames.size(); i++) {
            if (frames.get(i).pts() < frames.get(i - 1).pts()) {
                return true;
            }
        }
        return false;
    }

    @Test
    void h264WithAac() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H264_AAC), CAPTURE_MILLIS);
        assertDecodes(video(capture, Codec.H264, H264Depacketizer::new), "h264");

        String audio = mediaSection(capture.sdp(), 1);
        assertTrue(audio.toLowerCase(java.util.Locale.ROOT).contains("mpeg4-generic/16000"), audio);
        assertTrue(audio.contains("sizelength=13"), audio);
        Track track = Track.audio(1, Codec.AAC, 16_000, null, 16_000, 1);
        AacDepacketizer depacketizer = new AacDepacketizer(track);
        List<Frame> frames = receive(capture.channel(2), payloadType(audio), depacketizer);

        assertPlausible(frames.size(), 16_000.0 / 1024);
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(1024, frames.get(i).pts() - frames.get(i - 1).pts(), "AU " + i + " follows the last");
        }
        assertEquals(0, depacketizer.droppedFrames());
    }

    @Test
    void h264WithAlaw() throws Exception {
        RtspCapture.Capture capture = RtspCapture.capture(server.port(), server.url(GstRtspServer.H264_ALAW), CAPTURE_MILLIS);
        assertDecodes(video(capture, Codec.H264, H264Depacketizer::new), "h264");

        String audio = mediaSection(capture.sdp(), 1);
        assertTrue(audio.contains("PCMA/8000"), audio);
        List<Frame> frames = receive(capture.channel(2), 8,
                new G711Depacketizer(Track.audio(1, Codec.PCMA, 8000, null, 8000, 1)));

        long samples = frames.stream().mapToLong(Frame::size).sum();
        assertTrue(samples > 8000 * CAPTURE_MILLIS / 1000 / 2 && samples < 8000 * CAPTURE_MILLIS / 1000 * 2,
                samples + " samples in " + CAPTURE_MILLIS + " ms");
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(frames.get(i - 1).size(), frames.get(i).pts() - frames.get(i - 1).pts(), "frame " + i);
        }
    }

    private List<Frame> video(RtspCapture.Capture capture, Codec codec, Function<Track, NalUnitDepacketizer> make) {
        String section = mediaSection(capture.sdp(), 0);
        Track track = Track.video(0, codec, 90_000, parameterSets(section));
        assertEquals(codec == Codec.H264 ? 2 : 3, track.parameterSets().size(), "parameter sets from the SDP: " + section);
        NalUnitDepacketizer depacketizer = make.apply(track);
        RtpTrackReceiver receiver = new RtpTrackReceiver(payloadType(section), depacketizer);
        List<Frame> frames = new ArrayList<>();
        for (byte[] packet : capture.channel(0)) {
            receiver.receive(RtpPacket.parse(packet), frames::add);
        }

        assertPlausible(frames.size(), server.options().fps());
        assertTrue(frames.get(0).keyframe(), "the first frame is a keyframe");
        assertEquals(0, receiver.sequence().lost());
        long keyframes = frames.stream().filter(Frame::keyframe).count();
        assertTrue(keyframes >= 1 && keyframes <= frames.size() / 10 + 2, keyframes + " keyframes");
        for (int i = 1; i < frames.size(); i++) {
            assertTrue(frames.get(i).dts() > frames.get(i - 1).dts(), "dts increases at frame " + i);
        }
        return frames;
    }

    private static List<Frame> receive(List<byte[]> packets, int payloadType, Depacketizer depacketizer) {
        RtpTrackReceiver receiver = new RtpTrackReceiver(payloadType, depacketizer);
        List<Frame> frames = new ArrayList<>();
        for (byte[] packet : packets) {
            receiver.receive(RtpPacket.parse(packet), frames::add);
        }
        assertEquals(0, receiver.sequence().lost());
        return frames;
    }

    /** Frames received in the capture: within a factor of two of {@code perSecond} x its length. */
    private static void assertPlausible(int count, double perSecond) {
        double expected = perSecond * CAPTURE_MILLIS / 1000;
        assertTrue(count > expected / 2 && count < expected * 2, count + " frames, about " + expected + " expected");
    }

    /**
     * Writes the frames as an Annex B file and decodes it. gst's {@code config-interval=-1} repeats
     * SPS and PPS before every slice of a keyframe coded in slices; FFmpeg's raw H.264 parser takes
     * each repeat after a slice as the start of another picture and counts it, so a parameter set
     * already written in the same frame is left out of the file (in an MP4 sample it does no harm).
     */
    private void assertDecodes(List<Frame> frames, String name) throws IOException, InterruptedException {
        Path file = dir.resolve("capture." + name);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (Frame frame : frames) {
                List<byte[]> written = new ArrayList<>();
                for (byte[] nal : Packets.nalUnits(frame)) {
                    boolean parameterSet = name.equals("h264") ? (nal[0] & 0x1F) == 7 || (nal[0] & 0x1F) == 8
                            : ((nal[0] >> 1) & 0x3F) >= 32 && ((nal[0] >> 1) & 0x3F) <= 34;
                    if (parameterSet && written.stream().anyMatch(w -> Arrays.equals(w, nal))) {
                        continue;
                    }
                    written.add(nal);
                    out.write(new byte[] {0, 0, 0, 1});
                    out.write(nal);
                }
            }
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        assertEquals(frames.size(), MediaProbe.frameCount(file));
    }

    private static String mediaSection(String sdp, int index) {
        String[] sections = sdp.split("(?m)^(?=m=)");
        return sections[index + 1];
    }

    private static int payloadType(String section) {
        Matcher m = RTPMAP.matcher(section);
        assertTrue(m.find(), section);
        return Integer.parseInt(m.group(1));
    }

    /** sprop-parameter-sets (H.264) or sprop-vps, -sps, -pps (H.265), decoded. */
    private static List<byte[]> parameterSets(String section) {
        List<byte[]> sets = new ArrayList<>();
        Matcher h264 = Pattern.compile("sprop-parameter-sets=([^;\\s]+)").matcher(section);
        if (h264.find()) {
            for (String set : h264.group(1).split(",")) {
                sets.add(Base64.getDecoder().decode(set));
            }
            return sets;
        }
        for (String name : List.of("vps", "sps", "pps")) {
            Matcher m = Pattern.compile("sprop-" + name + "=([^;\\s]+)").matcher(section);
            if (m.find()) {
                sets.add(Base64.getDecoder().decode(m.group(1)));
            }
        }
        return sets;
    }
}
