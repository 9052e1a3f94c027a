package org.nvr.replication;

import java.time.Clock;
import java.time.Duration;

/**
 * The upload cap: a token bucket of {@code bytesPerSecond} tokens a second holding at most
 * {@code burst}. {@link #take} waits, through the injected {@link Sleeper}, until the bytes may go.
 * Time comes from the injected clock, so tests run in virtual time and count the waits.
 *
 * <p>Used by the replication thread only (not thread-safe). Owns nothing.
 */
final class TokenBucket {
    /** Waits; the daemon's sleeps for real, a test's moves its clock. */
    interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        /** Waits on the calling thread (interruptible); the only wait of the replication thread. */
        Sleeper SYSTEM = d -> java.util.concurrent.TimeUnit.NANOSECONDS.sleep(d.toNanos());
    }

    private final long bytesPerSecond;
    private final long burst;
    private final Clock clock;
    private final Sleeper sleeper;
    private double tokens;
    private long lastNanos;

    TokenBucket(long bytesPerSecond, Clock clock, Sleeper sleeper) {
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.bytesPerSecond = bytesPerSecond;
        // A quarter second of traffic (at least one read buffer): short bursts, smooth on a weak uplink.
        this.burst = Math.max(ThrottledInputStream.CHUNK, bytesPerSecond / 4);
        this.clock = clock;
        this.sleeper = sleeper;
        this.tokens = burst;
        this.lastNanos = nanos();
    }

    long burst() {
        return burst;
    }

    /** Waits until {@code bytes} (at most {@link #burst()}) may be sent, then takes them. */
    void take(int bytes) throws InterruptedException {
        refill();
        while (tokens < bytes) {
            double missing = bytes - tokens;
            long waitNanos = (long) Math.ceil(missing * 1_000_000_000d / bytesPerSecond);
            sleeper.sleep(Duration.ofNanos(Math.max(1, waitNanos)));
            refill();
        }
        tokens -= bytes;
    }

    private void refill() {
        long now = nanos();
        long elapsed = Math.max(0, now - lastNanos);
        lastNanos = now;
        tokens = Math.min(burst, tokens + elapsed * (double) bytesPerSecond / 1_000_000_000d);
    }

    private long nanos() {
        java.time.Instant t = clock.instant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }
}
