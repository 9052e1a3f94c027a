package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.testing.Poll;

/**
 * What an operator's monitoring sees of a lost index: the daemon starts on a corrupt {@code index.db}
 * and says on {@code /healthz} and in {@code nvr_index_rebuilds_total} that it rebuilt it; an index
 * deleted under the running daemon turns {@code /healthz} to 503 naming it, then back to 200 once it is
 * recreated. The free-space floor's state is on {@code /healthz} and in {@code /metrics} too.
 */
class IndexLossHealthTest {
    @TempDir
    Path dir;

    @Test
    void healthzAndMetricsSayTheIndexWasRebuiltOrIsMissing() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path root = dir.resolve("footage");
        Files.createDirectories(root);
        Files.writeString(root.resolve("index.db"), "this is not a database, it was overwritten by mistake\n".repeat(200));
        Path file = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                metrics: { listen: "127.0.0.1:0" }
                sites: [ { id: site, cameras: [ { id: cam, url: "rtsp://127.0.0.1:%d/x" } ] } ]
                """.formatted(root, closedPort));
        NvrConfig config = ConfigLoader.load(file, Map.of());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (Daemon daemon = Daemon.start(config, Recorder.Options.defaults())) {
            URI metrics = URI.create(daemon.metricsUrl());
            URI healthz = metrics.resolve("/healthz");
            HttpResponse<String> health = get(http, healthz);
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().contains("\"index\":{\"rebuilt\":true,\"rebuilds\":1,\"rebuilt_at\":"), health.body());
            assertTrue(health.body().contains("\"kept_as\":\"index.db.corrupt-"), health.body());
            assertTrue(health.body().contains("\"storage\":{\"free_floor_unmet\":false"), health.body());
            String scrape = get(http, metrics).body();
            assertTrue(scrape.contains("\nnvr_index_rebuilds_total 1.0\n"), scrape);
            assertTrue(scrape.contains("\nnvr_storage_free_floor_unmet 0.0\n"), scrape);

            Files.delete(root.resolve("index.db"));
            Poll.until(Duration.ofSeconds(3), "503 naming the deleted index", () -> {
                HttpResponse<String> h = get(http, healthz);
                return h.statusCode() == 503 && h.body().contains("index.db was deleted");
            });
            Poll.until(Duration.ofSeconds(5), "200 once recreated", () -> {
                HttpResponse<String> h = get(http, healthz);
                return h.statusCode() == 200 && h.body().contains("\"rebuilds\":2");
            });
            assertTrue(Files.exists(root.resolve("index.db")));
            assertTrue(get(http, metrics).body().contains("\nnvr_index_rebuilds_total 2.0\n"));
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new AssertionError("GET " + uri + ": " + e, e);
        }
    }
}
