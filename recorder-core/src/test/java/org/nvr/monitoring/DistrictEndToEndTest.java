package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.CameraConfig;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.metrics.Health;
import org.nvr.metrics.MetricsServer;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The district view for real: communes, each a real {@link Recorder} of simulated cameras with its
 * own {@code /metrics}. Two are scraped by a Prometheus in agent mode configured from the shipped
 * {@code config/district/prometheus-agent.yml} (its commune in {@code external_labels}), both
 * remote-writing to one central Prometheus that accepts remote write, runs the shipped
 * {@code prometheus-district.yml} and loads the shipped rules. A third commune runs its own
 * Prometheus (the shipped {@code config/prometheus/prometheus.yml}), which the central server
 * federates with the district file's {@code nvr-federate} job. One camera of the first commune never
 * connects. Every query of {@code config/grafana/district.json} must then answer from the central
 * server with data for every commune; the two replication-backlog queries may answer nothing
 * ({@link DistrictFilesTest#REPLICATION_METRICS}: another branch adds those metrics), and when they
 * answer, it is for every commune. The commune label must reach the alerts too (Alertmanager routes
 * by it).
 *
 * <p>Bounded waits only; takes about 15 s (scrapes, federation and remote-write batches every second).
 */
class DistrictEndToEndTest {
    private static final String COMMUNE_A = "xa-an";
    private static final String COMMUNE_B = "xa-binh";
    private static final String COMMUNE_C = "xa-cu";
    private static final Set<String> ALL = Set.of(COMMUNE_A, COMMUNE_B, COMMUNE_C);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T resource) {
        open.add(resource);
        return resource;
    }

    @Test
    void communesReachTheDistrictThroughAgentsOrFederationAndEveryDistrictQueryAnswersForEach() throws Exception {
        long started = System.nanoTime();
        RtspCameraSimulator sim = keep(new RtspCameraSimulator());
        SyntheticClip clip = SyntheticClip.generate(160, 96, 5, 5, 25, 50_000);
        sim.addCamera("a1", clip);
        sim.addCamera("b1", clip);
        sim.addCamera("c1", clip);
        sim.start();
        // Commune A: one camera recording, one whose stream does not exist (down from the start).
        int portA = recorder(COMMUNE_A, new SiteConfig("thon-1", "Thôn 1", List.of(
                TestCameras.camera("cam-a1", "thon-1", sim.url("a1")),
                TestCameras.camera("cam-a2", "thon-1", sim.url("missing")))));
        int portB = recorder(COMMUNE_B, new SiteConfig("thon-2", "Thôn 2", List.of(
                TestCameras.camera("cam-b1", "thon-2", sim.url("b1")))));
        int portC = recorder(COMMUNE_C, new SiteConfig("thon-3", "Thôn 3", List.of(
                TestCameras.camera("cam-c1", "thon-3", sim.url("c1")))));
        PrometheusServer communeC = keep(PrometheusServer.start(Files.createDirectories(dir.resolve("prometheus-c")),
                communeConfig(COMMUNE_C, portC)));

        PrometheusServer district = keep(PrometheusServer.startReceiver(Files.createDirectories(dir.resolve("district")),
                districtConfig(communeC.url().getAuthority())));
        String write = district.url().resolve("/api/v1/write").toString();
        keep(PrometheusServer.startAgent(Files.createDirectories(dir.resolve("agent-a")), agentConfig(COMMUNE_A, portA, write)));
        keep(PrometheusServer.startAgent(Files.createDirectories(dir.resolve("agent-b")), agentConfig(COMMUNE_B, portB, write)));

        // What the district receives: every camera, labelled with its commune and its recorder.
        Poll.until(Duration.ofSeconds(30), "the three recording cameras up at the district", () ->
                count(district, "nvr_camera_up{camera=~\"cam-a1|cam-b1|cam-c1\"} == 1") == 3);
        Poll.until(Duration.ofSeconds(30), "cam-a2 down at the district", () ->
                count(district, "nvr_camera_up{camera=\"cam-a2\",commune=\"xa-an\",instance=\"xa-an/nvr\"} == 0") == 1);
        JsonNode b1 = district.query("nvr_camera_up{camera=\"cam-b1\"}");
        assertEquals(COMMUNE_B, b1.get(0).path("metric").path("commune").asText(), b1.toString());
        assertEquals(COMMUNE_B + "/nvr", b1.get(0).path("metric").path("instance").asText(), b1.toString());
        assertEquals("nvr", b1.get(0).path("metric").path("job").asText(), "rules and dashboards select job nvr");
        JsonNode c1 = district.query("nvr_camera_up{camera=\"cam-c1\"}");
        assertEquals(COMMUNE_C, c1.get(0).path("metric").path("commune").asText(), "federated: " + c1);
        assertEquals(COMMUNE_C + "/nvr", c1.get(0).path("metric").path("instance").asText(), c1.toString());
        assertEquals("nvr", c1.get(0).path("metric").path("job").asText(), "honor_labels keeps job nvr: " + c1);

        // Every query of the district dashboard answers for every commune.
        Map<String, String> missing = new LinkedHashMap<>();
        Map<String, JsonNode> byPanel = new TreeMap<>();
        List<Dashboard.Query> queries = Dashboard.read(MonitoringFiles.DISTRICT_DASHBOARD).queries();
        assertTrue(queries.size() >= 8, "found " + queries.size() + " queries");
        for (Dashboard.Query query : queries) {
            JsonNode result = district.query(query.promql());
            byPanel.put(query.panel(), result);
            Set<String> communes = communesWithNumbers(result);
            boolean replication = DistrictFilesTest.REPLICATION_METRICS.stream().anyMatch(query.expr()::contains);
            if (replication && communes.isEmpty()) {
                System.out.printf("district dashboard: \"%s\" has no data yet (replication metrics not exposed)%n", query.panel());
                continue;
            }
            if (!communes.containsAll(ALL)) {
                missing.put(query.panel() + " [" + query.refId() + "]", query.promql() + " -> " + result);
            }
        }
        assertEquals(Map.of(), missing, "district queries without data for every commune");

        // And the numbers are the right ones.
        Map<String, String> down = valuesBy(byPanel.get("Cameras down now, per commune"), "commune");
        assertEquals(Map.of(COMMUNE_A, "1", COMMUNE_B, "0", COMMUNE_C, "0"), down);
        assertEquals(Map.of(COMMUNE_A + "/nvr", "1", COMMUNE_B + "/nvr", "1", COMMUNE_C + "/nvr", "1"),
                valuesBy(byPanel.get("Recorders reporting"), "instance"));
        Map<String, String> worst = valuesBy(byPanel.get("Worst cameras"), "camera");
        assertEquals(Set.of("cam-a1", "cam-a2", "cam-b1", "cam-c1"), worst.keySet());
        assertEquals("0", worst.get("cam-a2"), "never recorded");
        double uptimeA = Double.parseDouble(valuesBy(byPanel.get("Uptime per commune"), "commune").get(COMMUNE_A));
        assertTrue(uptimeA < 51, "commune A has one of two cameras down all along: " + uptimeA);

        for (Dashboard.Variable variable : Dashboard.read(MonitoringFiles.DISTRICT_DASHBOARD).queryVariables()) {
            Set<String> values = new TreeSet<>();
            district.series(variable.selector()).forEach(s -> values.add(s.path(variable.label()).asText()));
            assertEquals(variable.name().equals("commune") ? ALL : Set.of("thon-1", "thon-2", "thon-3"), values, variable.name());
        }

        // The commune label reaches the alerts (Alertmanager routes by it); every shipped rule evaluates.
        Poll.until(Duration.ofSeconds(20), "NvrCameraDown for cam-a2 with its commune", () -> {
            for (JsonNode alert : api(district, "/api/v1/alerts").path("alerts")) {
                JsonNode labels = alert.path("labels");
                if (labels.path("alertname").asText().equals("NvrCameraDown") && labels.path("camera").asText().equals("cam-a2")) {
                    return labels.path("commune").asText().equals(COMMUNE_A);
                }
            }
            return false;
        });
        Set<String> rules = new TreeSet<>();
        for (JsonNode group : district.api("/api/v1/rules").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                assertEquals("ok", rule.path("health").asText(), rule.toString());
                rules.add(rule.path("name").asText());
            }
        }
        assertTrue(rules.contains("NvrCommuneSilent") && rules.contains("NvrCameraDown"), rules.toString());
        System.out.printf("district end-to-end test: %d queries answered for every commune, %d s%n", queries.size(),
                (System.nanoTime() - started) / 1_000_000_000L);
    }

    /** A recorder of one commune with its own metrics endpoint; returns the endpoint's port. */
    private int recorder(String commune, SiteConfig site) throws Exception {
        RecorderMetrics metrics = keep(new RecorderMetrics());
        MetricsServer endpoint = keep(MetricsServer.start("127.0.0.1", 0, metrics, () -> Health.healthy(Map.of())));
        NvrConfig config = new NvrConfig(new StorageConfig(Files.createDirectories(dir.resolve(commune)),
                Duration.ofSeconds(5), Retention.NONE), new MetricsConfig("127.0.0.1", 0), List.of(site));
        keep(Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics)));
        return endpoint.port();
    }

    /**
     * The shipped district config, evaluating every second: its federation job pointed at
     * {@code federated} (a commune's own Prometheus), its direct-scrape example (not on loopback) left out.
     */
    @SuppressWarnings("unchecked")
    private String districtConfig(String federated) throws Exception {
        Map<String, Object> config = yaml(MonitoringFiles.DISTRICT.resolve("prometheus-district.yml"));
        List<Map<String, Object>> jobs = (List<Map<String, Object>>) config.get("scrape_configs");
        assertEquals(List.of("nvr", "nvr-federate"), jobs.stream().map(j -> j.get("job_name")).toList());
        Map<String, Object> federate = jobs.get(1);
        Map<String, Object> targets = ((List<Map<String, Object>>) federate.get("static_configs")).get(0);
        targets.put("targets", List.of(federated));
        ((Map<String, Object>) targets.get("labels")).put("commune", COMMUNE_C);
        config.put("scrape_configs", List.of(federate));
        config.remove("alerting");
        config.put("global", Map.of("scrape_interval", "1s", "evaluation_interval", "1s"));
        assertEquals(List.of("nvr-rules.yml", "district-rules.yml"), config.get("rule_files"));
        config.put("rule_files", List.of(MonitoringFiles.RULES.toString(),
                MonitoringFiles.DISTRICT.resolve("district-rules.yml").toString()));
        return dump(config);
    }

    /**
     * The shipped commune Prometheus ({@code config/prometheus/prometheus.yml}) for {@code commune}'s
     * recorder, with {@code instance = <commune>/nvr} as {@code prometheus-district.yml} asks, without the
     * scrape password (this recorder has none) and the rules (the district evaluates them).
     */
    @SuppressWarnings("unchecked")
    private String communeConfig(String commune, int recorderPort) throws Exception {
        Map<String, Object> config = yaml(MonitoringFiles.SCRAPE_EXAMPLE);
        config.put("global", Map.of("scrape_interval", "1s", "scrape_timeout", "1s", "evaluation_interval", "1s"));
        config.remove("rule_files");
        Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
        assertEquals("nvr", job.get("job_name"));
        job.remove("basic_auth");
        job.put("static_configs", List.of(Map.of("targets", List.of("127.0.0.1:" + recorderPort),
                "labels", Map.of("instance", commune + "/nvr"))));
        return dump(config);
    }

    /** The shipped agent config for {@code commune}: its recorder's port, the district's URL, sending every second. */
    @SuppressWarnings("unchecked")
    private String agentConfig(String commune, int recorderPort, String writeUrl) throws Exception {
        Map<String, Object> config = yaml(MonitoringFiles.DISTRICT.resolve("prometheus-agent.yml"));
        Map<String, Object> global = (Map<String, Object>) config.get("global");
        global.put("scrape_interval", "1s");
        global.put("scrape_timeout", "1s");
        ((Map<String, Object>) global.get("external_labels")).put("commune", commune);
        Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
        assertEquals("nvr", job.get("job_name"));
        Map<String, Object> targets = ((List<Map<String, Object>>) job.get("static_configs")).get(0);
        targets.put("targets", List.of("127.0.0.1:" + recorderPort));
        Map<String, Object> labels = (Map<String, Object>) targets.get("labels");
        assertTrue(labels.get("instance").toString().endsWith("/nvr"), "instance = <commune>/nvr: " + labels);
        labels.put("instance", commune + "/nvr");
        Map<String, Object> remote = ((List<Map<String, Object>>) config.get("remote_write")).get(0);
        remote.put("url", writeUrl);
        remote.remove("basic_auth"); // the test's district has no web.config.file
        ((Map<String, Object>) remote.get("queue_config")).put("batch_send_deadline", "1s");
        return dump(config);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws Exception {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
    }

    private static String dump(Map<String, Object> config) {
        return new Dump(DumpSettings.builder().build()).dumpToString(config);
    }

    /** The communes of the samples that carry a number (not NaN, not infinite). */
    private static Set<String> communesWithNumbers(JsonNode result) {
        Set<String> communes = new TreeSet<>();
        for (JsonNode sample : result) {
            String v = sample.path("value").get(1).asText();
            if (!v.equals("NaN") && !v.contains("Inf")) {
                communes.add(sample.path("metric").path("commune").asText());
            }
        }
        return communes;
    }

    private static Map<String, String> valuesBy(JsonNode result, String label) {
        Map<String, String> values = new TreeMap<>();
        result.forEach(s -> values.put(s.path("metric").path(label).asText(), s.path("value").get(1).asText()));
        return values;
    }

    private static int count(PrometheusServer prometheus, String promql) {
        try {
            return prometheus.query(promql).size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (java.io.IOException e) {
            throw new AssertionError(promql + ": " + e + "\n" + prometheus.log(), e);
        }
    }

    private static JsonNode api(PrometheusServer prometheus, String path) {
        try {
            return prometheus.api(path);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (java.io.IOException e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }
}
