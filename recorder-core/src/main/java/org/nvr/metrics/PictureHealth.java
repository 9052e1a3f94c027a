package org.nvr.metrics;

import java.time.Duration;
import java.time.Instant;

/**
 * Picture health of one camera, judged without decoding from the time, size and keyframe flag of
 * every picture written: frame rate, bit rate, keyframe interval, and two flags for a camera that is
 * up but whose picture is probably frozen, covered or broken.
 *
 * <p><b>Windows.</b> Pictures are counted in windows of stream time that start at a keyframe and end
 * at the first keyframe at least {@link #MIN_WINDOW} later, so every window holds whole GOPs and a
 * 1 fps camera with a 20 s GOP gets as steady a bit rate as a 30 fps camera with a 1 s GOP. Frame
 * and bit rate are those of the last complete window (they lag by at most one window). Times are
 * the pictures' own wall-clock times (recorder clock at the run's start plus stream time), so a
 * camera that drops pictures shows a lower frame rate even when its timestamps claim a nominal one.
 *
 * <p><b>No keyframes.</b> Flagged when the last keyframe is more than
 * {@code max(}{@link #NO_KEYFRAME_FLOOR}{@code , }{@link #NO_KEYFRAME_FACTOR}{@code  × usual interval)}
 * old while pictures keep coming. The usual interval is a running average of this camera's keyframe
 * intervals, so a 1 fps camera with a 50-frame GOP (50 s) is not flagged while a 25 fps camera with
 * a 1 s GOP is flagged after a minute. The exposed keyframe interval is the last measured interval,
 * or the time since the last keyframe when that is longer, so it climbs while keyframes are missing.
 * While keyframes are missing, windows end at {@link #MIN_WINDOW} instead of at a keyframe.
 *
 * <p><b>Bit-rate collapse.</b> Each camera learns a reference bit rate: the plain average of its
 * first {@link #LEARNING} of windows, then an exponential average with a time constant of
 * {@link #REFERENCE_TIME_CONSTANT}. A window below {@link #COLLAPSE_RATIO} of the reference is a
 * collapse (a lens covered or turned to a wall, a frozen encoder: a static picture costs a few
 * percent of a live one). While collapsed the reference follows only with
 * {@link #COLLAPSED_TIME_CONSTANT}, so a covered camera stays flagged for hours, yet a deliberate
 * change of the camera's bit rate clears by itself within a day. Day/night changes of a variable
 * bit-rate camera (typically 30-50 %) stay well above the ratio. The reference and the usual
 * keyframe interval survive reconnects (a camera that is covered and also reconnects stays flagged)
 * but not a restart of the recorder.
 *
 * <p>When the camera stops recording ({@link #reset()}), frame and bit rate read 0, the keyframe
 * interval NaN (unknown), and both flags are cleared: a camera that is down is the camera-down
 * alert's business.
 *
 * <p>Threads: {@link #frame} runs on the camera's session thread and {@link #reset} on whichever
 * thread reports the state change; both are synchronized (never contended for long). The getters
 * read volatile fields and are called by scrapes on the HTTP thread.
 */
final class PictureHealth {
    /** Shortest window of stream time over which frame and bit rate are measured. */
    static final Duration MIN_WINDOW = Duration.ofSeconds(10);
    /** No keyframe for at least this long is always suspect. */
    static final Duration NO_KEYFRAME_FLOOR = Duration.ofSeconds(60);
    /** ... and for this many usual keyframe intervals, when that is longer. */
    static final double NO_KEYFRAME_FACTOR = 3;
    /** A window under this fraction of the reference bit rate is a collapse. */
    static final double COLLAPSE_RATIO = 0.2;
    /** Stream time the reference is first averaged over; no collapse is flagged before. */
    static final Duration LEARNING = Duration.ofSeconds(60);
    static final Duration REFERENCE_TIME_CONSTANT = Duration.ofHours(1);
    static final Duration COLLAPSED_TIME_CONSTANT = Duration.ofHours(12);
    /** A jump between consecutive pictures longer than this (or backwards) restarts the window. */
    static final Duration MAX_GAP = Duration.ofSeconds(30);
    /** Weight of a new keyframe interval in the usual interval. */
    private static final double INTERVAL_WEIGHT = 0.2;

    // Window and history: guarded by this.
    private long windowStartMicros;
    private long lastFrameMicros;
    private long lastKeyframeMicros;
    private boolean inRun;
    private boolean sawKeyframe;
    private long windowFrames;
    private long windowBytes;
    private double lastIntervalSeconds = Double.NaN;
    private double usualIntervalSeconds = Double.NaN;
    private double referenceRate = Double.NaN;
    private double learnedSeconds;
    private boolean collapsed;

