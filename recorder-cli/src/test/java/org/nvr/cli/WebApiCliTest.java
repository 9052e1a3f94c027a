package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.testing.Poll;
import org.nvr.web.WebServer;

/**
 * The web API (footage, gaps, cameras, uptime, audit) answers byte for byte what the CLI prints with {@code --json} for the same question, and
 * {@code nvr footage audit} shows the web's logins with the client address.
 */
class WebApiCliTest {
    static final Instant T0 = Instant.parse("2026-12-05T01:00:00Z");

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theApiIsTheCliJsonAndLoginsAreInTheAudit() throws Exception {
        Path configFile = dir.resolve("nvr.yaml");
        Files.writeString(configFile, "storage: { root: " + dir.resolve("footage") + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\", location: \"Ngã ba chợ\" },"
                + " { id: c2, url: \"rtsp://cam/y\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: canbo1, role: admin, password_hash: \"" + BasicAuth.hash("mk-canbo".toCharArray(), 1000) + "\"}\n");
        NvrConfig config = ConfigLoader.load(configFile, Map.of());
        Files.createDirectories(config.storage().root());
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath())) {
            for (int i = 0; i < 3; i++) {
                Instant start = T0.plusSeconds(60L * i);
                long id = writer.openSegment(null, "xa1", "c1", "xa1/c1/2026-12-05/08-0" + i + "-00.mp4", start, "h264",
                        640, 360, "aac").get();
                writer.closeSegment(id, start.plusSeconds(60), Duration.ofSeconds(60), 1000L + i, 1500L,
                        Integer.toString(i).repeat(64)).get();
            }
            writer.submit(c -> EvidenceLog.hold(c, "xa1", "c1", T0.plusSeconds(70), T0.plusSeconds(80), "vụ việc 12",
                    "canbo1", T0.plusSeconds(200))).get();
            writer.cameraState("xa1", "c1", "recording", T0, null, null, T0).get();
            try (WebServer web = WebServer.start(config, writer, WebServer.Options.DEFAULT)) {
                String from = T0.minusSeconds(30).toString();
                String to = T0.plusSeconds(150).toString();
                assertEquals(cli("footage", "list", "--config", configFile.toString(), "--camera", "c1", "--from", from,
                        "--to", to, "--json"), api(web, "api/footage?camera=c1&from=" + from + "&to=" + to));
                assertEquals(cli("footage", "gaps", "--config", configFile.toString(), "--camera", "c1", "--from", from,
                        "--to", to, "--json"), api(web, "api/gaps?camera=c1&from=" + from + "&to=" + to));
                assertEquals(cli("cameras", "--config", configFile.toString(), "--json"), api(web, "api/cameras"));
                assertEquals(cli("uptime", "--config", configFile.toString(), "--site", "xa1", "--from", from, "--to", to,
                        "--json"), api(web, "api/uptime?site=xa1&from=" + from + "&to=" + to));

                assertEquals(401, login(web, "canbo1", "sai").statusCode());
                assertEquals(303, login(web, "canbo1", "mk-canbo").statusCode());
                Poll.until(Duration.ofSeconds(5), "the logins in the audit", () -> Cli.run("footage", "audit", "--json",
                        "--config", configFile.toString()).out().contains("\"login\""));
                assertEquals(cli("footage", "audit", "--json", "--config", configFile.toString()), api(web, "api/audit"));
                assertEquals(cli("footage", "audit", "--json", "--config", configFile.toString(), "--camera", "c1"),
                        api(web, "api/audit?camera=c1"));
            }
        }
        Cli audit = Cli.run("footage", "audit", "--json", "--config", configFile.toString());
        JsonNode lines = new ObjectMapper().readTree(audit.out());
        JsonNode failed = lines.get(lines.size() - 2);
        JsonNode ok = lines.get(lines.size() - 1);
        assertEquals("login_failed", failed.get("action").asText());
        assertEquals("login", ok.get("action").asText());
        assertEquals("canbo1", ok.get("user").asText());
        assertTrue(ok.get("detail").asText().contains("127.0.0.1"), ok.toString());
        Cli table = Cli.run("footage", "audit", "--config", configFile.toString());
        assertTrue(table.out().contains("web client 127.0.0.1"), "the table shows where from:\n" + table.out());
    }

    private static String cli(String... args) {
        Cli r = Cli.run(args);
        assertEquals(0, r.exitCode(), r.err());
        return r.out();
    }

    /** The API's body, with the newline the CLI ends its output with. */
    private String api(WebServer web, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(web.url() + path))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        "canbo1:mk-canbo".getBytes(StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body() + System.lineSeparator();
    }

    private HttpResponse<String> login(WebServer web, String user, String password) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(web.url() + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=" + user + "&password=" + password)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
