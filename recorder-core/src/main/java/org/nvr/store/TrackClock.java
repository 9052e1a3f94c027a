package org.nvr.store;

/**
 * Makes one track's timestamps usable for muxing: fills in a missing dts, keeps dts strictly
 * increasing, and turns a jump of the camera's clock (a reset or wrapped RTP timestamp, a clock set
 * forward or back) into a continuation. Cameras produce all of these; none of them may stop recording.
 *
 * <p>A jump is told from a real gap by the packets' arrival: if the stream time between two packets
 * differs from the time between their arrivals by more than {@link #JUMP_TOLERANCE_MICROS}, the
 * camera's clock jumped, and the stream continues after the time that really passed; if both agree
 * (the camera stopped sending for five seconds, then went on), the gap is real and is kept. A dts that
 * does not increase continues one frame later, so frames stay evenly spaced.
 *
 * <p>Values are in the track's own time base. Not thread-safe (one per track per session).
 */
public final class TrackClock {
    /** FFmpeg's AV_NOPTS_VALUE. */
    public static final long NO_TS = Long.MIN_VALUE;

    /** Scheduling and buffering jitter (held pictures, TCP bursts) stays well inside this. */
    static final long JUMP_TOLERANCE_MICROS = 2_000_000;

    private final long ticksPerSecond;
    private long offset;
    private long lastDts = NO_TS;
    private long lastArrivalMicros;
    private long typicalDelta;
    private long repairs;
    private long discontinuities;

    /**
     * @param ticksPerSecond the track's time base denominator over numerator
     * @param defaultDelta   a guess at one frame's duration, used until two packets have been seen
     */
    public TrackClock(long ticksPerSecond, long defaultDelta) {
        this.ticksPerSecond = ticksPerSecond;
        this.typicalDelta = Math.max(1, defaultDelta);
    }

    /** The outcome for one packet: corrected dts and pts, or {@code null} when it must be dropped. */
    public record Stamp(long dts, long pts) {
    }

    /**
     * @param arrivalMicros when the packet arrived, on any monotonic microsecond scale
     */
    public Stamp next(long dts, long pts, long arrivalMicros) {
        if (dts == NO_TS) {
            if (pts != NO_TS && (lastDts == NO_TS || pts + offset > lastDts)) {
                dts = pts;
            } else if (lastDts != NO_TS) {
                dts = lastDts + typicalDelta - offset;
            } else {
                return null;
            }
        }
        if (pts == NO_TS || pts < dts) {
            pts = dts;
        }
        long d = dts + offset;
        long p = pts + offset;
        if (lastDts != NO_TS) {
            long delta = d - lastDts;
            long arrived = Math.max(0, arrivalMicros - lastArrivalMicros);
            long deltaMicros = delta * 1_000_000 / ticksPerSecond;
            long target = -1;
            if (Math.abs(deltaMicros - arrived) > JUMP_TOLERANCE_MICROS) {
                // the camera's clock jumped: continue after the time that really passed
                target = lastDts + Math.max(typicalDelta, arrived * ticksPerSecond / 1_000_000);
                discontinuities++;
            } else if (delta <= 0) {
                target = lastDts + typicalDelta;
                repairs++;
            } else {
                typicalDelta = delta;
            }
            if (target >= 0) {
                long shift = target - d;
                offset += shift;
                d += shift;
                p += shift;
            }
        }
        lastDts = d;
        lastArrivalMicros = arrivalMicros;
        return new Stamp(d, p);
    }

    public long lastDts() {
        return lastDts;
    }

    /** The duration of the most recent frame (the latest positive dts step). */
    public long typicalDelta() {
        return typicalDelta;
    }

    long repairs() {
        return repairs;
    }

    long discontinuities() {
        return discontinuities;
    }
}
