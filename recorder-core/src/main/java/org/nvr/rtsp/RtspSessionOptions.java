package org.nvr.rtsp;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.nvr.config.Transport;

/**
 * The bounds of one {@link RtspSession}. Immutable; any thread.
 *
 * @param stepTimeout     how long connecting, and each request of the handshake, may take
 * @param stallTimeout    no RTP for this long after PLAY ends the session as {@code stalled}
 * @param teardownTimeout how long to wait for TEARDOWN's answer before closing anyway
 * @param userAgent       the {@code User-Agent} header sent with every request
 * @param clock           our wall clock, against which the camera clock's offset is measured
 * @param transport       how RTP comes: {@link Transport#TCP} interleaved on the RTSP connection, or
 *                        {@link Transport#UDP}; {@code auto} is the supervisor's choice between them,
 *                        not a session's
 */
public record RtspSessionOptions(Duration stepTimeout, Duration stallTimeout, Duration teardownTimeout,
                                 String userAgent, Clock clock, Transport transport) {

    public RtspSessionOptions {
        Objects.requireNonNull(userAgent, "userAgent");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(transport, "transport");
        if (transport == Transport.AUTO) {
            throw new IllegalArgumentException("a session runs over tcp or udp; auto is decided by its supervisor");
        }
        for (Duration d : new Duration[] {stepTimeout, stallTimeout, teardownTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive: " + d);
            }
        }
    }

    /** Over TCP. */
    public RtspSessionOptions(Duration stepTimeout, Duration stallTimeout, Duration teardownTimeout, String userAgent,
                              Clock clock) {
        this(stepTimeout, stallTimeout, teardownTimeout, userAgent, clock, Transport.TCP);
    }

    /** 10 s per step, a 5 s stall timeout (the config's default), 1 s for TEARDOWN, the system clock, TCP. */
    public static RtspSessionOptions defaults() {
        return new RtspSessionOptions(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(1), "nvr",
                Clock.systemUTC(), Transport.TCP);
    }

    public RtspSessionOptions withStallTimeout(Duration stall) {
        return new RtspSessionOptions(stepTimeout, stall, teardownTimeout, userAgent, clock, transport);
    }

    public RtspSessionOptions withClock(Clock ours) {
        return new RtspSessionOptions(stepTimeout, stallTimeout, teardownTimeout, userAgent, ours, transport);
    }

    public RtspSessionOptions withStepTimeout(Duration step) {
        return new RtspSessionOptions(step, stallTimeout, teardownTimeout, userAgent, clock, transport);
    }

    public RtspSessionOptions withTransport(Transport lower) {
        return new RtspSessionOptions(stepTimeout, stallTimeout, teardownTimeout, userAgent, clock, lower);
    }
}
