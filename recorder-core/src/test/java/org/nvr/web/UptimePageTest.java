package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
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
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.metrics.MetricsServer;
import org.nvr.testing.Browser;
import org.nvr.testing.Poll;
import org.openqa.selenium.By;

/**
 * The uptime page in a real browser (Debian's chromium) against the real web server and an index
 * with known outages written through {@link IndexWriter}: the figures the page shows are those of
 * {@code GET /api/uptime} for the period picked, in Vietnamese by default and in English; only an
 * admin may open it; printed, it is the report alone on A4 with a page per site. Saves
 * {@code docs/screenshots/uptime.png} and {@code uptime.pdf} for the README.
 */
class UptimePageTest {
    private static final String ADMIN_PW = "quan-tri-vien";
    private static final String VIEWER_PW = "xem-camera-1";
    private static final String OPERATOR_PW = "canbo-mat-khau";
    private static final ZoneId ZONE = ZoneId.systemDefault();
    private static final LocalDate DAY = LocalDate.of(2026, 12, 6);
    private static final Instant MIDNIGHT = DAY.atStartOfDay(ZONE).toInstant();
    private static final Path SCREENSHOTS = Path.of("..", "docs", "screenshots").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private IndexWriter writer;
    private WebServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        String yaml = "storage: { root: " + dir + " }\n"
                + "sites:\n"
                + "  - { id: xa1, name: \"Thôn Đông\", cameras: [ { id: c1, name: \"Cổng UBND\", url: \"rtsp://cam/1\" },\n"
                + "                                            { id: c2, name: \"Chợ xã\", url: \"rtsp://cam/2\" } ] }\n"
                + "  - { id: xa2, name: \"Thôn Tây\", cameras: [ { id: c3, name: \"Ngã ba đường tỉnh\", url: \"rtsp://cam/3\" } ] }\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(VIEWER_PW.toCharArray(), 1000) + "\"}\n"
                + "    - {name: canbo1, role: operator, password_hash: \"" + BasicAuth.hash(OPERATOR_PW.toCharArray(), 1000) + "\"}\n"
                + "    - {name: truong, role: admin, password_hash: \"" + BasicAuth.hash(ADMIN_PW.toCharArray(), 1000) + "\"}\n";
        NvrConfig config = ConfigLoader.parse(yaml, Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        // c1: recorded 01:00-03:00, refused until 03:30, recording since (still at 06:00).
        run("xa1", "c1", hours(1), hours(3), "refused");
        run("xa1", "c1", hours(3.5), null, null);
        writer.closeOutage(writer.openOutage("xa1", "c1", hours(3), "refused", null).get(), hours(3.5)).get();
        // c2: the whole morning.
        run("xa1", "c2", hours(0), null, null);
        // c3: half an hour, then a wrong password.
        run("xa2", "c3", hours(2), hours(2.5), "auth");
        writer.openOutage("xa2", "c3", hours(2.5), "auth", "401 Unauthorized").get();
        Clock clock = Clock.fixed(hours(6), ZONE);
        server = WebServer.start(config, writer, WebServer.Options.DEFAULT.withClock(clock)
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
    void thePageShowsTheApisFiguresForTheDayAndPrintsAsAnA4Report() throws Exception {
        try (Browser browser = Browser.start(1280, 1000)) {
            logIn(browser, "truong", ADMIN_PW);
            browser.driver().get(base + "app/uptime?kind=day&date=" + DAY);
            awaitReport(browser);

            String api = (String) browser.js("return document.getElementById('report').dataset.api;");
            assertEquals("/api/uptime?from=" + DAY + "T00%3A00&to=" + DAY.plusDays(1) + "T00%3A00", api);
            JsonNode report = apiAsAdmin(api);
            assertEquals(2, report.path("sites").size());
            assertSameFigures(browser, report, ',');
            // The known outages: c1 lost 01:00 (before its first run) and 03:00-03:30; c3 has been down since 02:30.
            JsonNode c1 = report.path("sites").get(0).path("cameras").get(0);
            assertEquals(2, c1.path("outages").asInt(), c1.toString());
            assertEquals(4.5 / 6, c1.path("up_ratio").asDouble(), 1e-6);
            assertEquals("Cổng UBND", text(browser, "tr.camera[data-camera=c1] td.name"));
            assertEquals("Báo cáo thời gian hoạt động camera", text(browser, "#report h1"));
            assertTrue(text(browser, "tr.camera[data-camera=c3] td.reasons").startsWith("sai tài khoản/mật khẩu 1× 3 giờ 30 phút 00 giây"),
                    text(browser, "tr.camera[data-camera=c3] td.reasons"));
            Files.createDirectories(SCREENSHOTS);
            browser.screenshot(SCREENSHOTS.resolve("uptime.png"));

            // The week and the month hold the same day: the page asks for the right periods.
            selectPeriod(browser, "week");
            LocalDate monday = DAY.minusDays(DAY.getDayOfWeek().getValue() - 1);
            assertEquals("/api/uptime?from=" + monday + "T00%3A00&to=" + monday.plusDays(7) + "T00%3A00",
                    browser.js("return document.getElementById('report').dataset.api;"));
            assertSameFigures(browser, apiAsAdmin((String) browser.js("return document.getElementById('report').dataset.api;")), ',');
            selectPeriod(browser, "month");
            assertEquals("/api/uptime?from=2026-12-01T00%3A00&to=2027-01-01T00%3A00",
                    browser.js("return document.getElementById('report').dataset.api;"));

            // Printed: the report alone, A4, a new page for each site, headers repeated.
            browser.driver().executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
            assertEquals("none", browser.js("return getComputedStyle(document.querySelector('header.nvr')).display;"));
            assertEquals("none", browser.js("return getComputedStyle(document.getElementById('period')).display;"));
            assertEquals("block", browser.js("return getComputedStyle(document.querySelector('.signature')).display;"));
            @SuppressWarnings("unchecked")
            List<String> breaks = (List<String>) browser.js("return [...document.querySelectorAll('section.site')]"
                    + ".map(s => getComputedStyle(s).breakBefore);");
            assertEquals(List.of("page", "page"), breaks);
            assertEquals("table-header-group", browser.js("return getComputedStyle(document.querySelector('section.site thead')).display;"));
            Object size = browser.js("for (const sheet of document.styleSheets) for (const rule of sheet.cssRules)"
                    + " if (rule instanceof CSSPageRule) return rule.style.getPropertyValue('size'); return null;");
            assertTrue(String.valueOf(size).toLowerCase(java.util.Locale.ROOT).startsWith("a4"), "@page size: " + size);
            browser.driver().executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
            assertEquals("flex", browser.js("return getComputedStyle(document.querySelector('header.nvr')).display;"));

            browser.driver().get(base + "app/uptime?kind=day&date=" + DAY);
            awaitReport(browser);
            Map<String, Object> pdf = browser.driver().executeCdpCommand("Page.printToPDF",
                    Map.of("preferCSSPageSize", true, "printBackground", true));
            byte[] bytes = Base64.getDecoder().decode((String) pdf.get("data"));
            assertEquals("%PDF", new String(bytes, 0, 4, StandardCharsets.ISO_8859_1));
            int pages = pages(bytes);
            assertEquals(3, pages, "the summary, then one page per site");
            Matcher box = Pattern.compile("/MediaBox\\s*\\[\\s*0\\s+0\\s+([\\d.]+)\\s+([\\d.]+)")
                    .matcher(new String(bytes, StandardCharsets.ISO_8859_1));
            assertTrue(box.find(), "a page size in the PDF");
            // A4 is 210 x 297 mm: 595.3 x 841.9 points.
            assertEquals(595.3, Double.parseDouble(box.group(1)), 1.5, "A4 width");
            assertEquals(841.9, Double.parseDouble(box.group(2)), 1.5, "A4 height");
            Files.write(SCREENSHOTS.resolve("uptime.pdf"), bytes);
        }
    }

    @Test
    void inEnglishTheSameFiguresWithEnglishWords() throws Exception {
        try (Browser browser = Browser.start(1280, 900)) {
            logIn(browser, "truong", ADMIN_PW);
            browser.driver().get(base + "app/uptime?lang=en&kind=day&date=" + DAY + "&site=xa2");
            awaitReport(browser);
            String api = (String) browser.js("return document.getElementById('report').dataset.api;");
            assertTrue(api.endsWith("&site=xa2"), api);
            JsonNode report = apiAsAdmin(api);
            assertEquals(1, report.path("sites").size());
            assertSameFigures(browser, report, '.');
            assertEquals("Camera availability report", text(browser, "#report h1"));
            assertTrue(text(browser, "tr.camera[data-camera=c3] td.reasons").startsWith("wrong user or password 1× 3h30m00s"),
                    text(browser, "tr.camera[data-camera=c3] td.reasons"));
            assertEquals("xa2", browser.js("return document.getElementById('site').value;"));

            // Any range: c3 recorded 02:00-02:30 of 02:00-04:00.
            String before = (String) browser.js("return document.body.dataset.ready;");
            browser.js("document.getElementById('kind').value = 'custom';"
                    + "document.getElementById('from').value = arguments[0]; document.getElementById('to').value = arguments[1];"
                    + "document.getElementById('period').requestSubmit();", DAY + "T02:00", DAY + "T04:00");
            Poll.until(Duration.ofSeconds(15), "the custom report", () -> !before.equals(browser.js(
                    "return document.body.dataset.ready;")));
            String custom = (String) browser.js("return document.getElementById('report').dataset.api;");
            assertEquals("/api/uptime?from=" + DAY + "T02%3A00&to=" + DAY + "T04%3A00&site=xa2", custom);
            JsonNode range = apiAsAdmin(custom);
            assertEquals(0.25, range.path("sites").get(0).path("cameras").get(0).path("up_ratio").asDouble(), 1e-6);
            assertSameFigures(browser, range, '.');
            assertEquals("25.00%", text(browser, "tr.camera[data-camera=c3] .pct"));
            assertTrue(browser.js("return document.getElementById('switch-lang').getAttribute('href');").toString()
                    .contains("lang=vi"), "the language switch keeps the period and site");
        }
    }

    @Test
    void onlyAnAdminMayOpenThePage() throws Exception {
        for (String[] user : new String[][] {{"xem", VIEWER_PW}, {"canbo1", OPERATOR_PW}}) {
            String cookie = sessionCookie(user[0], user[1]);
            HttpResponse<String> page = get("/app/uptime", cookie);
            assertEquals(403, page.statusCode(), user[0]);
            assertTrue(page.body().contains("id=\"forbidden\"") && page.body().contains("Không có quyền"), page.body());
            assertFalse(page.body().contains("uptime.js"), "nothing of the page itself");
            assertEquals(403, get("/api/uptime?from=-1d&to=now", cookie).statusCode(), user[0]);
            assertTrue(get("/app/uptime?lang=en", cookie).body().contains("Not allowed"));
        }
        HttpResponse<String> admin = get("/app/uptime", sessionCookie("truong", ADMIN_PW));
        assertEquals(200, admin.statusCode());
        assertTrue(admin.body().contains("/assets/uptime.js") && admin.body().contains("lang=\"vi\""), "Vietnamese by default");
        assertEquals(200, get("/assets/uptime.js", null).statusCode());
        assertEquals(200, get("/assets/uptime.css", null).statusCode());
    }

    /** Every camera row and site total on the page carries the API's figures, and shows them as `nvr uptime` does. */
    private static void assertSameFigures(Browser browser, JsonNode report, char decimal) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) browser.js(
                "return [...document.querySelectorAll('#sites tr.camera, #sites tr.total')].map(r => ({"
                        + "site: r.dataset.site, camera: r.dataset.camera || null, ratio: r.dataset.upRatio,"
                        + "pct: r.querySelector('.pct').textContent, outages: r.querySelector('td.outages').textContent,"
                        + "recorded: r.dataset.recordedS || null, longest: r.dataset.longestS || null}));");
        int expected = 0;
        for (JsonNode site : report.path("sites")) {
            expected += site.path("cameras").size() + 1;
            for (JsonNode camera : site.path("cameras")) {
                Map<String, Object> row = row(rows, site.path("site").asText(), camera.path("camera").asText());
                assertFigures(camera, row, decimal);
                assertEquals(camera.path("recorded_s").asDouble(), Double.parseDouble((String) row.get("recorded")), 1e-9);
                assertEquals(camera.path("longest_outage_s").asDouble(), Double.parseDouble((String) row.get("longest")), 1e-9);
            }
            assertFigures(site, row(rows, site.path("site").asText(), null), decimal);
        }
        assertEquals(expected, rows.size(), "one row per camera and one total per site: " + rows);
    }

