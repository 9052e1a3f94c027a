package org.nvr.camera;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Capped exponential backoff with jitter for reconnect attempts: about 1 s, doubling to 30 s, never
 * giving up; the count starts over after a session that recorded for a healthy stretch, so a camera
 * that dropped after an hour of recording is retried at once rather than at the cap.
 *
 * <p>Not thread-safe: used only on the supervisor's event loop.
 */
public final class Backoff {
    public static final Duration INITIAL = Duration.ofSeconds(1);
    public static final Duration MAX = Duration.ofSeconds(30);
    public static final Duration HEALTHY = Duration.ofMinutes(1);
    /** Each delay is scaled by a random factor in [1 - JITTER, 1 + JITTER], so 30 cameras that fell
     *  together (a power cut at the office switch) do not retry in lockstep. */
    static final double JITTER = 0.2;

    private final Duration initial;
    private final Duration max;
    private final Duration healthy;
    private final DoubleSupplier random;
    private int failures;

    public Backoff(DoubleSupplier random) {
        this(INITIAL, MAX, HEALTHY, random);
    }

    public Backoff(Duration initial, Duration max, Duration healthy, DoubleSupplier random) {
        this.initial = initial;
        this.max = max;
        this.healthy = healthy;
        this.random = random;
    }

    /** The delay before the next attempt, given how the last session went. */
    public Duration next(SessionResult last) {
        if (last.recorded().compareTo(healthy) >= 0) {
            failures = 0;
        }
        double base = initial.toMillis() * Math.pow(2, Math.min(failures, 20));
        double capped = Math.min(base, max.toMillis());
        failures++;
        double factor = 1 + JITTER * (2 * random.getAsDouble() - 1);
        return Duration.ofMillis(Math.round(Math.min(capped * factor, max.toMillis() * (1 + JITTER))));
    }

    /** Number of consecutive failed attempts so far. */
    public int failures() {
        return failures;
    }
}
