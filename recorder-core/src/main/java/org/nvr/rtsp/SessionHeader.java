package org.nvr.rtsp;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The RTSP {@code Session} header (RFC 2326 section 12.37): the session id to echo in later requests and
 * the server's session timeout. Tolerates {@code ;Timeout = 60}, blanks, and a bad timeout (ignored).
 * Immutable; any thread.
 *
 * @param id      the session id, exactly as sent (ids are opaque and case-sensitive)
 * @param timeout the server's timeout, empty when it gave none
 */
public record SessionHeader(String id, Optional<Duration> timeout) {

    /** RFC 2326's timeout when the server names none. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    public static SessionHeader parse(String value) {
        String[] parts = value.split(";");
        String id = parts[0].strip();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("Session header without an id");
        }
        Optional<Duration> timeout = Optional.empty();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0 && parts[i].substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("timeout")) {
                try {
                    long seconds = Long.parseLong(parts[i].substring(eq + 1).strip());
                    if (seconds > 0) {
                        timeout = Optional.of(Duration.ofSeconds(seconds));
                    }
                } catch (NumberFormatException e) {
                    // a timeout we cannot read: fall back to the default
                }
            }
        }
        return new SessionHeader(id, timeout);
    }

    /**
     * How often to send a keep-alive: half the session timeout (60 s when none was given), since some
     * servers time out sooner than a fixed 30 s would allow for.
     */
    public Duration keepAliveInterval() {
        return timeout.orElse(DEFAULT_TIMEOUT).dividedBy(2);
    }
}