    private static void assertFigures(JsonNode api, Map<String, Object> row, char decimal) {
        double ratio = api.path("up_ratio").asDouble();
        assertEquals(ratio, Double.parseDouble((String) row.get("ratio")), 0.0, row.toString());
        String pct = (String) row.get("pct");
        assertTrue(pct.matches("\\d+\\" + decimal + "\\d\\d%"), pct);
        assertEquals(ratio * 100, Double.parseDouble(pct.replace(',', '.').replace("%", "")), 0.0051, row.toString());
        assertEquals(api.path("outages").asText(), row.get("outages"), row.toString());
    }

    private static Map<String, Object> row(List<Map<String, Object>> rows, String site, String camera) {
        return rows.stream().filter(r -> site.equals(r.get("site")) && java.util.Objects.equals(camera, r.get("camera")))
                .findFirst().orElseThrow(() -> new AssertionError("no row for " + site + "/" + camera + " in " + rows));
    }

    private void logIn(Browser browser, String user, String password) throws InterruptedException {
        browser.driver().get(base);
        browser.driver().findElement(By.name("username")).sendKeys(user);
        browser.driver().findElement(By.name("password")).sendKeys(password);
        browser.driver().findElement(By.cssSelector("form[action='/login'] [type=submit], form[action='/login'] button")).click();
        try {
            Poll.until(Duration.ofSeconds(15), "logged in as " + user,
                    () -> browser.driver().manage().getCookieNamed(WebHandler.COOKIE) != null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": at " + browser.driver().getCurrentUrl() + "\n"
                    + browser.driver().getPageSource() + "\n" + browser.driver().manage().getCookies(), e);
        }
    }

