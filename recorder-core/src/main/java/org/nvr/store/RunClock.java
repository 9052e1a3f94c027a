package org.nvr.store;

import java.time.Duration;
import java.time.Instant;

/**
 * Wall-clock time of a recording run: the recorder's clock read once, at the run's first picture,
 * advanced by stream time (camera wall clocks are often wrong; stream time is smooth).
 *
 * <p>A session starts with a burst: FFmpeg's probing buffered the first pictures, and many cameras
 * send a second or two of buffered pictures at once. Anchoring at the first picture's arrival would
 * date everything that much in the future. No picture can have been taken after it arrived, so while
 * the run's first segment is open ({@link #SETTLE_MICROS} at most) the anchor moves earlier whenever a
 * picture would otherwise be dated after its own arrival. The caller re-dates the first segment's and
 * the run's rows when {@link #settle} says so (once the burst is over, and when settling ends), and
 * again when they close.
 *
 * <p>Owned by one session (camera thread); not thread-safe.
 */
public final class RunClock {
    /** Pictures before this run time may still be re-dated: only the run's first segment. */
    static final long SETTLE_MICROS = 15_000_000;
    /** By then the start-of-session burst is over: the rows are re-dated once, in case of a crash. */
    static final long CHECKPOINT_MICROS = 3_000_000;

    private Instant anchor;
    private boolean settling = true;
    private boolean checkpointed;

    public RunClock(Instant firstArrival) {
        this.anchor = firstArrival;
    }

    public Instant anchor() {
        return anchor;
    }

    /** The wall-clock time of run time {@code runMicros}. */
    public Instant wall(long runMicros) {
        return anchor.plusNanos(runMicros * 1000);
    }

    /**
     * Takes one picture's arrival into account.
     *
     * @param inFirstSegment whether the run's first segment is the one being written
     * @return true when the first segment's and the run's rows should be re-dated to {@link #anchor()} now
     */
    public boolean settle(long runMicros, Instant arrival, boolean inFirstSegment) {
        if (!settling) {
            return false;
        }
        if (runMicros > SETTLE_MICROS || !inFirstSegment) {
            settling = false;
            return inFirstSegment; // settled while the first segment is open: date its row now
        }
        Instant dated = wall(runMicros);
        if (dated.isAfter(arrival)) {
            anchor = anchor.minus(Duration.between(arrival, dated));
        }
        if (!checkpointed && runMicros >= CHECKPOINT_MICROS) {
            checkpointed = true;
            return true;
        }
        return false;
    }
}
