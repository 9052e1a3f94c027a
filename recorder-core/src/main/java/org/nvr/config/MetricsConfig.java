package org.nvr.config;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The HTTP endpoint serving {@code /metrics} and {@code /healthz}.
 *
 * @param host literal address or host name to bind (default {@code 127.0.0.1}); IPv6 without brackets
 * @param port TCP port, 0 picks a free one (default 9108)
 * @param auth Basic credentials required for {@code /metrics}; empty: open to whoever can connect
 * @param limits what clients may cost ({@code metrics.limits}, default {@link HttpLimits#METRICS})
 */
public record MetricsConfig(String host, int port, Optional<MetricsAuth> auth, HttpLimits limits) {
    public static final MetricsConfig DEFAULT = new MetricsConfig("127.0.0.1", 9108);

    public MetricsConfig {
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(limits, "limits");
    }

    /** With the default limits. */
    public MetricsConfig(String host, int port, Optional<MetricsAuth> auth) {
        this(host, port, auth, HttpLimits.METRICS);
    }

    /** Without auth, with the default limits. */
    public MetricsConfig(String host, int port) {
        this(host, port, Optional.empty());
    }

    public MetricsConfig withAuth(Optional<MetricsAuth> scrapeAuth) {
        return new MetricsConfig(host, port, scrapeAuth, limits);
    }

    public MetricsConfig withLimits(HttpLimits newLimits) {
        return new MetricsConfig(host, port, auth, newLimits);
    }

    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9.-]+");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final String EXPECTED = "expected host:port, e.g. 127.0.0.1:9108, 0.0.0.0:9108 or [::1]:9108";

    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /**
     * Parses {@code host:port}; an IPv6 address goes in brackets ({@code [::1]:9108}).
     *
     * @throws IllegalArgumentException with a message quoting the text when it is not host:port
     */
    public static MetricsConfig parse(String listen) {
        String text = listen == null ? "" : listen.strip();
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("invalid address \"" + listen + "\": " + EXPECTED);
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!IPV6.matcher(host).matches()) {
                throw new IllegalArgumentException("invalid address \"" + listen + "\": only IPv6 addresses go in brackets");
            }
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("invalid address \"" + listen + "\": put an IPv6 address in brackets, e.g. [::1]:9108");
        } else if (!HOST_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("invalid address \"" + listen + "\": " + EXPECTED);
        }
        return new MetricsConfig(host, port(listen, text.substring(colon + 1)));
    }

    private static int port(String listen, String digits) {
        int port;
        try {
            port = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("invalid port in \"" + listen + "\": expected 0 to 65535");
        }
        return port;
    }
}
