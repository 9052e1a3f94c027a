package org.nvr.mp4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.media.AvcSps;
import org.nvr.media.Codec;
import org.nvr.media.DecodeTimes;
import org.nvr.media.Frame;
import org.nvr.media.HevcSps;
import org.nvr.sim.SyntheticClip;

/**
 * {@link DecodeTimes} holds back no picture of a stream whose SPS says it does not reorder, on streams
 * real encoders made at test time: none without B-frames (OpenH264, x264 and x265 with B-frames off),
 * {@link DecodeTimes#LOOKAHEAD} with them (x264 and x265 with 2 B-frames; the SPS reads a depth of 2),
 * and the decode times it gives are valid either way (strictly increasing, never after the picture is shown). The expected depths are what
 * FFmpeg's {@code trace_headers} prints for the same encoder settings.
 */
class DecodeTimesOnEncodedStreamsTest {
    @TempDir
    Path dir;

    @Test
    void openH264WithoutBFramesIsNotHeldBack() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 30, 200_000);
        TestStreams.Stream s = TestStreams.h264(clip, 0);
        assertEquals(0, AvcSps.reorderDepth(s.track().parameterSets().get(0)));
        assertHandedOnAtOnce(s);
    }

    @Test
    void x264WithoutBFramesIsNotHeldBack() throws Exception {
        TestStreams.Stream s = TestStreams.h264WithoutBFrames(dir, 30, 0);
        assertEquals(0, AvcSps.reorderDepth(s.track().parameterSets().get(0)));
        assertHandedOnAtOnce(s);
    }

    @Test
    void x265WithoutBFramesIsNotHeldBack() throws Exception {
        TestStreams.Stream s = TestStreams.h265WithoutBFrames(dir, 30, 0);
        assertEquals(0, HevcSps.reorderDepth(sps(s, Codec.H265)));
        assertHandedOnAtOnce(s);
    }

    @Test
    void x264WithBFramesIsHeldAsBefore() throws Exception {
        TestStreams.Stream s = TestStreams.h264WithBFrames(dir, 30, 0, "high");
        assertEquals(2, AvcSps.reorderDepth(sps(s, Codec.H264)));
        assertHeldAndValid(s, DecodeTimes.LOOKAHEAD);
    }

    @Test
    void x265WithBFramesIsHeldAsBefore() throws Exception {
        TestStreams.Stream s = TestStreams.h265(dir, 30, 0);
        assertEquals(2, HevcSps.reorderDepth(sps(s, Codec.H265)));
        assertHeldAndValid(s, DecodeTimes.LOOKAHEAD);
    }

    @Test
    void aStreamWhoseSpsUnderstatesItsReorderingIsStillGivenValidDecodeTimes() throws Exception {
        // the x264 B-frame pictures under the SPS of a stream without B-frames: an encoder that lies
        TestStreams.Stream b = TestStreams.h264WithBFrames(dir, 30, 0, "high");
        TestStreams.Stream noB = TestStreams.h264WithoutBFrames(dir, 1, 0);
        var liar = org.nvr.media.Track.video(0, Codec.H264, b.track().clockRate(), noB.track().parameterSets());
        List<Frame> frames = new ArrayList<>();
        for (Frame f : b.frames()) {
            frames.add(new Frame(liar, f.pts(), f.pts(), f.keyframe(), stripParameterSets(f.data())));
        }
        DecodeTimes times = new DecodeTimes(2L * liar.clockRate());
        List<DecodeTimes.Decoded> out = new ArrayList<>();
        for (Frame f : frames) {
            times.add(f, 0, out);
        }
        times.finish(out);
        assertEquals(DecodeTimes.LOOKAHEAD, times.lookahead(), "held as without an SPS once it lied");
        assertEquals(frames.size(), out.size());
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i).frame().dts() > out.get(i - 1).frame().dts(), "decode times increase at " + i);
        }
    }

    /** Every picture comes out as it goes in, with its decode time = presentation time. */
    private static void assertHandedOnAtOnce(TestStreams.Stream s) {
        DecodeTimes times = new DecodeTimes(2L * s.track().clockRate());
        List<DecodeTimes.Decoded> out = new ArrayList<>();
        for (int i = 0; i < s.frames().size(); i++) {
            Frame f = s.frames().get(i);
            times.add(new Frame(f.track(), f.pts(), f.pts(), f.keyframe(), f.data()), i, out);
            assertEquals(i + 1, out.size(), "picture " + i + " handed on when it arrived");
            assertEquals(f.pts(), out.get(i).frame().dts(), "decode time of picture " + i);
        }
        assertEquals(0, times.lookahead());
    }

    /** Held back {@code depth} pictures; decode times strictly increase and are never after presentation. */
    private static void assertHeldAndValid(TestStreams.Stream s, int depth) {
        DecodeTimes times = new DecodeTimes(2L * s.track().clockRate());
        List<DecodeTimes.Decoded> out = new ArrayList<>();
        for (int i = 0; i < s.frames().size(); i++) {
            Frame f = s.frames().get(i);
            times.add(new Frame(f.track(), f.pts(), f.pts(), f.keyframe(), f.data()), i, out);
            assertEquals(Math.max(0, i + 1 - depth), out.size(), "pictures handed on after picture " + i);
        }
        times.finish(out);
        assertEquals(depth, times.lookahead());
        assertEquals(s.frames().size(), out.size());
        for (int i = 0; i < out.size(); i++) {
            Frame f = out.get(i).frame();
            assertEquals(i, out.get(i).tag(), "decode order kept");
            assertTrue(f.dts() <= f.pts(), "picture " + i + " decoded before it is shown");
            if (i > 0) {
                assertTrue(f.dts() > out.get(i - 1).frame().dts(), "decode times increase at " + i);
            }
        }
    }

    private static byte[] sps(TestStreams.Stream s, Codec codec) {
        for (byte[] nal : s.track().parameterSets()) {
            int type = codec == Codec.H265 ? (nal[0] >> 1) & 0x3f : nal[0] & 0x1f;
            if (type == (codec == Codec.H265 ? 33 : 7)) {
                return nal;
            }
        }
        throw new AssertionError("no SPS in the track");
    }

    /** The picture without in-band SPS/PPS (x264 repeats them in keyframes), so the track's lie is all there is. */
    private static byte[] stripParameterSets(byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int at = 0;
        while (at + 4 <= data.length) {
            int len = ((data[at] & 0xff) << 24) | ((data[at + 1] & 0xff) << 16) | ((data[at + 2] & 0xff) << 8)
                    | (data[at + 3] & 0xff);
            int type = data[at + 4] & 0x1f;
            if (type != 7 && type != 8) {
                out.write(data, at, 4 + len);
            }
            at += 4 + len;
        }
        return out.toByteArray();
    }
}
