package org.nvr.config;

/**
 * The HTTP endpoint serving {@code /metrics} and {@code /healthz}.
 *
 * @param host literal address or host name to bind (default {@code 127.0.0.1})
 * @param port TCP port, 0 picks a free one (default 9108)
 */
public record MetricsConfig(String host, int port) {
    public static final MetricsConfig DEFAULT = new MetricsConfig("127.0.0.1", 9108);

    public String listen() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
