package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the shipped monitoring files and the Prometheus binaries are, for the tests that use them. */
final class MonitoringFiles {
    /** Tests run in the module directory; the files are at the repository root. */
    static final Path CONFIG = Path.of("..", "config").toAbsolutePath().normalize();
    static final Path RULES = CONFIG.resolve("prometheus/nvr-rules.yml");
    static final Path RULE_TESTS = CONFIG.resolve("prometheus/nvr-rules.test.yml");
    static final Path SCRAPE_EXAMPLE = CONFIG.resolve("prometheus/prometheus.yml");
    static final Path DASHBOARD = CONFIG.resolve("grafana/nvr.json");
    static final Path DISTRICT = CONFIG.resolve("district");
    static final Path DISTRICT_DASHBOARD = CONFIG.resolve("grafana/district.json");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    /** Debian package prometheus-alertmanager. */
    static final Path AMTOOL = Path.of("/usr/bin/amtool");

    private MonitoringFiles() {
    }

    /** Fails (never skips) when a binary of Debian's prometheus package is missing. */
    static Path require(Path binary) {
        String pkg = binary.equals(AMTOOL) ? "prometheus-alertmanager" : "prometheus";
        assertTrue(Files.isExecutable(binary), binary + " is required: Debian package " + pkg + " (.ci/run installs it)");
        return binary;
    }
}
