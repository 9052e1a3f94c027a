package org.nvr.replication;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Capped exponential backoff with jitter for a queue item that failed: the n-th failure waits
 * {@code min(cap, first * 2^(n-1))}, of which a random half is jitter (so recorders of a district that
 * lost the same link do not all come back in step). The random source is injected. Stateless apart
 * from it; used by the replication thread.
 */
final class Backoff {
    static final Duration FIRST = Duration.ofSeconds(5);
    static final Duration CAP = Duration.ofMinutes(10);

    private final Duration first;
    private final Duration cap;
    private final RandomGenerator random;

    Backoff(Duration first, Duration cap, RandomGenerator random) {
        this.first = first;
        this.cap = cap;
        this.random = random;
    }

    /** The wait after the {@code attempts}-th failure in a row (1 = the first). */
    Duration after(int attempts) {
        int shift = Math.min(Math.max(attempts - 1, 0), 30);
        long ceiling = Math.min(cap.toMillis(), first.toMillis() << shift);
        long half = ceiling / 2;
        return Duration.ofMillis(ceiling - half + (half > 0 ? random.nextLong(half + 1) : 0));
    }
}
