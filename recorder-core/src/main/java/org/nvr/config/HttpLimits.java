package org.nvr.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What clients of one HTTP server ({@code web:} or {@code metrics:}) may cost, from its {@code limits:}
 * mapping; every key has today's default. Immutable.
 *
 * @param maxConnections           connections open at once; one more is closed as soon as it is accepted
 * @param maxConnectionsPerAddress the same, per client address
 * @param maxRequestBytes          a request (headers and body) larger than this is refused
 * @param maxHeaderBytes           the request's headers together; longer ones are refused
 * @param idleTimeout              a connection with no traffic for this long is closed
 * @param requestDeadline          a request must arrive whole within this time of its first byte
 * @param loginFailures            wrong passwords allowed from one address (and, for the web, one user
 *                                 name) within {@code loginFailureWindow}; beyond them 429
 * @param loginFailureWindow       see {@code loginFailures}
 */
public record HttpLimits(int maxConnections, int maxConnectionsPerAddress, int maxRequestBytes, int maxHeaderBytes,
                         Duration idleTimeout, Duration requestDeadline, int loginFailures,
                         Duration loginFailureWindow) {
    /** The web server's: a 16-tile live wall is 16 WebSockets from one browser, besides its page's requests. */
    public static final HttpLimits WEB = new HttpLimits(256, 40, 16 * 1024, 8 * 1024, Duration.ofSeconds(60),
            Duration.ofSeconds(10), 5, Duration.ofMinutes(1));
    /** The metrics endpoint's: requests are GET/HEAD, headers only. */
    public static final HttpLimits METRICS = new HttpLimits(64, 8, 8 * 1024, 8 * 1024, Duration.ofSeconds(60),
            Duration.ofSeconds(10), 5, Duration.ofMinutes(1));

    public HttpLimits {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(requestDeadline, "requestDeadline");
        Objects.requireNonNull(loginFailureWindow, "loginFailureWindow");
        if (maxConnections < 1 || maxConnectionsPerAddress < 1 || maxRequestBytes < 1 || maxHeaderBytes < 1
                || loginFailures < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }
}
