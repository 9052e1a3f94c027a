package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
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
import org.nvr.metrics.BasicAuth;

/** With {@code web:} the daemon serves the pages while it records, and stops serving them when it closes. */
class WebDaemonTest {
    @TempDir
    Path dir;

    @Test
    void theDaemonServesThePagesUntilItCloses() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path file = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: footage }
                metrics: { listen: "127.0.0.1:0" }
                sites: [ { id: site, cameras: [ { id: cam, url: "rtsp://127.0.0.1:%d/x" } ] } ]
                web:
                  listen: "127.0.0.1:0"
                  language: en
                  users: [ { name: canbo1, role: viewer, password_hash: "%s" } ]
                """.formatted(closedPort, BasicAuth.hash("mk-canbo".toCharArray(), 1000)));
        Cli check = Cli.run("check-config", "--config", file.toString());
        assertEquals(0, check.exitCode(), check.err());
        NvrConfig config = ConfigLoader.load(file, Map.of());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        URI page;
        try (Daemon daemon = Daemon.start(config, Recorder.Options.defaults())) {
            page = URI.create(daemon.webUrl().orElseThrow());
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, login.statusCode());
            assertTrue(login.body().contains("Log in"), "web.language: en");
            HttpResponse<String> in = http.send(HttpRequest.newBuilder(page.resolve("/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=canbo1&password=mk-canbo")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(303, in.statusCode());
            String cookie = in.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
            HttpResponse<String> cams = http.send(HttpRequest.newBuilder(page.resolve("/api/cameras"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, cams.statusCode(), cams.body());
            assertTrue(cams.body().contains("\"camera\" : \"cam\""), cams.body());
        }
        // A raw connect: the JDK client may wait forever on its pooled, now unanswered connection.
        assertThrows(ConnectException.class, () -> new Socket(page.getHost(), page.getPort()).close(),
                "closed with the daemon");
    }
}
