package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.OutageRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.sim.AuthScheme;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;
import org.nvr.testing.UserInfoPasswords;

/**
 * No camera password shows anywhere the program writes: passwords holding every character RFC 3986
 * allows in user info (raw in the URL, from an environment variable, percent-encoded, non-ASCII, and in
 * the separate password key) for cameras that record (Basic and Digest), one whose password is wrong
 * and one that refuses connections. {@code nvr run} records them as a real process with DEBUG logs,
 * FFmpeg's included; then its log, {@code /metrics}, {@code /healthz}, every text column of
 * {@code index.db}, and every operator command's output (tables and JSON), an export and its manifest
 * are searched for each password in every form it may take.
 */
class NoPasswordAnywhereTest {
    static final String RAW = "Sx-._~!$&'()*+,;=:Zk" + UserInfoPasswords.RAW_ALLOWED;
    static final String ENCODED = "Ey" + UserInfoPasswords.ENCODED_ONLY + "Zk";
    static final String UNICODE = "mật-khẩu-Ünï-Zk";
    static final String KEY = "Kq" + UserInfoPasswords.RAW_ALLOWED + UserInfoPasswords.ENCODED_ONLY + "Zk";
    static final String WRONG = "Wr0ng'pa$$!Zk";
    static final String REFUSED = "Rf'(used)*Zk";

    @TempDir
    Path dir;

