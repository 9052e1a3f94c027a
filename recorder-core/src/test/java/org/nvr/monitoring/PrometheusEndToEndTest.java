package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.Health;
import org.nvr.metrics.MetricsServer;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.Poll;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The whole monitoring path for real: a Prometheus server (Debian's package), configured from the
 * shipped scrape example and alert rules, scrapes with Basic auth a recorder that records two
 * GStreamer cameras. Every query of the shipped Grafana dashboard must return data through
 * Prometheus' HTTP API, and a camera stopped mid-test must turn {@code nvr_camera_up} to 0 with
 * the right reasons and put its camera-down alert in pending. A third camera fails (refused) once,
 * before Prometheus' first scrape, and stays away (port probes are not counted): the outage and
 * failed-attempt panels must show it although Prometheus never saw its counters at 0.
 *
 * <p>Takes about 40 s: the first frame and bit rate windows need 10 s of pictures, Prometheus
 * scrapes every second.
 */
class PrometheusEndToEndTest {
    private static final String SITE = "thon-1";
    private static final String PASSWORD = "scrape-pass";
    private static final GstRtspServer.Options LIGHT = GstRtspServer.Options.defaults().withFps(10).withSize(320, 180);

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
    void prometheusScrapesTheRecorderAndEveryDashboardQueryAnswers() throws Exception {
        long started = System.nanoTime();
        GstRtspServer camA = keep(GstRtspServer.start(LIGHT));
        GstRtspServer camB = keep(GstRtspServer.start(LIGHT));
        Retention limits = new Retention(OptionalLong.of(50_000_000_000L), OptionalLong.of(1_000_000_000L),
                Optional.of(Duration.ofDays(30)));
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        NvrConfig config = new NvrConfig(new StorageConfig(dir.resolve("footage"), Duration.ofSeconds(5), limits),
                new MetricsConfig("127.0.0.1", 0), List.of(new SiteConfig(SITE, "Thôn 1", List.of(
                TestCameras.camera("cam-a", SITE, camA.url(GstRtspServer.H264)),
                TestCameras.camera("cam-b", SITE, camB.url(GstRtspServer.H264)),
                TestCameras.camera("cam-c", SITE, "rtsp://127.0.0.1:" + closedPort + "/stream")))));

        RecorderMetrics metrics = keep(new RecorderMetrics());
        MetricsServer endpoint = keep(MetricsServer.start("127.0.0.1", 0, metrics, () -> Health.healthy(Map.of()),
                MetricsServer.Options.DEFAULT.withAuth(BasicAuth.of("prometheus", BasicAuth.hash(PASSWORD.toCharArray())))));
        keep(Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics)));
        // cam-c has failed before Prometheus starts: its first sample of each counter is already 1.
        Poll.until(Duration.ofSeconds(20), "cam-c refused", () -> metrics.scrape().contains(
                "nvr_camera_outages_total{camera=\"cam-c\",reason=\"refused\",site=\"" + SITE + "\"} 1.0"));
        long prometheusStart = System.currentTimeMillis() / 1000;
        PrometheusServer prometheus = keep(PrometheusServer.start(dir, prometheusConfig("127.0.0.1:" + endpoint.port())));

        // Both cameras recorded long enough for closed segments and a first picture-health window.
        awaitSeries(prometheus, "nvr_camera_frames_per_second > 0", 2, Duration.ofSeconds(60));
        awaitSeries(prometheus, "nvr_camera_oldest_footage_timestamp_seconds > 0", 2, Duration.ofSeconds(30));
        assertEquals(2, prometheus.query("nvr_camera_up == 1").size());
        assertEquals("1", value(prometheus.query("up{job=\"nvr\"}")), "scraped with the password");
        double fps = Double.parseDouble(value(prometheus.query("nvr_camera_frames_per_second{camera=\"cam-a\"}")));
        assertTrue(fps > 8 && fps < 12, "the gst camera sends 10 fps: " + fps);
        double interval = Double.parseDouble(value(prometheus.query("nvr_camera_keyframe_interval_seconds{camera=\"cam-a\"}")));
        assertTrue(interval > 0.8 && interval < 1.2, "one keyframe a second: " + interval);

        // Camera B goes away mid-test: its stream ends (eof, or stalled), then it refuses connections.
        camB.stop();
        awaitSeries(prometheus, "nvr_camera_up{camera=\"cam-b\"} == 0", 1, Duration.ofSeconds(30));
        awaitSeries(prometheus, "nvr_camera_reconnects_total{camera=\"cam-b\",reason=~\"eof|stalled\"} > 0", 1,
                Duration.ofSeconds(10));
        awaitSeries(prometheus, "nvr_camera_reconnects_total{camera=\"cam-b\",reason=\"refused\"} > 0", 1,
                Duration.ofSeconds(20));
        JsonNode outage = prometheus.query("nvr_camera_outages_total{camera=\"cam-b\"} > 0");
        assertEquals(1, outage.size(), outage.toString());
        assertTrue(Set.of("eof", "stalled").contains(outage.get(0).path("metric").path("reason").asText()), outage.toString());
        assertEquals("1", value(prometheus.query("sum(nvr_camera_outages_total{camera=\"cam-b\"})")), "one outage");
        assertEquals(0, prometheus.query("nvr_camera_reconnects_total{camera=\"cam-a\"} > 0").size(), "cam-a unaffected");
        assertEquals("1", value(prometheus.query("nvr_camera_up{camera=\"cam-a\"}")));
        assertEquals("1", value(prometheus.query("nvr_site_cameras_up{site=\"" + SITE + "\"}")));

        // cam-c's single failure happened before the first scrape; both reason panels still show it.
        Map<String, Dashboard.Query> byPanel = new LinkedHashMap<>();
        Dashboard.read().queries().forEach(q -> byPanel.put(q.panel(), q));
        JsonNode outagesPanel = prometheus.query(byPanel.get("Outages by reason (time range)").promql());
        assertTrue(reasons(outagesPanel, null).contains("refused"), "cam-c's outage: " + outagesPanel);
        // The attempts panel is a graph: Grafana asks for a range; the failure is in its first minute.
        JsonNode attemptsPanel = prometheus.api("/api/v1/query_range?query="
                + URLEncoder.encode(byPanel.get("Failed connection attempts by reason").promql(), StandardCharsets.UTF_8)
                + "&start=" + prometheusStart + "&end=" + (System.currentTimeMillis() / 1000 + 1) + "&step=1").path("result");
        Set<String> camC = new TreeSet<>();
        for (JsonNode series : attemptsPanel) {
            if (series.path("metric").path("camera").asText().equals("cam-c")) {
                series.path("values").forEach(v -> {
                    if (Double.parseDouble(v.get(1).asText()) > 0) {
                        camC.add(series.path("metric").path("reason").asText());
                    }
                });
            }
        }
        assertEquals(Set.of("refused"), camC, "cam-c's failed attempt: " + attemptsPanel);
        assertEquals("1", value(prometheus.query("nvr_camera_reconnects_total{camera=\"cam-c\",reason=\"refused\"}")),
                "one session, then port probes only");

        // Every dashboard query answers, with at least one number, now that one camera is down too.
        Map<String, String> empty = new LinkedHashMap<>();
        List<Dashboard.Query> queries = Dashboard.read().queries();
        assertTrue(queries.size() >= 20, "found " + queries.size() + " dashboard queries");
        for (Dashboard.Query query : queries) {
            JsonNode result = prometheus.query(query.promql());
            boolean hasNumber = false;
            for (JsonNode sample : result) {
                String v = sample.path("value").get(1).asText();
                hasNumber |= !v.equals("NaN") && !v.contains("Inf");
            }
            if (!hasNumber) {
                empty.put(query.panel() + " [" + query.refId() + "]", query.promql() + " -> " + result);
            }
        }
        assertEquals(Map.of(), empty, "dashboard queries without data");
        for (Dashboard.Variable variable : Dashboard.read().queryVariables()) {
            Set<String> values = new TreeSet<>();
            prometheus.series(variable.selector()).forEach(s -> values.add(s.path(variable.label()).asText()));
            values.remove("");
            assertTrue(!values.isEmpty(), "variable " + variable.name() + " offers nothing");
            if (variable.name().equals("camera")) {
                assertEquals(Set.of("cam-a", "cam-b", "cam-c"), values);
            }
        }

        // The shipped rules run against the real exposition: cam-b's camera-down alert is pending.
        awaitAlert(prometheus, "NvrCameraDown", "cam-b", Duration.ofSeconds(15));
        for (JsonNode group : prometheus.api("/api/v1/rules").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                assertEquals("ok", rule.path("health").asText(), rule.toString());
            }
        }
        System.out.printf("end-to-end monitoring test: %d dashboard queries answered, %d s%n", queries.size(),
                (System.nanoTime() - started) / 1_000_000_000L);
    }

    /** The shipped example with this test's target, password file and rules, scraping every second. */
    private String prometheusConfig(String target) throws Exception {
        Path passwordFile = Files.writeString(dir.resolve("scrape.password"), PASSWORD);
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(MonitoringFiles.SCRAPE_EXAMPLE));
        config.put("global", Map.of("scrape_interval", "1s", "scrape_timeout", "1s", "evaluation_interval", "1s"));
        config.put("rule_files", List.of(MonitoringFiles.RULES.toString()));
        @SuppressWarnings("unchecked")
        Map<String, Object> job = ((List<Map<String, Object>>) config.get("scrape_configs")).get(0);
        assertEquals("nvr", job.get("job_name"), "the rules and the dashboard expect job nvr");
        @SuppressWarnings("unchecked")
        Map<String, Object> basicAuth = (Map<String, Object>) job.get("basic_auth");
        basicAuth.put("password_file", passwordFile.toString());
        job.put("static_configs", List.of(Map.of("targets", List.of(target))));
        return new Dump(DumpSettings.builder().build()).dumpToString(config);
    }

    private static void awaitSeries(PrometheusServer prometheus, String promql, int count, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode result = prometheus.query(promql);
        while (result.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + count + " series of " + promql
                        + ", got " + result + "\nPrometheus log:\n" + prometheus.log());
            }
            Thread.sleep(250);
            result = prometheus.query(promql);
        }
    }

    private static void awaitAlert(PrometheusServer prometheus, String name, String camera, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode alerts = prometheus.api("/api/v1/alerts").path("alerts");
            for (JsonNode alert : alerts) {
                JsonNode labels = alert.path("labels");
                if (labels.path("alertname").asText().equals(name) && labels.path("camera").asText().equals(camera)) {
                    assertEquals(SITE, labels.path("site").asText());
                    assertTrue(Set.of("pending", "firing").contains(alert.path("state").asText()), alert.toString());
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + name + " alert for " + camera + " in " + alerts);
            }
            Thread.sleep(250);
        }
    }

    /** The {@code reason} labels of a query result with a number, of {@code camera} (any when null). */
    private static Set<String> reasons(JsonNode result, String camera) {
        Set<String> reasons = new TreeSet<>();
        for (JsonNode sample : result) {
            JsonNode metric = sample.path("metric");
            if (camera == null || metric.path("camera").asText().equals(camera)) {
                if (Double.parseDouble(sample.path("value").get(1).asText()) > 0) {
                    reasons.add(metric.path("reason").asText());
                }
            }
        }
        return reasons;
    }

    /** The value of a one-sample instant vector. */
    private static String value(JsonNode result) {
        assertEquals(1, result.size(), result.toString());
        return result.get(0).path("value").get(1).asText();
    }
}
