package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.metrics.BasicAuth;

/** {@code nvr hash-password} and a daemon whose {@code /metrics} needs the password it hashed. */
class MetricsAuthCliTest {
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    Path dir;

    @Test
    void hashesTheFirstLineOfStdinAndNeverEchoesIt() {
        Cli cli = withStdin(PASSWORD + "\r\nsecond line ignored\n", () -> Cli.run("hash-password"));
        assertEquals(0, cli.exitCode(), cli.err());
        String hash = cli.out().strip();
        assertTrue(hash.matches("pbkdf2-sha256:\\d+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]{44}"), hash);
        assertEquals(1, cli.out().lines().count());
        assertFalse(cli.out().contains("horse") || cli.err().contains("horse"));
        assertTrue(BasicAuth.of("prometheus", hash).accepts(basic("prometheus:" + PASSWORD)));
        assertFalse(BasicAuth.of("prometheus", hash).accepts(basic("prometheus:" + PASSWORD + "\r")));
    }

    @Test
    void anEmptyPasswordIsAUsageError() {
        Cli cli = withStdin("\n", () -> Cli.run("hash-password"));
        assertEquals(Main.USAGE, cli.exitCode());
        assertEquals("nvr: empty password\n", cli.err());
        assertEquals("", cli.out());
        assertEquals(Main.USAGE, withStdin("", () -> Cli.run("hash-password")).exitCode());
    }

    @Test
    void thePasswordIsNotAnArgument() {
        Cli cli = Cli.run("hash-password", PASSWORD);
        assertEquals(Main.USAGE, cli.exitCode());
    }

    @Test
    void theDaemonAsksForThePasswordOnMetricsButNotOnHealthz() throws Exception {
        String hash = withStdin(PASSWORD + "\n", () -> Cli.run("hash-password")).out().strip();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path file = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: footage }
                metrics:
                  listen: "127.0.0.1:0"
                  auth: { username: prometheus, password_hash: "%s" }
                sites: [ { id: site, cameras: [ { id: cam, url: "rtsp://127.0.0.1:%d/x" } ] } ]
                """.formatted(hash, closedPort));
        Cli check = Cli.run("check-config", "--config", file.toString());
        assertEquals(0, check.exitCode(), check.err());
        NvrConfig config = ConfigLoader.load(file, Map.of());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (Daemon daemon = Daemon.start(config, Recorder.Options.defaults())) {
            URI metrics = URI.create(daemon.metricsUrl());
            URI healthz = metrics.resolve("/healthz");
            assertEquals(401, http.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(401, http.send(HttpRequest.newBuilder(metrics).header("Authorization", basic("prometheus:nope"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(metrics)
                    .header("Authorization", basic("prometheus:" + PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("nvr_camera_up{camera=\"cam\",site=\"site\"}"), scrape.body());
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(healthz).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(health.body().startsWith("{\"status\":\"ok\""), health.body());
        }
    }

    private static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs {@code action} with {@code text} as System.in (surefire gives no console, so stdin is read). */
    private static Cli withStdin(String text, java.util.function.Supplier<Cli> action) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        try {
            return action.get();
        } finally {
            System.setIn(saved);
        }
    }
}
