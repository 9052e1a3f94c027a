package org.nvr.rtsp;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of one {@link RtspSession}. Immutable; any thread.
 *
 * @param stepTimeout     how long connecting, and each request of the handshake, may take
 * @param stallTimeout    no RTP for this long after PLAY ends the session as {@code stalled}
 * @param teardownTimeout how long to wait for TEARDOWN's answer before closing anyway
 * @param userAgent       the {@code User-Agent} header sent with every request
 * @param clock           our wall clock, against which the camera clock's offset is measured
 */
public record RtspSessionOptions(Duration stepTimeout, Duration stallTimeout, Duration teardownTimeout,
                                 String userAgent, Clock clock) {

    public RtspSessionOptions {
        Objects.requireNonNull(userAgent, "userAgent");
        Objects.requireNonNull(clock, "clock");
        for (Duration d : new Duration[] {stepTimeout, stallTimeout, teardownTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /** 10 s per step, a 5 s stall timeout (the config's default), 1 s for TEARDOWN, the system clock. */
    public static RtspSessionOptions defaults() {
        return new RtspSessionOptions(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1), "nvr",
                Clock.systemUTC());
    }

    public RtspSessionOptions withStallTimeout(Duration stall) {
        return new RtspSessionOptions(stepTimeout, stall, teardownTimeout, userAgent, clock);
    }

    public RtspSessionOptions withClock(Clock ours) {
        return new RtspSessionOptions(stepTimeout, stallTimeout, teardownTimeout, userAgent, ours);
    }

    public RtspSessionOptions withStepTimeout(Duration step) {
        return new RtspSessionOptions(step, stallTimeout, teardownTimeout, userAgent, clock);
    }
}
