package org.nvr.rtsp;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds of one {@link RtspSession}. Immutable; any thread.
 *
 * @param stepTimeout     how long connecting, and each request of the handshake, may take
 * @param stallTimeout    no RTP for this long after PLAY ends the session as {@code stalled}
 * @param teardownTimeout how long to wait for TEARDOWN's answer before closing anyway
 * @param userAgent       the {@code User-Agent} header sent with every request
 */
public record RtspSessionOptions(Duration stepTimeout, Duration stallTimeout, Duration teardownTimeout,
                                 String userAgent) {

    public RtspSessionOptions {
        Objects.requireNonNull(userAgent, "userAgent");
        for (Duration d : new Duration[] {stepTimeout, stallTimeout, teardownTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /** 10 s per step, a 5 s stall timeout (the config's default), 1 s for TEARDOWN. */
    public static RtspSessionOptions defaults() {
        return new RtspSessionOptions(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1), "nvr");
    }

    public RtspSessionOptions withStallTimeout(Duration stall) {
        return new RtspSessionOptions(stepTimeout, stall, teardownTimeout, userAgent);
    }

    public RtspSessionOptions withStepTimeout(Duration step) {
        return new RtspSessionOptions(step, stallTimeout, teardownTimeout, userAgent);
    }
}
