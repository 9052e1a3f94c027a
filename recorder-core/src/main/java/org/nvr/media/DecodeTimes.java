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
 * stream's reorder depth (how many pictures decoded before a picture are shown after it, as seen so far)
 * in frame intervals. For pictures evenly spaced in time that gives evenly spaced decode times, the first
 * keyframe decoded {@code depth} frames before it is shown (as encoders do), and, without B-frames,
 * decode time = presentation time. A stream whose SPS says it does not reorder ({@link #declaredDepth}:
 * max_num_reorder_frames, sps_max_num_reorder_pics of 0; the usual camera, without B-frames) is not held
 * at all: each frame is handed on as it comes, with no added latency to disk or live view. Others are held
 * {@link #LOOKAHEAD} frames to learn the depth, the frame interval and the n-th smallest time; so are
 * streams without a readable SPS, and, for the rest of the stream, one whose frames show the SPS
 * understated its reordering (an encoder that lies). A jump of the presentation time by more than
 * {@code jumpTicks} (a camera clock set, a long gap) hands on what is held first, so frames of both sides
 * are never sorted together.
 *
 * <p>Not thread-safe: one per video track per session.
 */
public final class DecodeTimes {
    /** Frames held back without a readable SPS: more than the reorder depth of any camera encoder (2-3 B-frames, pyramids). */
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
    /** Frames held back now: 0 for a stream the SPS says does not reorder, else {@link #LOOKAHEAD}. */
    private int lookahead = LOOKAHEAD;
    /** Set when a frame came that needed more reordering than the SPS declared: hold {@link #LOOKAHEAD} from then on. */
    private boolean spsWrong;
    /** The largest presentation time taken from the sort since the last jump: a later frame shown before it came too late. */
    private long emittedPts = Long.MIN_VALUE;
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
            emittedPts = Long.MIN_VALUE;
        }
        lastPts = frame.pts();
        if (frame.keyframe() && !spsWrong) {
            int declared = declaredDepth(frame);
            // Only a stream without reordering is not held: with B-frames, fewer held frames learn the frame
            // interval and depth later, and the first pictures' decode times come out uneven (a segment one
            // frame short in BFramesGstTest with x265's declared depth of 2).
            lookahead = declared == 0 ? 0 : LOOKAHEAD;
        }
        if (frame.pts() < emittedPts && !spsWrong) {
            spsWrong = true; // shown before a frame already handed on: deeper reordering than declared
            lookahead = LOOKAHEAD;
        }
        int later = 0;
        for (Held h : held) {
            if (h.frame().pts() > frame.pts()) {
                later++;
            }
        }
        depth = Math.max(depth, later);
        held.add(new Held(frame, tag));
        shown.add(frame.pts());
        while (held.size() > lookahead) {
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

    /**
     * The reorder depth a keyframe's SPS declares: its in-band one, else its track's; -1 when neither
     * is there or readable (or the codec has no SPS).
     */
    static int declaredDepth(Frame keyframe) {
        Track track = keyframe.track();
        List<byte[]> sets = keyframe.inBandParameterSets();
        if (sets.isEmpty()) {
            sets = track.parameterSets();
        }
        for (byte[] nal : sets) {
            if (track.codec() == Codec.H264 && nal.length > 0 && (nal[0] & 0x1f) == 7) {
                return AvcSps.reorderDepth(nal);
            }
            if (track.codec() == Codec.H265 && nal.length > 0 && ((nal[0] >> 1) & 0x3f) == 33) {
                return HevcSps.reorderDepth(nal);
            }
        }
        return -1;
    }

    /** Frames held back now (0 for a stream the SPS says does not reorder, else {@link #LOOKAHEAD}). */
    public int lookahead() {
        return lookahead;
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
        emittedPts = Math.max(emittedPts, smallest);
        out.add(new Decoded(new Frame(f.track(), f.pts(), dts, f.keyframe(), f.data()), h.tag()));
    }
}
