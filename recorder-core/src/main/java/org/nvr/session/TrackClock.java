package org.nvr.session;

/**
 * Makes one track's timestamps usable for muxing: fills in a missing dts, keeps dts strictly
 * increasing, and turns a large jump (a camera restarting its clock, a wrapped or reset RTP timestamp)
 * into a continuation one frame after the previous packet. Cameras produce all of these; none of them
 * may stop recording.
 *
 * <p>Values are in the track's own time base. Not thread-safe (one per track per session).
 */
final class TrackClock {
    /** FFmpeg's AV_NOPTS_VALUE. */
    static final long NO_TS = Long.MIN_VALUE;

    private final long maxJump;
    private long offset;
    private long lastDts = NO_TS;
    private long typicalDelta;
    private long repairs;
    private long discontinuities;

    /**
     * @param ticksPerSecond the track's time base denominator over numerator
     * @param defaultDelta   a guess at one frame's duration, used until two packets have been seen
     */
    TrackClock(long ticksPerSecond, long defaultDelta) {
        this.maxJump = 10 * ticksPerSecond;
        this.typicalDelta = Math.max(1, defaultDelta);
    }

    /** The outcome for one packet: corrected dts and pts, or {@code null} when it must be dropped. */
    record Stamp(long dts, long pts) {
    }

    Stamp next(long dts, long pts) {
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
            if (delta > maxJump || delta < -2 * typicalDelta) {
                long shift = lastDts + typicalDelta - d;
                offset += shift;
                d += shift;
                p += shift;
                discontinuities++;
            } else if (delta <= 0) {
                d = lastDts + 1;
                p = Math.max(p, d);
                repairs++;
            } else {
                typicalDelta = delta;
            }
        }
        lastDts = d;
        return new Stamp(d, p);
    }

    long lastDts() {
        return lastDts;
    }

    /** The duration of the most recent frame (the latest positive dts step). */
    long typicalDelta() {
        return typicalDelta;
    }

    long repairs() {
        return repairs;
    }

    long discontinuities() {
        return discontinuities;
    }
}
