package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.Test;
import org.nvr.ffmpeg.FfmpegRuntime;

/** Pictures held for transcoded audio: released as audio catches up, never held beyond the bound. */
class HeldPicturesTest {
    static final long FRAME = 40_000;

    /** Adds pictures {@code from..to-1} (pts = index), one frame apart in time. */
    static void addPictures(HeldPictures held, int from, int to) {
        FfmpegRuntime.init();
        AVPacket pkt = av_packet_alloc();
        try {
            for (int i = from; i < to; i++) {
                av_new_packet(pkt, 8);
                pkt.pts(i).dts(i);
                held.add(pkt, i * FRAME);
                av_packet_unref(pkt);
            }
        } finally {
            av_packet_free(pkt);
        }
    }

    static List<Long> poll(HeldPictures held, boolean all) {
        List<Long> out = new ArrayList<>();
        AVPacket p;
        while ((p = held.poll(all)) != null) {
            out.add(p.pts());
            held.release(p);
        }
        return out;
    }

    @Test
    void picturesWaitUntilAudioHasReachedThem() {
        try (HeldPictures held = new HeldPictures()) {
            addPictures(held, 0, 4);
            assertEquals(List.of(), poll(held, false), "no audio yet");
            held.audioUntil(2 * FRAME + 1);
            assertEquals(List.of(0L, 1L, 2L), poll(held, false));
            held.audioUntil(Long.MAX_VALUE); // transcoding stopped
            assertEquals(List.of(3L), poll(held, false));
            assertTrue(held.isEmpty());
        }
    }

    @Test
    void noPictureWaitsLongerThanTheBoundForAudioThatDoesNotCome() {
        try (HeldPictures held = new HeldPictures()) {
            int bound = (int) (HeldPictures.MAX_HOLD_MICROS / FRAME); // 12 frames
            addPictures(held, 0, bound + 3);
            assertEquals(List.of(0L, 1L), poll(held, false), "only those more than the bound behind the newest");
        }
    }

    @Test
    void allPicturesLeaveAtTheEndAndCloseFreesTheRest() {
        try (HeldPictures held = new HeldPictures()) {
            addPictures(held, 0, 3);
            assertEquals(List.of(0L, 1L, 2L), poll(held, true));
            addPictures(held, 3, 5);
            assertNull(held.poll(false));
        } // close frees pictures 3 and 4
    }
}