    private static void awaitReport(Browser browser) throws InterruptedException {
        Poll.until(Duration.ofSeconds(15), "the report shown", () -> Boolean.TRUE.equals(browser.js(
                "return !!document.body.dataset.ready && !document.getElementById('report').hidden"
                        + " && !document.body.classList.contains('loading');")));
    }

    private static void selectPeriod(Browser browser, String kind) throws InterruptedException {
        String before = (String) browser.js("return document.body.dataset.ready;");
        browser.js("const k = document.getElementById('kind'); k.value = arguments[0];"
                + " k.dispatchEvent(new Event('change'));", kind);
        Poll.until(Duration.ofSeconds(15), "the " + kind + " report", () -> !before.equals(browser.js(
                "return document.body.dataset.ready;")) && !Boolean.TRUE.equals(browser.js(
                "return document.body.classList.contains('loading');")));
    }

    private static String text(Browser browser, String css) {
        return browser.driver().findElement(By.cssSelector(css)).getText();
    }

    /** Pages of a PDF as Chromium writes it (one uncompressed {@code /Type /Page} object per page). */
    private static int pages(byte[] pdf) {
        Matcher m = Pattern.compile("/Type\\s*/Page(?!s)").matcher(new String(pdf, StandardCharsets.ISO_8859_1));
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private JsonNode apiAsAdmin(String pathAndQuery) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery.substring(1)))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        ("truong:" + ADMIN_PW).getBytes(StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    private String sessionCookie(String user, String password) throws Exception {
        String form = "username=" + user + "&password=" + password;
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, r.statusCode(), r.body());
        return r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
    }

    private HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path.substring(1)));
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Instant hours(double h) {
        return MIDNIGHT.plusMillis((long) (h * 3_600_000));
    }

    /** A recording run from {@code start} (to {@code end}, or still going) with 10-minute segments. */
    private void run(String site, String camera, Instant start, Instant end, String reason) throws Exception {
        long run = writer.startRun(site, camera, start, "h264", 1280, 720, null).get();
        Instant last = end == null ? hours(6) : end;
        for (Instant s = start; s.isBefore(last); s = s.plusSeconds(600)) {
            Instant e = s.plusSeconds(600).isAfter(last) ? last : s.plusSeconds(600);
            long id = writer.openSegment(run, site, camera, site + "/" + camera + "/" + s.toEpochMilli() + ".mp4", s,
                    "h264", 1280, 720, null).get();
            writer.closeSegment(id, e, Duration.between(s, e), 100_000, 100L, "ab".repeat(32)).get();
        }
        if (end != null) {
            writer.endRun(run, end, reason, null).get();
        }
    }
}
