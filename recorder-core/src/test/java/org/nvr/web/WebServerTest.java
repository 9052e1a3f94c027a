package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.MetricsServer;
import org.nvr.testing.Poll;

/**
 * The web server's security shell and JSON API, against the real server over real HTTP with a real
 * index written through {@link IndexWriter}; time is a clock the test moves.
 */
class WebServerTest {
    static final String VIEWER_PW = "xem-camera-1";
    static final String OPERATOR_PW = "canbo-mat-khau";
    static final String ADMIN_PW = "quan-tri-vien";
    static final Instant T0 = Instant.parse("2026-12-06T03:00:00Z");

    @TempDir
    Path dir;

    final MovableClock clock = new MovableClock(T0.plusSeconds(3600));
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    NvrConfig config;
    IndexWriter writer;
    WebServer server;
    String base;

    static String yaml(Path root, String webExtra) {
        return "storage: { root: " + root + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\", location: \"Cổng UBND\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n" + webExtra
                + "  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(VIEWER_PW.toCharArray(), 1000) + "\"}\n"
                + "    - {name: canbo1, role: operator, password_hash: \"" + BasicAuth.hash(OPERATOR_PW.toCharArray(), 1000) + "\"}\n"
                + "    - {name: truong, role: admin, password_hash: \"" + BasicAuth.hash(ADMIN_PW.toCharArray(), 1000) + "\"}\n";
    }

    @BeforeEach
    void start() throws Exception {
        startWith("", WebServer.Options.DEFAULT);
    }

