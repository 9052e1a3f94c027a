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
import org.nvr.metrics.BasicAuth;
import org.nvr.daemon.Recorder;

/**
 * {@code web.limits} and {@code metrics.limits} reach the daemon's servers: a header cap set below the
 * default refuses a request the default lets through, on both; a bad value exits 2 naming its key.
 */
class HttpLimitsConfigTest {
    /** Bigger than the configured 1 KiB header cap, well under the default 8 KiB. */
    private static final String PAD = "x".repeat(2048);

    @TempDir
    Path dir;

    private Path config(String webLimits, String metricsLimits) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        return Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: footage }
                metrics: { listen: "127.0.0.1:0", limits: %s }
                sites: [ { id: site, cameras: [ { id: cam, url: "rtsp://127.0.0.1:%d/x" } ] } ]
                web:
                  listen: "127.0.0.1:0"
                  limits: %s
                  users: [ { name: canbo1, role: viewer, password_hash: "%s" } ]
                """.formatted(metricsLimits, closedPort, webLimits, BasicAuth.hash("mk-canbo".toCharArray(), 1000)));
    }

    @Test
    void configuredHeaderCapsAreWhatTheServersEnforce() throws Exception {
        Path file = config("{ max_header_bytes: 1KiB, max_connections: 300, idle_timeout: 2m }",
                "{ max_header_bytes: 1KiB }");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        try (Daemon daemon = Daemon.start(ConfigLoader.load(file, Map.of()), Recorder.Options.defaults())) {
            for (URI uri : new URI[] {URI.create(daemon.metricsUrl()), URI.create(daemon.webUrl().orElseThrow())}) {
                HttpResponse<String> small = http.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, small.statusCode(), uri + ": " + small.body());
                HttpResponse<String> big = http.send(HttpRequest.newBuilder(uri).header("X-Pad", PAD).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(400, big.statusCode(), uri + ": a 2 KiB header over the 1 KiB cap: " + big.body());
            }
        }
    }

    @Test
    void aBadLimitExitsTwoNamingTheKey() throws Exception {
        Cli web = Cli.run("check-config", "--config", config("{ max_connections: 0 }", "{}").toString());
        assertEquals(2, web.exitCode(), web.out() + web.err());
        assertTrue(web.err().contains("web.limits.max_connections"), web.err());
        Cli metrics = Cli.run("check-config", "--config", config("{}", "{ request_deadline: soon }").toString());
        assertEquals(2, metrics.exitCode(), metrics.out() + metrics.err());
        assertTrue(metrics.err().contains("metrics.limits.request_deadline"), metrics.err());
    }
}
