package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;

import java.util.ArrayDeque;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.nvr.store.TrackClock;

/**
 * Pictures waiting for transcoded audio to catch up: the mirror image of {@link PendingAudio}. The AAC
 * encoder hands out a frame only once it has seen the next one, so transcoded audio reaches the
 * session up to two AAC frames (about 130 ms at 16 kHz) after the pictures it goes with. Written at
 * once, a picture that opens a segment would find the audio just before it still inside the
 * transcoder, and that audio, which belongs to the segment just closed, would be lost at every cut.
 * Holding each picture until audio has reached its time lets audio be queued ahead of its pictures,
 * as copied audio is. Bounded by stream time: a picture waits at most {@link #MAX_HOLD_MICROS} behind
 * the newest one, so video never waits long for audio that does not come.
 *
 * <p>Times are the demuxer's (before {@link TrackClock}), in microseconds; both tracks come from one
 * demuxer, so they share a timeline. Owns cloned native packets; not thread-safe (the camera thread).
 */
final class HeldPictures implements AutoCloseable {
    /** Longest wait, in stream time; well above the transcoder's delay plus network interleaving. */
    static final long MAX_HOLD_MICROS = 500_000;

    private record Held(AVPacket picture, long micros) {
    }

    private final ArrayDeque<Held> queue = new ArrayDeque<>();
    private long audioMicros = Long.MIN_VALUE;
    private long newestMicros = Long.MIN_VALUE;

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** Holds a copy of {@code picture} (not consumed), whose time is {@code micros}. */
    void add(AVPacket picture, long micros) {
        AVPacket copy = av_packet_clone(picture);
        if (copy == null) {
            throw new OutOfMemoryError("av_packet_clone");
        }
        queue.add(new Held(copy, micros));
        newestMicros = micros;
    }

    /** Audio is complete up to {@code micros}; {@code Long.MAX_VALUE} once there will be no more. */
    void audioUntil(long micros) {
        audioMicros = micros;
    }

    /** The oldest picture that need wait no longer (any, when {@code all}), or null. The caller releases it. */
    AVPacket poll(boolean all) {
        Held head = queue.peek();
        if (head == null || !(all || head.micros() <= audioMicros || newestMicros - head.micros() > MAX_HOLD_MICROS)) {
            return null;
        }
        queue.poll();
        return head.picture();
    }

    void release(AVPacket picture) {
        av_packet_free(picture);
    }

    @Override
    public void close() {
        Held h;
        while ((h = queue.poll()) != null) {
            release(h.picture());
        }
    }
}
