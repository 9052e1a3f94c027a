package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.testing.ExternalCommand;

/**
 * The district's shipped files pass the tools that read them: promtool for the district and agent
 * Prometheus configurations and the district rules (with their unit tests), amtool for the
 * Alertmanager routing (a commune's alerts reach its technician, critical ones the district too), and
 * the district Grafana dashboard is importable, names only metrics the recorder exposes and links to
 * the commune dashboard. That its queries answer from real communes is {@link DistrictEndToEndTest}'s
 * job.
 */
class DistrictFilesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Path DISTRICT = MonitoringFiles.DISTRICT;
    /** Metrics of the replication work (issue 15, another branch): named ahead of the recorder exposing them. */
    static final Set<String> REPLICATION_METRICS = Set.of("nvr_replication_pending_bytes",
            "nvr_replication_oldest_pending_timestamp_seconds");
    private static final Pattern NVR_METRIC = Pattern.compile("\\bnvr_[a-z_]+\\b");

    @TempDir
    Path dir;

    @Test
    void districtConfigIsValidWithTheRulesBesideIt() throws Exception {
        // As installed: nvr-rules.yml and district-rules.yml beside /etc/prometheus/prometheus.yml.
        Files.copy(DISTRICT.resolve("prometheus-district.yml"), dir.resolve("prometheus.yml"));
        Files.copy(DISTRICT.resolve("district-rules.yml"), dir.resolve("district-rules.yml"));
        Files.copy(MonitoringFiles.RULES, dir.resolve("nvr-rules.yml"));
        ExternalCommand.Result result = run(MonitoringFiles.PROMTOOL, "check", "config", dir.resolve("prometheus.yml").toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("2 rule files found"), result.stdout());
    }

    @Test
    void agentConfigIsValidInAgentModeAndLabelsItsCommune() throws Exception {
        Path agent = DISTRICT.resolve("prometheus-agent.yml");
        ExternalCommand.Result result = run(MonitoringFiles.PROMTOOL, "check", "config", "--agent", agent.toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        String text = Files.readString(agent);
        assertTrue(text.contains("external_labels:\n    commune: "), "the commune label travels with every sample");
        assertTrue(text.contains("job_name: nvr\n"), "rules and dashboards select job nvr");
        assertTrue(text.contains("--enable-feature=agent"), "says how Debian's prometheus 2.42 runs as an agent");
    }

    @Test
    void districtRulesPassTheirUnitTests() throws Exception {
        ExternalCommand.Result check = run(MonitoringFiles.PROMTOOL, "check", "rules", DISTRICT.resolve("district-rules.yml").toString());
        assertEquals(0, check.exitCode(), check.stdout() + check.stderr());
        ExternalCommand.Result tests = run(MonitoringFiles.PROMTOOL, "test", "rules", DISTRICT.resolve("district-rules.test.yml").toString());
        assertEquals(0, tests.exitCode(), tests.stdout() + tests.stderr());
        assertTrue(tests.stdout().contains("SUCCESS"), tests.stdout());
    }

    @Test
    void alertmanagerConfigIsValid() throws Exception {
        ExternalCommand.Result result = run(MonitoringFiles.AMTOOL, "check-config", DISTRICT.resolve("alertmanager.yml").toString());
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("SUCCESS"), result.stdout());
    }

    @Test
    void aCommunesAlertsReachItsTechnicianAndCriticalOnesTheDistrictToo() throws Exception {
        assertEquals("tech-xa-luong", receivers("commune=xa-luong", "severity=warning", "alertname=NvrCameraDown"));
        assertEquals("district-duty,tech-xa-luong", receivers("commune=xa-luong", "severity=critical", "alertname=NvrRecorderDown"));
        assertEquals("tech-xa-an", receivers("commune=xa-an", "severity=warning", "alertname=NvrCameraDown"));
        assertEquals("district-duty,tech-xa-an", receivers("commune=xa-an", "severity=critical", "alertname=NvrCommuneSilent"));
        assertEquals("district-duty", receivers("commune=xa-moi", "severity=warning"), "a commune without a route");
    }

    @Test
    void districtDashboardIsImportableAndNamesOnlyExposedMetrics() throws Exception {
        Dashboard dashboard = Dashboard.read(MonitoringFiles.DISTRICT_DASHBOARD);
        JsonNode json = dashboard.json();
        assertEquals("nvr-district", json.path("uid").asText());
        assertTrue(json.path("id").isNull(), "no database id: importable into any Grafana");
        JsonNode variables = json.path("templating").path("list");
        assertEquals("datasource", variables.get(0).path("type").asText());
        Set<String> names = new HashSet<>();
        variables.forEach(v -> names.add(v.path("name").asText()));
        assertEquals(Set.of("datasource", "commune", "site"), names);
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode panel : json.path("panels")) {
            JsonNode g = panel.path("gridPos");
            int[] box = {g.path("x").asInt(), g.path("y").asInt(), g.path("w").asInt(), g.path("h").asInt()};
            assertTrue(box[0] >= 0 && box[2] > 0 && box[0] + box[2] <= 24 && box[3] > 0, panel.path("title").asText());
            for (int[] o : boxes) {
                assertFalse(box[0] < o[0] + o[2] && o[0] < box[0] + box[2] && box[1] < o[1] + o[3] && o[1] < box[1] + box[3],
                        panel.path("title") + " overlaps another panel");
            }
            boxes.add(box);
        }
        for (JsonNode panel : dashboard.panels()) {
            String title = panel.path("title").asText();
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("description").asText().isBlank(), title);
            for (JsonNode target : panel.path("targets")) {
                assertTrue(target.path("expr").asText().contains("commune"), title + ": every query keeps the commune");
            }
        }
        String titles = String.join("\n", dashboard.panels().stream().map(p -> p.path("title").asText().toLowerCase()).toList());
        for (String wanted : List.of("cameras down now", "camera up / down", "uptime per commune", "uptime per site",
                "worst cameras", "replication backlog", "oldest evidence")) {
            assertTrue(titles.contains(wanted), "no panel about " + wanted + " in\n" + titles);
        }

        Set<String> exposed;
        try (RecorderMetrics metrics = new RecorderMetrics()) {
            metrics.camera("site", "cam");
            exposed = new TreeSet<>(metrics.scrape().lines().filter(l -> l.startsWith("# TYPE "))
                    .map(l -> l.split(" ")[2]).toList());
        }
        Set<String> named = new TreeSet<>();
        Matcher m = NVR_METRIC.matcher(Files.readString(MonitoringFiles.DISTRICT_DASHBOARD));
        while (m.find()) {
            named.add(m.group());
        }
        named.removeAll(exposed);
        named.removeAll(REPLICATION_METRICS);
        assertEquals(Set.of(), named, "named in district.json but not exposed");
    }

    @Test
    void drillDownLinksOpenTheCommuneDashboardOfTheRightRecorder() throws Exception {
        String communeUid = Dashboard.read().json().path("uid").asText();
        Dashboard district = Dashboard.read(MonitoringFiles.DISTRICT_DASHBOARD);
        assertTrue(district.json().path("links").get(0).path("url").asText().startsWith("/d/" + communeUid + "/"));
        int linked = 0;
        for (JsonNode panel : district.panels()) {
            for (JsonNode link : panel.path("fieldConfig").path("defaults").path("links")) {
                String url = link.path("url").asText();
                assertTrue(url.startsWith("/d/" + communeUid + "/"), url);
                assertTrue(url.contains("var-instance=${__field.labels.instance}"), url);
                for (JsonNode target : panel.path("targets")) {
                    // The link needs the instance label in every series of the panel.
                    String expr = target.path("expr").asText();
                    assertTrue(expr.contains("by (commune, instance") || expr.startsWith("bottomk("), panel.path("title") + ": " + expr);
                }
                linked++;
            }
        }
        assertTrue(linked >= 6, "panels with a drill-down link: " + linked);
    }

    private static String receivers(String... labels) throws Exception {
        List<String> args = new ArrayList<>(List.of("config", "routes", "test",
                "--config.file=" + DISTRICT.resolve("alertmanager.yml")));
        args.addAll(List.of(labels));
        ExternalCommand.Result result = run(MonitoringFiles.AMTOOL, args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        return result.stdout().strip();
    }

    private static ExternalCommand.Result run(Path binary, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(MonitoringFiles.require(binary).toString());
        command.addAll(List.of(args));
        return ExternalCommand.run(command, TIMEOUT);
    }
}