    // Published for scrapes.
    private volatile double framesPerSecond;
    private volatile double bytesPerSecond;
    private volatile double keyframeIntervalSeconds = Double.NaN;
    private volatile double publishedReference = Double.NaN;
    private volatile boolean noKeyframes;
    private volatile boolean bitrateCollapsed;

    /**
     * One picture written.
     *
     * @param at       its wall-clock time; consecutive pictures of a run move forward
     * @param bytes    its compressed size
     * @param keyframe whether it starts a GOP
     */
    synchronized void frame(Instant at, int bytes, boolean keyframe) {
        long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1000;
        if (!inRun || micros < lastFrameMicros || micros - lastFrameMicros > MAX_GAP.toNanos() / 1000) {
            startWindow(micros);
            inRun = true;
            // Time since a keyframe before the jump says nothing about this stream.
            sawKeyframe = false;
        }
        lastFrameMicros = micros;
        if (keyframe) {
            if (sawKeyframe && micros > lastKeyframeMicros) {
                lastIntervalSeconds = (micros - lastKeyframeMicros) / 1e6;
                usualIntervalSeconds = Double.isNaN(usualIntervalSeconds) ? lastIntervalSeconds
                        : usualIntervalSeconds + INTERVAL_WEIGHT * (lastIntervalSeconds - usualIntervalSeconds);
            }
            lastKeyframeMicros = micros;
            sawKeyframe = true;
        }
        double sinceKeyframe = sawKeyframe ? (micros - lastKeyframeMicros) / 1e6 : Double.NaN;
        boolean missing = sawKeyframe && sinceKeyframe > noKeyframeThresholdSeconds();
        long windowMicros = micros - windowStartMicros;
        if (windowFrames > 0 && windowMicros >= MIN_WINDOW.toNanos() / 1000 && (keyframe || missing)) {
            closeWindow(windowMicros / 1e6);
            startWindow(micros);
        }
        windowFrames++;
        windowBytes += Math.max(0, bytes);
        noKeyframes = missing;
        keyframeIntervalSeconds = Double.isNaN(lastIntervalSeconds) ? sinceKeyframe
                : Math.max(lastIntervalSeconds, sinceKeyframe);
    }

    /** The camera stopped recording: rates read 0 and flags clear until the next run's first window. */
    synchronized void reset() {
        inRun = false;
        sawKeyframe = false;
        lastIntervalSeconds = Double.NaN;
        collapsed = false;
        framesPerSecond = 0;
        bytesPerSecond = 0;
        keyframeIntervalSeconds = Double.NaN;
        noKeyframes = false;
        bitrateCollapsed = false;
    }

    private void startWindow(long micros) {
        windowStartMicros = micros;
        windowFrames = 0;
        windowBytes = 0;
    }

    private void closeWindow(double seconds) {
        double rate = windowBytes / seconds;
        framesPerSecond = windowFrames / seconds;
        bytesPerSecond = rate;
        if (learnedSeconds < LEARNING.toSeconds()) {
            referenceRate = Double.isNaN(referenceRate) ? rate
                    : (referenceRate * learnedSeconds + rate * seconds) / (learnedSeconds + seconds);
            learnedSeconds += seconds;
            collapsed = false;
        } else {
            collapsed = rate < COLLAPSE_RATIO * referenceRate;
            double tau = (collapsed ? COLLAPSED_TIME_CONSTANT : REFERENCE_TIME_CONSTANT).toSeconds();
            referenceRate += (1 - Math.exp(-seconds / tau)) * (rate - referenceRate);
        }
        publishedReference = referenceRate;
        bitrateCollapsed = collapsed;
    }

    private double noKeyframeThresholdSeconds() {
        double floor = NO_KEYFRAME_FLOOR.toSeconds();
        return Double.isNaN(usualIntervalSeconds) ? floor : Math.max(floor, NO_KEYFRAME_FACTOR * usualIntervalSeconds);
    }

    /** Pictures per second of stream time over the last complete window; 0 before one or while down. */
    double framesPerSecond() {
        return framesPerSecond;
    }

    /** Video bytes per second over the last complete window; 0 before one or while down. */
    double bytesPerSecond() {
        return bytesPerSecond;
    }

    /** The learned normal bit rate, in bytes per second; NaN before the first window. */
    double referenceBytesPerSecond() {
        return publishedReference;
    }

    /** Seconds between the last two keyframes, or since the last one when longer; NaN when unknown. */
    double keyframeIntervalSeconds() {
        return keyframeIntervalSeconds;
    }

    /** Whether pictures keep coming without a keyframe for too long. */
    boolean noKeyframes() {
        return noKeyframes;
    }

    /** Whether the last window's bit rate fell under {@link #COLLAPSE_RATIO} of the reference. */
    boolean bitrateCollapsed() {
        return bitrateCollapsed;
    }
}
