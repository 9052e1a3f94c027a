package org.nvr.media;

import java.util.ArrayDeque;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Gives one video track's frames decode times when the source knows only presentation times (RTP
 * carries one timestamp, the presentation time). With B-frames pictures arrive in decode order with
 * presentation times out of order; MP4 needs a decode time per sample that strictly increases and is
 * never after the picture is shown.
 *
 * <p>How: the n-th frame decoded gets the n-th smallest presentation time, moved earlier by the
 * stream's reorder depth (how many pictures decoded before a picture are shown after it, at most
 * {@link #LOOKAHEAD}) in frame intervals. For pictures evenly spaced in time that gives evenly spaced
 * decode times, the first keyframe decoded {@code depth} frames before it is shown (as encoders do),
 * and, without B-frames, decode time = presentation time. Frames are held back {@link #LOOKAHEAD}
 * frames to learn the depth and the n-th smallest time before handing them on. A jump of the
 * presentation time by more than {@code jumpTicks} (a camera clock set, a long gap) hands on what is
 * held first, so frames of both sides are never sorted together.
 *
 * <p>Not thread-safe: one per video track per session.
 */
public final class DecodeTimes {
    /** Frames held back: more than the reorder depth of any camera encoder (2-3 B-frames, pyramids). */
    public static final int LOOKAHEAD = 4;

    /** A frame with its decode time set, and the tag it was added with (its arrival, say). */
    public record Decoded(Frame frame, long tag) {
    }

    private record Held(Frame frame, long tag) {
    }

    private final long jumpTicks;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    /** Presentation times of the held frames and of frames handed on ahead of their turn, smallest first. */
    private final PriorityQueue<Long> shown = new PriorityQueue<>();
    private int depth;
    /** The last steps between consecutive presentation times; the smallest is the frame interval. */
    private final long[] steps = new long[16];
    private int stepCount;
    private long lastDts = Long.MIN_VALUE;
    private long lastPts = Long.MIN_VALUE;

    /**
     * @param jumpTicks a presentation time step larger than this (either way) is a discontinuity, not a
     *                  reordering
     */
    public DecodeTimes(long jumpTicks) {
        this.jumpTicks = jumpTicks;
    }

    /** Adds a frame in decode order; appends to {@code out} the frames whose decode time is now known. */
    public void add(Frame frame, long tag, List<Decoded> out) {
        if (lastPts != Long.MIN_VALUE && Math.abs(frame.pts() - lastPts) > jumpTicks) {
            finish(out); // what was held goes on as a stream's end does; the new times start afresh
            shown.clear();
            lastDts = Long.MIN_VALUE;
        }
        lastPts = frame.pts();
        int later = 0;
        for (Held h : held) {
            if (h.frame().pts() > frame.pts()) {
                later++;
            }
        }
        depth = Math.max(depth, later);
        held.add(new Held(frame, tag));
        shown.add(frame.pts());
        while (held.size() > LOOKAHEAD) {
            emit(out, false);
        }
    }

    /**
     * Hands on every held frame (at the end of the session). A stream cut off after a reference picture
     * lacks the pictures shown before it, so their times are missing from the sort: the last frames are
     * decoded one frame interval apart instead (never later than the sort would say).
     */
    public void finish(List<Decoded> out) {
        while (!held.isEmpty()) {
            emit(out, true);
        }
    }

    /** Pictures decoded before a picture and shown after it, at most, in this stream so far. */
    public int depth() {
        return depth;
    }

    /** The frame interval: the smallest recent step between presentation times (a lost frame makes one larger). */
    public long frameInterval() {
        long min = 0;
        for (int i = 0; i < Math.min(stepCount, steps.length); i++) {
            min = min == 0 ? steps[i] : Math.min(min, steps[i]);
        }
        return min;
    }

    private void emit(List<Decoded> out, boolean last) {
        Held h = held.poll();
        long smallest = shown.poll();
        Long next = shown.peek();
        if (next != null && next > smallest) {
            steps[stepCount++ % steps.length] = next - smallest;
        }
        long step = frameInterval();
        long dts = smallest - depth * step;
        if (last && lastDts != Long.MIN_VALUE && step > 0) {
            dts = Math.min(dts, lastDts + step);
        }
        if (lastDts != Long.MIN_VALUE && dts <= lastDts) {
            dts = lastDts + 1; // only when deeper reordering shows up mid-stream: keep decode order strict
        }
        lastDts = dts;
        Frame f = h.frame();
        out.add(new Decoded(new Frame(f.track(), f.pts(), dts, f.keyframe(), f.data()), h.tag()));
    }
}
