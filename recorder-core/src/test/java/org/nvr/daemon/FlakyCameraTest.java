package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.config.Transport;
import org.nvr.index.CameraStateRow;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.RunRow;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.AuthScheme;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.slf4j.LoggerFactory;

/**
 * Home-internet weather against the built-in simulator, all cameras in one recorder at once: each fault
 * is classified with its exact reason (index and metrics), the healthy cameras are not delayed by the
 * broken ones, recording resumes when a fault clears, and no credential appears anywhere.
 */
class FlakyCameraTest {
    static final String SECRET = "p@ss:w#rd/%x";
    static final String SECRET_ENCODED = "p%40ss%3Aw%23rd%2F%25x";

    @TempDir
    Path root;

    static CameraConfig camera(String id, String url, Optional<String> user, Optional<String> password) {
        return new CameraConfig(id, "site", id, URI.create(url), user, password, Transport.TCP, AudioPolicy.DROP,
                Duration.ofSeconds(2), Retention.NONE, Optional.empty(), Optional.empty());
    }

    @Test
    void everyFaultIsClassifiedSurvivedAndRecovered() throws Exception {
        Logger rootLogger = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ffmpeg = (Logger) LoggerFactory.getLogger("ffmpeg");
        Level ffmpegLevel = ffmpeg.getLevel();
        ffmpeg.setLevel(Level.DEBUG); // capture FFmpeg's own lines too: they must be redacted as well
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        rootLogger.addAppender(logs);
        ffmpeg.addAppender(logs);

        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 100, 300_000);
        RecorderMetrics metrics = new RecorderMetrics();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            for (String id : List.of("good", "silent", "basic-bad", "digest-bad", "digest-ok", "basic-keys",
                    "dropper", "staller")) {
                sim.addCamera(id, clip);
            }
            sim.camera("silent").setSilent(true);
            sim.camera("basic-bad").requireAuth("admin", SECRET, AuthScheme.BASIC);
            sim.camera("digest-bad").requireAuth("admin", SECRET, AuthScheme.DIGEST);
            sim.camera("digest-ok").requireAuth("admin", SECRET, AuthScheme.DIGEST);
            sim.camera("basic-keys").requireAuth("admin", SECRET, AuthScheme.BASIC);
            sim.start();
            String base = "rtsp://127.0.0.1:" + sim.port() + "/";
            List<CameraConfig> cams = List.of(
                    camera("good", base + "good", Optional.empty(), Optional.empty()),
                    camera("silent", base + "silent", Optional.empty(), Optional.empty()),
                    camera("basic-bad", "rtsp://admin:wrong" + SECRET_ENCODED + "@127.0.0.1:" + sim.port() + "/basic-bad",
                            Optional.empty(), Optional.empty()),
                    camera("digest-bad", base + "digest-bad", Optional.of("admin"), Optional.of("x" + SECRET)),
                    camera("digest-ok", "rtsp://admin:" + SECRET_ENCODED + "@127.0.0.1:" + sim.port() + "/digest-ok",
                            Optional.empty(), Optional.empty()),
                    camera("basic-keys", base + "basic-keys", Optional.of("admin"), Optional.of(SECRET)),
                    camera("missing", base + "no-such-stream", Optional.empty(), Optional.empty()),
                    camera("dropper", base + "dropper", Optional.empty(), Optional.empty()),
                    camera("staller", base + "staller", Optional.empty(), Optional.empty()));
            NvrConfig config = new NvrConfig(new StorageConfig(root, Duration.ofSeconds(60), Retention.NONE),
                    new MetricsConfig("127.0.0.1", 0), List.of(new SiteConfig("site", "Site", cams)));