    void startWith(String webExtra, WebServer.Options options) throws Exception {
        config = ConfigLoader.parse(yaml(dir, webExtra), Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        long id = writer.openSegment(null, "xa1", "c1", "xa1/c1/2026-12-06/10-00-00.mp4", T0, "h264", 1280, 720, null).get();
        writer.closeSegment(id, T0.plusSeconds(60), Duration.ofSeconds(60), 123_456, 1500L, "ab".repeat(32)).get();
        server = WebServer.start(config, writer, options.withClock(clock)
                .withLimits(MetricsServer.Limits.DEFAULT.withRefusalDelay(Duration.ZERO)));
        base = server.url();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (writer != null) {
            writer.close();
        }
    }

    @Test
    void aPortInUseIsRefusedNamingTheKey() throws Exception {
        NvrConfig taken = ConfigLoader.parse(yaml(dir, "").replace("127.0.0.1:0", "127.0.0.1:" + server.port()), Map.of());
        java.net.BindException e = assertThrows(java.net.BindException.class,
                () -> WebServer.start(taken, writer, WebServer.Options.DEFAULT));
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + server.port() + " (web.listen): "),
                e.getMessage());
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "the first server serves on");
    }

    @Test
    void loginSetsASessionCookieAndRedirects() throws Exception {
        HttpResponse<String> r = login("canbo1", OPERATOR_PW);
        assertEquals(303, r.statusCode());
        assertEquals("/", r.headers().firstValue("Location").orElseThrow());
        String setCookie = r.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith("nvr_session="), setCookie);
        List<String> attributes = attributes(setCookie);
        assertTrue(attributes.contains("httponly"), setCookie);
        assertTrue(attributes.contains("samesite=strict"), setCookie);
        assertFalse(attributes.contains("secure"), "plain HTTP: no Secure attribute: " + setCookie);
        String id = cookieValue(setCookie);
        assertEquals(43, id.length(), "256 random bits, base64url");

        HttpResponse<String> home = get("/", cookie(setCookie));
        assertEquals(200, home.statusCode());
        assertTrue(home.body().contains("canbo1"), home.body());
        HttpResponse<String> cams = get("/api/cameras", cookie(setCookie));
        assertEquals(200, cams.statusCode());
        JsonNode list = new ObjectMapper().readTree(cams.body());
        assertEquals("c1", list.get(0).get("camera").asText());
        assertEquals("Cổng UBND", list.get(0).get("location").asText());
    }

    @Test
    void assetsAreServedFromTheJarAndPagesOnlyBehindTheLogin() throws Exception {
        HttpResponse<String> css = get("/assets/nvr.css");
        assertEquals(200, css.statusCode());
        assertTrue(css.headers().firstValue("Content-Type").orElseThrow().startsWith("text/css"));
        for (String bad : List.of("/assets/../Pages.class", "/assets/%2e%2e/login_vi.html", "/assets/missing.js",
                "/assets/login_vi.html", "/app/../home_vi", "/app/missing")) {
            int status = get(bad, cookie(login("xem", VIEWER_PW).headers().firstValue("Set-Cookie").orElseThrow()))
                    .statusCode();
            assertEquals(404, status, bad);
        }
        HttpResponse<String> anonymous = get("/app/about");
        assertEquals(200, anonymous.statusCode());
        assertTrue(anonymous.body().contains("action=\"/login\""), "no session: the login form");
        assertFalse(anonymous.body().contains("id=\"about\""));
        String session = login("xem", VIEWER_PW).headers().firstValue("Set-Cookie").orElseThrow();
        HttpResponse<String> page = get("/app/about?lang=en", cookie(session));
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("id=\"about\"") && page.body().contains("lang=\"en\"")
                && page.body().contains("xem (viewer)"), page.body());
    }

    @Test
    void withoutASessionTheLoginPageOr401() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("Đăng nhập"), "Vietnamese by default");
        assertTrue(page.body().contains("action=\"/login\""));
        assertFalse(page.body().contains("http://") || page.body().contains("https://"), "no external assets");
        assertTrue(get("/?lang=en").body().contains("Log in"));
        for (String path : List.of("/api/cameras", "/api/footage?camera=c1&from=-1h&to=now", "/live/c1",
                "/playback/c1.mp4?from=-1h&to=now", "/snapshot/c1.jpg?at=now")) {
            HttpResponse<String> r = get(path);
            assertEquals(401, r.statusCode(), path);
            assertTrue(r.headers().firstValue("WWW-Authenticate").isEmpty(), "never a Basic challenge: " + path);
        }
        HttpResponse<String> forged = get("/api/cameras", "nvr_session=" + "A".repeat(43));
        assertEquals(401, forged.statusCode(), "an unknown session id is no session");
    }

    @Test
    void wrongPasswordsGetNoCookieAndAreThrottledUntilTheWindowEnds() throws Exception {
        for (int i = 0; i < MetricsServer.Limits.DEFAULT.failuresAllowed(); i++) {
            HttpResponse<String> r = login("canbo1", "sai-" + i);
            assertEquals(401, r.statusCode());
            assertTrue(r.headers().firstValue("Set-Cookie").isEmpty());
            assertTrue(r.headers().firstValue("WWW-Authenticate").isEmpty());
            assertTrue(r.body().contains("Sai tên đăng nhập hoặc mật khẩu"), r.body());
        }
        HttpResponse<String> throttled = login("canbo1", OPERATOR_PW);
        assertEquals(429, throttled.statusCode(), "even the right password waits out the window");
        assertTrue(throttled.headers().firstValue("Set-Cookie").isEmpty());
        assertTrue(throttled.headers().firstValue("Retry-After").isPresent());
        clock.advance(MetricsServer.Limits.DEFAULT.failureWindow().plusSeconds(1));
        assertEquals(303, login("canbo1", OPERATOR_PW).statusCode());
    }

    @Test
    void closingTheServerClosesOpenConnections() throws Exception {
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", server.port())) {
            idle.setSoTimeout(5000);
            idle.getOutputStream().write("GET / HTTP/1.1\r\nHost: nvr\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            java.io.InputStream in = idle.getInputStream();
            byte[] head = in.readNBytes(12);
            assertEquals("HTTP/1.1 200", new String(head, StandardCharsets.US_ASCII));
            server.close();
            byte[] rest = new byte[65536];
            int n;
            while ((n = in.read(rest)) >= 0) {
                assertTrue(n > 0);
            }
        }
    }

    @Test
    void failedLoginsAreThrottledPerUserAcrossAddresses() throws Exception {
        int allowed = MetricsServer.Limits.DEFAULT.failuresAllowed();
        for (int i = 0; i < allowed; i++) {
            // spread over addresses so that no one address reaches its own limit
            assertEquals(401, loginFrom("127.0.0." + (2 + i % 2), "canbo1", "sai-" + i));
        }
        assertEquals(429, loginFrom("127.0.0.9", "canbo1", OPERATOR_PW), "the user waits, from anywhere");
        assertEquals(303, loginFrom("127.0.0.9", "xem", VIEWER_PW), "another user and that address are not held");
    }

    /** A form login over a plain socket from a chosen loopback address; the status code. */
    int loginFrom(String localAddress, String user, String password) throws Exception {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        try (java.net.Socket s = new java.net.Socket()) {
            s.bind(new java.net.InetSocketAddress(localAddress, 0));
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("POST /login HTTP/1.1\r\nHost: nvr\r\nConnection: close\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + form.length()
                    + "\r\n\r\n" + form).getBytes(StandardCharsets.US_ASCII));
            String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return Integer.parseInt(status.substring(9, 12));
        }
    }

    @Test
    void aViewerMayNotDoAnOperatorsAction() throws Exception {
        Browser viewer = browser("xem", VIEWER_PW);
        assertEquals(403, post("/api/holds", viewer, true).statusCode());
        assertEquals(403, get("/api/uptime?from=-1d&to=now", viewer.cookie).statusCode(), "uptime is the admin's");
        assertEquals(200, get("/api/footage?camera=c1&from=-1d&to=now", viewer.cookie).statusCode());
        assertEquals(403, post("/api/export", viewer, true).statusCode());
        Browser operator = browser("canbo1", OPERATOR_PW);
        assertEquals(400, post("/api/export", operator, true).statusCode(), "allowed; {} is no export");
        Browser admin = browser("truong", ADMIN_PW);
        HttpResponse<String> uptime = get("/api/uptime?site=xa1&from=" + T0 + "&to=" + T0.plusSeconds(120), admin.cookie);
        assertEquals(200, uptime.statusCode(), uptime.body());
        assertEquals("xa1", new ObjectMapper().readTree(uptime.body()).get("sites").get(0).get("site").asText());
    }

    @Test
    void aStateChangingRequestWithACookieNeedsTheCsrfToken() throws Exception {
        Browser operator = browser("canbo1", OPERATOR_PW);
        assertEquals(403, post("/api/holds", operator, false).statusCode());
        assertEquals(403, post("/api/export", operator, false).statusCode());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "api/holds"))
                .header("Cookie", operator.cookie).header("X-CSRF-Token", "x".repeat(43))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, wrong.statusCode());
        assertEquals(400, post("/api/export", operator, true).statusCode(), "past the token: {} is no export");
        assertEquals(400, post("/api/holds", operator, true).statusCode(), "past the token: {} is no hold");
        assertEquals(403, post("/logout", operator, false).statusCode(), "logout too");
        HttpResponse<String> out = http.send(HttpRequest.newBuilder(URI.create(base + "logout"))
                .header("Cookie", operator.cookie).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("csrf_token=" + operator.csrf)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, out.statusCode(), "the form field of the page's logout form");
        assertEquals(401, get("/api/cameras", operator.cookie).statusCode(), "logged out");
    }

    @Test
    void anotherSitesPageCannotPostHere() throws Exception {
        String form = "username=canbo1&password=" + URLEncoder.encode(OPERATOR_PW, StandardCharsets.UTF_8);
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, foreign.statusCode());
        assertTrue(foreign.headers().firstValue("Set-Cookie").isEmpty());
        String self = base.substring(0, base.length() - 1);
        HttpResponse<String> own = http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Origin", self)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, own.statusCode(), "the page's own origin");
    }

    @Test
    void basicOnTheApiNeedsNoCsrfToken() throws Exception {
        HttpResponse<String> cams = http.send(HttpRequest.newBuilder(URI.create(base + "api/cameras"))
                .header("Authorization", basic("xem", VIEWER_PW)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, cams.statusCode());
        HttpResponse<String> hold = http.send(HttpRequest.newBuilder(URI.create(base + "api/holds"))
                .header("Authorization", basic("canbo1", OPERATOR_PW)).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"camera\": \"c1\", \"from\": \"" + T0 + "\", \"to\": \"" + T0.plusSeconds(30)
                                + "\", \"reason\": \"vụ việc 7\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, hold.statusCode(), "no CSRF token asked of a script: " + hold.body());
        HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(base + "api/cameras"))
                .header("Authorization", basic("xem", "sai")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").isEmpty());
    }

    @Test
    void anOperatorPlacesAHoldAsTheCliWouldAndItIsAudited() throws Exception {
        Browser operator = browser("canbo1", OPERATOR_PW);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "api/holds"))
                .header("Cookie", operator.cookie).header("X-CSRF-Token", operator.csrf)
                .POST(HttpRequest.BodyPublishers.ofString("{\"camera\": \"c1\", \"from\": \"" + T0.plusSeconds(10)
                        + "\", \"to\": \"" + T0.plusSeconds(20) + "\", \"reason\": \"vụ việc 12\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        JsonNode placed = new ObjectMapper().readTree(r.body());
        assertEquals(1, placed.get("segments").asInt());
        try (var c = IndexDatabase.openForQueries(config.storage().indexPath())) {
            List<org.nvr.index.LockRow> holds = EvidenceLog.activeHolds(c, "c1", T0, T0.plusSeconds(60));
            assertEquals(1, holds.size());
            assertEquals(placed.get("id").asLong(), holds.get(0).id());
            assertEquals("canbo1", holds.get(0).createdBy());
            assertEquals("vụ việc 12", holds.get(0).reason());
            assertEquals(T0.plusSeconds(10), holds.get(0).from());
        }
        AuditEntry lock = audit().stream().filter(e -> e.action().equals("lock")).findFirst().orElseThrow();
        assertEquals("canbo1", lock.osUser());
        assertEquals("hold #" + placed.get("id").asLong() + " on 1 segment(s); web client 127.0.0.1", lock.detail());
        assertEquals(400, post("/api/holds", operator, true).statusCode());
        HttpResponse<String> noReason = http.send(HttpRequest.newBuilder(URI.create(base + "api/holds"))
                .header("Cookie", operator.cookie).header("X-CSRF-Token", operator.csrf)
                .POST(HttpRequest.BodyPublishers.ofString("{\"camera\": \"c1\", \"from\": \"-1h\", \"to\": \"now\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, noReason.statusCode(), noReason.body());
        assertTrue(noReason.body().contains("reason"), noReason.body());

        long id = placed.get("id").asLong();
        Browser viewer = browser("xem", VIEWER_PW);
        assertEquals(403, delete("/api/holds/" + id + "?reason=x", viewer, true).statusCode());
        assertEquals(403, delete("/api/holds/" + id + "?reason=x", operator, false).statusCode(), "no CSRF token");
        HttpResponse<String> released = delete("/api/holds/" + id + "?reason=%C4%91%C3%B3ng%20v%E1%BB%A5", operator, true);
        assertEquals(200, released.statusCode(), released.body());
        assertEquals("canbo1", new ObjectMapper().readTree(released.body()).get("released_by").asText());
        assertEquals(404, delete("/api/holds/" + id, operator, true).statusCode(), "released already");
        try (var c = IndexDatabase.openForQueries(config.storage().indexPath())) {
            assertEquals(List.of(), EvidenceLog.activeHolds(c, "c1", T0, T0.plusSeconds(60)));
        }
        Poll.until(Duration.ofSeconds(5), "the unlock audit line", () -> audit().stream().anyMatch(e -> e.action().equals("unlock")));
        AuditEntry unlock = audit().stream().filter(e -> e.action().equals("unlock")).findFirst().orElseThrow();
        assertEquals("đóng vụ", unlock.reason());
        assertEquals("hold #" + id + " released (placed by canbo1); web client 127.0.0.1", unlock.detail());
    }

    HttpResponse<String> delete(String path, Browser b, boolean withToken) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path.substring(1))).header("Cookie", b.cookie)
                .DELETE();
        if (withToken) {
            req.header("X-CSRF-Token", b.csrf);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSessionEndsWhenIdleAndAfterItsAbsoluteLimit() throws Exception {
        Browser b = browser("xem", VIEWER_PW);
        clock.advance(Duration.ofMinutes(29));
        assertEquals(200, get("/api/cameras", b.cookie).statusCode());
        clock.advance(Duration.ofMinutes(30));
        assertEquals(401, get("/api/cameras", b.cookie).statusCode(), "idle for 30 minutes");
        Browser busy = browser("xem", VIEWER_PW);
        for (int i = 0; i < 12 * 3; i++) {
            clock.advance(Duration.ofMinutes(20));
            if (!Duration.ofMinutes(20L * (i + 1)).minus(Duration.ofHours(12)).isNegative()) {
                assertEquals(401, get("/api/cameras", busy.cookie).statusCode(), "12 hours after the login");
                return;
            }
            assertEquals(200, get("/api/cameras", busy.cookie).statusCode());
        }
        throw new AssertionError("the absolute limit never ended the session");
    }

    @Test
    void footageIsTheCliJson() throws Exception {
        Browser b = browser("xem", VIEWER_PW);
        HttpResponse<String> r = get("/api/footage?camera=c1&from=" + T0.minusSeconds(60) + "&to=" + T0.plusSeconds(600),
                b.cookie);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode seg = new ObjectMapper().readTree(r.body()).get(0);
        assertEquals(dir.resolve("xa1/c1/2026-12-06/10-00-00.mp4").toString(), seg.get("path").asText());
        assertEquals(60.0, seg.get("duration_s").asDouble());
        assertEquals(123_456, seg.get("bytes").asLong());
        assertEquals(404, get("/api/footage?camera=nope&from=-1h&to=now", b.cookie).statusCode());
        assertEquals(400, get("/api/footage?camera=c1&from=yesterday&to=now", b.cookie).statusCode());
        assertEquals(400, get("/api/footage?camera=c1&from=now&to=-1h", b.cookie).statusCode());
    }

    @Test
    void loginsAndFailedLoginsAreAudited() throws Exception {
        assertEquals(401, login("canbo1", "sai").statusCode());
        assertEquals(401, login(OPERATOR_PW, "x").statusCode());
        assertEquals(303, login("canbo1", OPERATOR_PW).statusCode());
        Poll.until(Duration.ofSeconds(5), "three audit lines", () -> audit().size() == 3);
        List<AuditEntry> lines = audit();
        assertEquals("login_failed", lines.get(0).action());
        assertEquals("canbo1", lines.get(0).osUser());
        assertTrue(lines.get(0).detail().contains("web client 127.0.0.1"), lines.get(0).detail());
        assertEquals("?", lines.get(1).osUser(), "a name no user has is not written down (maybe a password)");
        assertEquals("login", lines.get(2).action());
        assertEquals("canbo1", lines.get(2).osUser());
        assertTrue(lines.get(2).detail().contains("web client 127.0.0.1"));
    }

    private List<AuditEntry> audit() {
        try (var c = IndexDatabase.openForQueries(config.storage().indexPath())) {
            return EvidenceLog.auditLog(c, null, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ---- helpers ----

    record Browser(String cookie, String csrf) {
    }

    Browser browser(String user, String password) throws Exception {
        HttpResponse<String> r = login(user, password);
        assertEquals(303, r.statusCode());
        String cookie = cookie(r.headers().firstValue("Set-Cookie").orElseThrow());
        HttpResponse<String> home = get("/", cookie);
        Matcher m = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"").matcher(home.body());
        assertTrue(m.find(), home.body());
        return new Browser(cookie, m.group(1));
    }

    HttpResponse<String> login(String user, String password) throws Exception {
        String form = "username=" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8);
        return http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return get(path, null);
    }

    HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path.substring(1)));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Browser b, boolean withToken) throws Exception {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + path.substring(1))).header("Cookie", b.cookie)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
        if (withToken) {
            req.header("X-CSRF-Token", b.csrf);
        }
        return http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String cookie(String setCookie) {
        return setCookie.split(";", 2)[0];
    }

    /** The attributes after the name=value, lower case (their names are case-insensitive). */
    static List<String> attributes(String setCookie) {
        return java.util.Arrays.stream(setCookie.split(";")).skip(1).map(a -> a.strip().toLowerCase(java.util.Locale.ROOT))
                .toList();
    }

    static String cookieValue(String setCookie) {
        return cookie(setCookie).split("=", 2)[1];
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