    Process daemon;

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
    }

    @Test
    void noPasswordInLogsMetricsIndexCommandsOrExports() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(160, 120, 25, 25, 100, 200_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            for (String id : List.of("raw", "encoded", "unicode", "key", "wrong")) {
                sim.addCamera(id, clip);
            }
            sim.camera("raw").requireAuth("admin", RAW, AuthScheme.BASIC);
            sim.camera("encoded").requireAuth("admin", ENCODED, AuthScheme.DIGEST);
            sim.camera("unicode").requireAuth("admin", UNICODE, AuthScheme.DIGEST);
            sim.camera("key").requireAuth("admin", KEY, AuthScheme.BASIC);
            sim.camera("wrong").requireAuth("admin", "right-one", AuthScheme.DIGEST);
            sim.start();
            String at = "@127.0.0.1:" + sim.port() + "/";
            Path root = dir.resolve("footage");
            Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                    storage: { root: %s, segment_seconds: 2 }
                    metrics: { listen: "127.0.0.1:0" }
                    sites:
                      - id: site
                        cameras:
                          - { id: raw, url: "rtsp://admin:${CAM_PASS}%sraw" }
                          - { id: encoded, url: "%s" }
                          - { id: unicode, url: "%s" }
                          - { id: key, url: "rtsp://127.0.0.1:%d/key", username: admin, password: "%s" }
                          - { id: wrong, url: "%s", stall_timeout: 2s }
                          - { id: refused, url: "%s", stall_timeout: 2s }
                    """.formatted(root, at, yaml("rtsp://admin:" + pct(ENCODED) + at + "encoded"),
                    yaml("rtsp://admin:" + pct(UNICODE) + at + "unicode"), sim.port(), yaml(KEY),
                    yaml("rtsp://admin:" + WRONG + at + "wrong"), yaml("rtsp://admin:" + REFUSED + "@127.0.0.1:1/x")));

            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dnvr.log.level=DEBUG", "-Dnvr.log.ffmpeg=DEBUG", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "run", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
            pb.environment().put("CAM_PASS", RAW);
            daemon = pb.start();

            Path db = root.resolve("index.db");
            Poll.until(Duration.ofSeconds(40), "four cameras recording, a closed segment, both failures noted", () -> {
                try (FootageQueries q = FootageQueries.open(db)) {
                    Instant now = Instant.now().plusSeconds(60);
                    for (String cam : List.of("raw", "encoded", "unicode", "key")) {
                        if (q.segments(cam, Instant.EPOCH, now).isEmpty()) {
                            return false;
                        }
                    }
                    List<OutageRow> wrong = q.outages("wrong", Instant.EPOCH, now);
                    List<OutageRow> refused = q.outages("refused", Instant.EPOCH, now);
                    return q.segments("raw", Instant.EPOCH, now).stream().anyMatch(s -> s.state() == SegmentState.CLOSED)
                            && !wrong.isEmpty() && !refused.isEmpty() && wrong.get(0).detail() != null;
                } catch (Exception e) {
                    return false;
                }
            });

            Map<String, String> texts = new LinkedHashMap<>();
            Matcher metrics = Pattern.compile("metrics at (http://\\S+)").matcher(Files.readString(dir.resolve("daemon.log")));
            assertTrue(metrics.find(), Files.readString(dir.resolve("daemon.log")));
            URI metricsUrl = URI.create(metrics.group(1));
            HttpClient http = HttpClient.newHttpClient();
            for (String path : List.of("/metrics", "/healthz")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(metricsUrl.resolve(path))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                texts.put(path, r.body());
            }
            assertTrue(texts.get("/metrics").contains("camera=\"refused\""), texts.get("/metrics"));

            daemon.destroy(); // SIGTERM: closes open segments, so they can be exported
            assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "the daemon stops");
            String log = Files.readString(dir.resolve("daemon.log"));
            assertEquals(0, daemon.exitValue(), log);
            assertTrue(log.contains("DEBUG"), "debug logging was on: " + log);
            texts.put("daemon log", log);

            texts.put("index.db", dump(db));
            assertTrue(texts.get("index.db").contains("rtsp://"), "outage details quote the URL: " + texts.get("index.db"));

            // the commands run in this JVM, whose environment has no CAM_PASS: the same file with it written in
            String cfg = Files.writeString(dir.resolve("queries.yaml"), Files.readString(config)
                    .replace("${CAM_PASS}", yaml(RAW))).toString();
            Instant first;
            try (FootageQueries q = FootageQueries.open(db)) {
                first = q.segments("raw", Instant.EPOCH, Instant.now()).get(0).start();
            }
            String from = first.minusSeconds(5).toString();
            String to = Instant.now().toString();
            List<List<String>> commands = new ArrayList<>(List.of(List.of("cameras"), List.of("cameras", "--json"),
                    List.of("uptime", "--from", from, "--to", to), List.of("uptime", "--from", from, "--to", to, "--json"),
                    List.of("verify")));
            for (String cam : List.of("raw", "encoded", "unicode", "key", "wrong", "refused")) {
                commands.add(List.of("footage", "gaps", "--camera", cam, "--from", from, "--to", to));
                commands.add(List.of("footage", "gaps", "--camera", cam, "--from", from, "--to", to, "--json"));
                commands.add(List.of("footage", "list", "--camera", cam, "--from", from, "--to", to, "--json"));
            }
            Path export = dir.resolve("raw.mp4");
            commands.add(List.of("footage", "export", "--camera", "raw", "--from", from, "--to", to, "--output",
                    export.toString(), "--no-progress", "--json"));
            commands.add(List.of("footage", "audit"));
            for (List<String> command : commands) {
                List<String> args = new ArrayList<>(command);
                args.addAll(List.of("--config", cfg));
                Cli r = Cli.run(args.toArray(String[]::new));
                assertTrue(r.exitCode() == 0 || r.exitCode() == 3, command + ": " + r.err());
                texts.put(String.join(" ", command), r.out() + r.err());
            }
            assertTrue(Files.exists(export), "exported");
            texts.put("export manifest", Files.readString(Path.of(export + ".json")));

            for (String password : List.of(RAW, ENCODED, UNICODE, KEY, WRONG, REFUSED)) {
                for (String form : forms(password)) {
                    texts.forEach((where, text) -> assertFalse(text.contains(form),
                            where + " shows the password " + password + " as " + form + ":\n" + excerpt(text, form)));
                }
            }
            assertTrue(texts.get("cameras --json").contains("rtsp://***@127.0.0.1:" + sim.port() + "/raw"),
                    texts.get("cameras --json"));
        }
    }

    /** The password as typed, percent-encoded (both cases, and as URLEncoder does) and as a Basic token. */
    static List<String> forms(String password) {
        String pct = pct(password);
        return List.of(password, pct, pct.toLowerCase(Locale.ROOT), URLEncoder.encode(password, StandardCharsets.UTF_8),
                URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20"),
                Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)));
    }

    static String pct(String text) {
        return UserInfoPasswords.percentEncode(text);
    }

    /** A YAML double-quoted scalar's content. */
    static String yaml(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /** Every value of every table, as text. */
    static String dump(Path db) throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet rs = st.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        sb.append(table).append(':');
                        for (int i = 1; i <= n; i++) {
                            sb.append(' ').append(rs.getString(i));
                        }
                        sb.append('\n');
                    }
                }
            }
        }
        return sb.toString();
    }

    static String excerpt(String text, String form) {
        int i = text.indexOf(form);
        return text.substring(Math.max(0, i - 200), Math.min(text.length(), i + form.length() + 200));
    }
}