            Instant started = Instant.now();
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics))) {
                Map<String, org.nvr.camera.CameraStatus> status = new java.util.HashMap<>();
                for (int i = 0; i < cams.size(); i++) {
                    status.put(cams.get(i).id(), recorder.statuses().get(i));
                }
                RecorderGstTest.await(Duration.ofSeconds(10), "good cameras recording", () ->
                        List.of("good", "digest-ok", "basic-keys", "dropper", "staller").stream()
                                .allMatch(id -> status.get(id).current() == CameraState.RECORDING));
                Duration goodAfter = Duration.between(started, Instant.now());
                assertTrue(goodAfter.toSeconds() < 5, "a silent camera must not delay the others: " + goodAfter);

                sim.camera("dropper").dropSessions();
                sim.camera("staller").pauseStream(true);
                RecorderGstTest.await(Duration.ofSeconds(15), "faults seen", () ->
                        reconnects(metrics, "dropper", "eof") >= 1 && reconnects(metrics, "staller", "stalled") >= 1
                                && reconnects(metrics, "silent", "timeout") >= 1
                                && reconnects(metrics, "basic-bad", "auth") >= 1
                                && reconnects(metrics, "digest-bad", "auth") >= 1
                                && reconnects(metrics, "missing", "not_found") >= 1);
                sim.camera("staller").pauseStream(false);
                RecorderGstTest.await(Duration.ofSeconds(15), "dropper and staller recording again", () ->
                        status.get("dropper").current() == CameraState.RECORDING
                                && status.get("staller").current() == CameraState.RECORDING);
                for (String id : List.of("silent", "basic-bad", "digest-bad", "missing")) {
                    assertEquals(CameraState.DOWN, status.get(id).current(), id);
                }
                assertTrue(metrics.scrape().contains("nvr_camera_up{camera=\"good\",site=\"site\"} 1.0"));
                assertTrue(metrics.scrape().contains("nvr_camera_up{camera=\"missing\",site=\"site\"} 0.0"));
                assertFalse(metrics.scrape().contains("admin"), "no user name in metrics");
            } finally {
                metrics.close();
            }
        } finally {
            rootLogger.detachAppender(logs);
            ffmpeg.detachAppender(logs);
            ffmpeg.setLevel(ffmpegLevel);
        }

        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            Map<String, String> reasons = q.cameraStates().stream()
                    .filter(s -> s.reason() != null && !"stopped".equals(s.state()))
                    .collect(Collectors.toMap(CameraStateRow::camera, CameraStateRow::reason));
            List<RunRow> good = q.runs("good", Instant.EPOCH, Instant.now());
            assertEquals(1, good.size(), "the good camera recorded one unbroken run through it all");
            assertEquals("eof", q.runs("dropper", Instant.EPOCH, Instant.now()).get(0).endReason());
            assertEquals("stalled", q.runs("staller", Instant.EPOCH, Instant.now()).get(0).endReason());
            assertEquals(2, q.runs("dropper", Instant.EPOCH, Instant.now()).size());
            for (var e : Map.of("silent", "timeout", "basic-bad", "auth", "digest-bad", "auth", "missing", "not_found")
                    .entrySet()) {
                var outages = q.outages(e.getKey(), Instant.EPOCH, Instant.now());
                assertEquals(1, outages.size(), e.getKey() + ": one outage, not one per retry");
                assertEquals(e.getValue(), outages.get(0).reason(), e.getKey());
            }
        }
        // Nothing anywhere carries the secret: logs (FFmpeg's included), index text, metrics.
        List<String> lines = new ArrayList<>();
        for (ILoggingEvent e : logs.list) {
            lines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("basic-bad")), "the failures were logged");
        // The 404 camera was retried several times; it is logged once at WARN (per change, not per retry).
        long missingWarnings = logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(e -> e.getFormattedMessage().startsWith("missing:")).count();
        assertEquals(1, missingWarnings, "one warning for a camera that keeps failing the same way");
        for (String l : lines) {
            assertFalse(l.contains(SECRET) || l.contains(SECRET_ENCODED) || l.contains("wrong"), "credential in log: " + l);
        }
        try (var c = IndexDatabase.open(root.resolve("index.db")); Statement st = c.createStatement()) {
            for (String sql : List.of("SELECT detail FROM outages", "SELECT detail FROM runs", "SELECT detail FROM camera_state")) {
                try (ResultSet rs = st.executeQuery(sql)) {
                    while (rs.next()) {
                        String d = String.valueOf(rs.getString(1));
                        assertFalse(d.contains(SECRET_ENCODED) || d.contains(SECRET) || d.contains("wrong"), d);
                    }
                }
            }
        }
    }

    static double reconnects(RecorderMetrics metrics, String camera, String reason) {
        String prefix = "nvr_camera_reconnects_total{camera=\"" + camera + "\",reason=\"" + reason + "\",site=\"site\"} ";
        return metrics.scrape().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum();
    }
}
