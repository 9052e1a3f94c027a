package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nvr.testing.ExternalCommand;

/** The shipped alert rules and scrape example pass promtool, and every alert has a unit test. */
class PrometheusRulesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void rulesPassPromtoolCheck() throws Exception {
        ExternalCommand.Result result = promtool("check", "rules", MonitoringFiles.RULES.toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("SUCCESS"), result.stdout());
    }

    @Test
    void ruleUnitTestsPass() throws Exception {
        // rule_files in the test file are relative to the test file's directory
        ExternalCommand.Result result = promtool("test", "rules", MonitoringFiles.RULE_TESTS.toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("SUCCESS"), result.stdout());
    }

    @Test
    void scrapeExampleIsAValidPrometheusConfig() throws Exception {
        ExternalCommand.Result result = promtool("check", "config", MonitoringFiles.SCRAPE_EXAMPLE.toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    }

    @Test
    void everyAlertIsUnitTested() throws Exception {
        Set<String> alerts = names(Files.readString(MonitoringFiles.RULES), "- alert: (\\w+)");
        Set<String> tested = names(Files.readString(MonitoringFiles.RULE_TESTS), "alertname: (\\w+)");
        assertTrue(alerts.size() >= 9, alerts.toString());
        assertEquals(alerts, tested);
    }

    private static Set<String> names(String text, String regex) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static ExternalCommand.Result promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(MonitoringFiles.require(MonitoringFiles.PROMTOOL).toString());
        command.addAll(List.of(args));
        return ExternalCommand.run(command, TIMEOUT);
    }
}
