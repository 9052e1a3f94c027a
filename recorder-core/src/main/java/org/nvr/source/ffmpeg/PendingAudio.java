package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;

import java.util.ArrayDeque;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.nvr.store.TrackClock;

/**
 * Audio packets waiting for the video to catch up. Cameras interleave loosely and pictures are held
 * back one frame while their slices are joined, so audio often arrives ahead of the picture it goes
 * with; holding it until a later picture is seen lets a segment cut put every audio packet on the
 * same side of the cut as the pictures around it. Bounded: if video stops (a stall about to be
 * detected) the oldest audio is dropped rather than memory growing.
 *
 * <p>Owns cloned native packets; not thread-safe (the camera thread).
 */
final class PendingAudio implements AutoCloseable {
    /** About 10 s of AAC at 48 kHz. */
    static final int MAX_PACKETS = 500;

    record Entry(AVPacket packet, int track, TrackClock.Stamp stamp, long runMicros) {
    }

    private final ArrayDeque<Entry> queue = new ArrayDeque<>();

    void add(AVPacket pkt, int track, TrackClock.Stamp stamp, long runMicros) {
        if (queue.size() >= MAX_PACKETS) {
            release(queue.poll());
        }
        AVPacket copy = av_packet_clone(pkt);
        if (copy == null) {
            throw new OutOfMemoryError("av_packet_clone");
        }
        queue.add(new Entry(copy, track, stamp, runMicros));
    }

    /** The oldest queued packet from before {@code beforeMicros}, or null. The caller releases it. */
    Entry poll(long beforeMicros) {
        Entry head = queue.peek();
        return head != null && head.runMicros() < beforeMicros ? queue.poll() : null;
    }

    void release(Entry e) {
        if (e != null) {
            av_packet_free(e.packet());
        }
    }

    @Override
    public void close() {
        Entry e;
        while ((e = queue.poll()) != null) {
            release(e);
        }
    }
}
