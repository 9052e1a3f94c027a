package org.nvr.config;

import java.time.Duration;

/**
 * Reads the {@code limits:} mapping of {@code web:} or {@code metrics:} into {@link HttpLimits}, each key
 * defaulting to today's value and a bad one named ({@code web.limits.max_connections}). Stateless; used on
 * the loading thread.
 */
final class HttpLimitsReader {
    /** Beyond this a request or header limit would let one client hold a lot of memory per connection. */
    static final long MAX_BYTES = 16L << 20;
    /** The event loop's timers and the login window: a day is plenty, more is a typo. */
    private static final Duration MAX_DURATION = Duration.ofDays(1);

    private HttpLimitsReader() {
    }

    /** The limits of {@code parent.limits}, {@code defaults} when it is absent. */
    static HttpLimits read(Section parent, HttpLimits defaults) throws ConfigException {
        var section = parent.section("limits");
        if (section.isEmpty()) {
            return defaults;
        }
        Section s = section.get().allowOnly("max_connections", "max_connections_per_address", "max_request_bytes",
                "max_header_bytes", "idle_timeout", "request_deadline", "login_failures", "login_failure_window");
        int max = s.value("max_connections", t -> count(t, 100_000), defaults.maxConnections());
        int perAddress = s.value("max_connections_per_address", t -> count(t, 100_000),
                defaults.maxConnectionsPerAddress());
        if (perAddress > max) {
            throw new ConfigException(s.keyPath("max_connections_per_address"), "must not be more than "
                    + "max_connections (" + max + ")");
        }
        return new HttpLimits(max, perAddress,
                s.value("max_request_bytes", HttpLimitsReader::bytes, defaults.maxRequestBytes()),
                s.value("max_header_bytes", HttpLimitsReader::bytes, defaults.maxHeaderBytes()),
                s.value("idle_timeout", HttpLimitsReader::duration, defaults.idleTimeout()),
                s.value("request_deadline", HttpLimitsReader::duration, defaults.requestDeadline()),
                s.value("login_failures", t -> count(t, 1_000), defaults.loginFailures()),
                s.value("login_failure_window", HttpLimitsReader::duration, defaults.loginFailureWindow()));
    }

    /** A whole number from 1 to {@code max}. */
    private static int count(String text, int max) {
        int n;
        try {
            n = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid number \"" + text + "\": expected a whole number from 1 to "
                    + max);
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException("invalid number \"" + text + "\": expected a whole number from 1 to "
                    + max);
        }
        return n;
    }

    private static int bytes(String text) {
        long n = ByteSize.parse(text);
        if (n < 1024 || n > MAX_BYTES) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": expected 1KiB to 16MiB");
        }
        return (int) n;
    }

    private static Duration duration(String text) {
        Duration d = DurationText.parse(text);
        if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": expected 1s to 1d");
        }
        return d;
    }
}
