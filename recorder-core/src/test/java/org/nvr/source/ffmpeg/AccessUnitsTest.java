package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.store.TrackClock;

/**
 * {@link AccessUnits} on packets as FFmpeg's RTSP client hands them over: the untimed first picture of
 * a session, B-frames with a presentation time but no decoding time at the start, and delimiters in
 * packets of their own.
 */
class AccessUnitsTest {
    static final long FRAME = 3600;
    static final long NO = TrackClock.NO_TS;
    static final byte[] AUD = {0, 0, 0, 1, 9, (byte) 0xF0};
    static final byte[] IDR = {0, 0, 0, 1, 0x65, (byte) 0x88, 1, 2, 3};
    static final byte[] SLICE = {0, 0, 0, 1, 0x41, (byte) 0x9a, 4, 5, 6};

    /** What came out: decoding time, presentation time, size. */
    record Picture(long dts, long pts, int size) {
    }

    @BeforeAll
    static void ffmpeg() {
        FfmpegRuntime.init();
    }

    @Test
    void withoutBFramesTheUntimedFirstPictureIsDatedOneFrameBeforeTheSecond() {
        try (AccessUnits units = new AccessUnits(AV_CODEC_ID_H264, FRAME)) {
            List<Picture> out = new ArrayList<>();
            feed(units, out, NO, NO, true, IDR);
            feed(units, out, 3600, 3600, false, SLICE);
            feed(units, out, 7200, 7200, false, SLICE);
            assertEquals(List.of(new Picture(0, 0, IDR.length), new Picture(3600, 3600, SLICE.length)), out);
        }
    }

    @Test
    void withBFramesThePicturesBeforeTheFirstDecodingTimeAreDatedBackFromIt() {
        // What FFmpeg gives for x264 bframes=2 (decoding order I P B B P): pts only until its
        // reordering buffer is full, then dts two frames behind.
        try (AccessUnits units = new AccessUnits(AV_CODEC_ID_H264, FRAME)) {
            List<Picture> out = new ArrayList<>();
            feed(units, out, NO, NO, true, IDR);
            feed(units, out, NO, 10800, false, SLICE);
            feed(units, out, NO, 3600, false, SLICE);
            feed(units, out, 3600, 7200, false, SLICE);
            feed(units, out, 7200, 21600, false, SLICE);
            assertEquals(List.of(
                    new Picture(-7200, 0, IDR.length),   // shown first, one frame before the first B
                    new Picture(-3600, 10800, SLICE.length),
                    new Picture(0, 3600, SLICE.length),
                    new Picture(3600, 7200, SLICE.length)), out);
        }
    }

    @Test
    void withoutAnyDecodingTimeThePicturesGoOnAfterABoundedWait() {
        try (AccessUnits units = new AccessUnits(AV_CODEC_ID_H264, FRAME)) {
            List<Picture> out = new ArrayList<>();
            feed(units, out, NO, NO, true, IDR);
            for (int i = 1; i <= AccessUnits.MAX_UNDATED + 1; i++) {
                feed(units, out, NO, i * FRAME, false, SLICE);
            }
            assertEquals(AccessUnits.MAX_UNDATED + 1, out.size());
            assertEquals(new Picture(NO, 0, IDR.length), out.get(0)); // TrackClock fills the dts in
            assertEquals(new Picture(NO, FRAME, SLICE.length), out.get(1));
        }
    }

    @Test
    void aDelimiterInAPacketOfItsOwnJoinsThePictureAfterIt() {
        try (AccessUnits units = new AccessUnits(AV_CODEC_ID_H264, FRAME)) {
            List<Picture> out = new ArrayList<>();
            feed(units, out, NO, NO, false, AUD); // the session's first packet: a delimiter alone
            feed(units, out, 0, 0, true, IDR);
            feed(units, out, 3600, 3600, false, AUD); // with the next picture's time
            feed(units, out, 3600, 3600, false, SLICE);
            feed(units, out, 7200, 7200, false, AUD); // with its own time, before its picture's
            feed(units, out, 7300, 7300, false, SLICE);
            feed(units, out, 10800, 10800, false, SLICE);
            assertEquals(List.of(new Picture(0, 0, AUD.length + IDR.length),
                    new Picture(3600, 3600, AUD.length + SLICE.length),
                    new Picture(7300, 7300, AUD.length + SLICE.length)), out);
        }
    }

    @Test
    void aDelimiterLeftAtTheEndOfTheStreamIsNoPicture() {
        try (AccessUnits units = new AccessUnits(AV_CODEC_ID_H264, FRAME)) {
            List<Picture> out = new ArrayList<>();
            feed(units, out, 0, 0, true, IDR);
            feed(units, out, 3600, 3600, false, SLICE);
            feed(units, out, 7200, 7200, false, AUD); // the camera went away after this
            units.finish();
            drain(units, out);
            assertEquals(List.of(new Picture(0, 0, IDR.length), new Picture(3600, 3600, SLICE.length)), out);
            assertNull(units.poll());
        }
    }

    private static void feed(AccessUnits units, List<Picture> out, long dts, long pts, boolean key, byte[]... nals) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            bytes.writeBytes(nal);
        }
        byte[] data = bytes.toByteArray();
        AVPacket pkt = av_packet_alloc();
        try {
            av_new_packet(pkt, data.length);
            pkt.data().put(data, 0, data.length);
            pkt.dts(dts);
            pkt.pts(pts);
            pkt.flags(key ? AV_PKT_FLAG_KEY : 0);
            units.add(pkt);
        } finally {
            av_packet_free(pkt);
        }
        drain(units, out);
    }

    private static void drain(AccessUnits units, List<Picture> out) {
        AVPacket p;
        while ((p = units.poll()) != null) {
            out.add(new Picture(p.dts(), p.pts(), p.size()));
        }
    }
}
