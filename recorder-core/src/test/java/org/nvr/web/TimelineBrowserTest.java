package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.BasicAuth;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.Browser;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The timeline page in Debian's chromium, over footage the recorder recorded from the simulator (whose
 * pictures carry a frame counter) with an outage in the middle: the gap is on the bar, a click plays,
 * a seek to a chosen moment shows the picture the recorder's snapshot shows for that moment, an export
 * from the page has a manifest whose SHA-256s verify, and a viewer has no export button.
 */
class TimelineBrowserTest {
    static final String OPERATOR_PW = "canbo-mat-khau";
    static final String VIEWER_PW = "xem-camera-1";

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theTimelineShowsTheGapPlaysSeeksToTheRightPictureAndExports() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 250, 400_000);
        Path root = dir.resolve("storage");
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam", clip);
            sim.start();
            NvrConfig config = ConfigLoader.parse("storage: { root: " + root + ", segment_seconds: 4 }\n"
                    + "sites: [ { id: xa1, name: \"Thôn 1\", cameras: [ { id: cam, name: \"Cổng UBND\", url: \""
                    + sim.url("cam") + "\" } ] } ]\n"
                    + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                    + "    - {name: canbo1, role: operator, password_hash: \""
                    + BasicAuth.hash(OPERATOR_PW.toCharArray(), 1000) + "\"}\n"
                    + "    - {name: xem, role: viewer, password_hash: \""
                    + BasicAuth.hash(VIEWER_PW.toCharArray(), 1000) + "\"}\n", Map.of());
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults());
                 WebServer web = WebServer.start(config, recorder.index(), WebServer.Options.DEFAULT)) {
                // 5 s of footage, the camera gone for 4 s (the simulator's outage switch), 5 s more
                Poll.until(Duration.ofSeconds(30), "5 s recorded", () -> recorded(root) >= 5000);
                sim.camera("cam").setAvailable(false);
                Poll.until(Duration.ofSeconds(30), "the first run's segment closed", () -> closed(root) >= 1
                        && openSegments(root) == 0);
                Instant outageStart = Instant.now();
                Poll.until(Duration.ofSeconds(30), "4 s of outage", () -> Duration.between(outageStart, Instant.now())
                        .toMillis() >= 4000);
                sim.camera("cam").setAvailable(true);
                long before = recorded(root);
                Poll.until(Duration.ofSeconds(60), "5 s more recorded", () -> recorded(root) >= before + 5000);
                // A run's first segment is re-dated while it is open (the run clock settles on the earliest
                // arrival, store.RunClock); the page and the snapshot must read the same, final, row.
                Poll.until(Duration.ofSeconds(30), "the second run's first segment closed", () -> segments(root)
                        .stream().anyMatch(s -> s.start().isAfter(outageStart) && s.state() == SegmentState.CLOSED));

                List<SegmentRow> segments = segments(root);
                SegmentRow first = segments.get(0);
                String base = web.url();
                try (Browser browser = Browser.start(1280, 900)) {
                    login(browser, base, "canbo1", OPERATOR_PW);
                    browser.driver().get(base + "app/timeline?camera=cam");
                    Poll.until(Duration.ofSeconds(20), "the page loaded the day",
                            () -> "true".equals(browser.js("return document.body.getAttribute('data-ready');")));
                    List<WebElement> gaps = browser.driver().findElements(By.cssSelector("#bar .gap"));
                    assertTrue(gaps.stream().anyMatch(g -> !List.of("not_recording_yet", "recording")
                            .contains(g.getAttribute("data-reason"))), "the outage is a gap on the bar");

                    // click on the bar inside the first recorded span: it plays
                    long clickMs = first.start().toEpochMilli() + 1000;
                    browser.js("var b = document.getElementById('bar'), r = b.getBoundingClientRect();"
                            + "var s = window.nvrTimeline.state, len = 86400000;"
                            + "var d = new Date(s.day); d.setDate(d.getDate() + 1); len = d.getTime() - s.day;"
                            + "b.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.left + (arguments[0] - s.day) / len * r.width,"
                            + " clientY: r.top + 10}));", clickMs);
                    Poll.until(Duration.ofSeconds(20), "the video plays", () -> (Boolean) browser.js(
                            "var v = document.getElementById('video'); return !v.paused && v.currentTime > 0.3;"));

                    // seek to a chosen moment (mid-frame) and compare the picture with the recorder's snapshot
                    String cookie = "nvr_session=" + browser.driver().manage().getCookieNamed("nvr_session").getValue();
                    assertShowsThePictureOf(browser, base, cookie, midFrame(root, first, 2.5));
                    // and across the gap, in the footage after the outage
                    SegmentRow after = segments.stream().filter(s -> s.start().isAfter(outageStart)
                            && s.state() == SegmentState.CLOSED).findFirst().orElseThrow();
                    assertShowsThePictureOf(browser, base, cookie, midFrame(root, after, 1.5));
                    HttpResponse<byte[]> now = http.send(HttpRequest.newBuilder(URI.create(base + "snapshot/cam.jpg?at=now"))
                            .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, now.statusCode(), "at=now: from the segment being written");
                    assertEquals(240, ImageIO.read(new ByteArrayInputStream(now.body())).getHeight());

                    // export the first span's middle from the page
                    browser.js("document.getElementById('from').value = arguments[0];"
                            + "document.getElementById('to').value = arguments[1];"
                            + "document.getElementById('reason').value = 'vụ 7/2026';",
                            clock(first.start().plusSeconds(1)), clock(first.start().plusSeconds(3)));
                    browser.driver().findElement(By.id("export")).click();
                    Poll.until(Duration.ofSeconds(60), "the export's links", () -> !browser.driver()
                            .findElements(By.id("export-manifest")).isEmpty());
                    // the bar zoomed to 2 minutes around the outage, for the README's picture
                    browser.js("window.scrollTo(0, 0); window.nvrTimeline.zoom(4, arguments[0]);",
                            segments.get(segments.size() - 1).start().toEpochMilli());
                    assertTrue(browser.driver().findElements(By.cssSelector("#bar .span")).size() >= 2,
                            "zoomed in, the footage before and after the outage are two spans");
                    browser.screenshot(screenshotPath());
                    String manifestUrl = browser.driver().findElement(By.id("export-manifest")).getAttribute("href");
                    String mp4Url = browser.driver().findElement(By.id("export-mp4")).getAttribute("href");
                    JsonNode manifest = new ObjectMapper().readTree(get(manifestUrl, cookie));
                    assertEquals(sha256(get(mp4Url, cookie)), manifest.get("sha256").asText());
                    assertTrue(manifest.get("segments").size() >= 1);
                    for (JsonNode s : manifest.get("segments")) {
                        assertEquals(s.get("sha256").asText(), SegmentFinisher.sha256(Path.of(s.get("path").asText())));
                    }
                }
                try (Browser viewer = Browser.start(1280, 900)) {
                    login(viewer, base, "xem", VIEWER_PW);
                    viewer.driver().get(base + "app/timeline?camera=cam");
                    Poll.until(Duration.ofSeconds(20), "the page loaded the day",
                            () -> "true".equals(viewer.js("return document.body.getAttribute('data-ready');")));
                    assertFalse(viewer.driver().findElement(By.id("export")).isDisplayed(), "no export button");
                    Object status = viewer.driver().executeAsyncScript("var done = arguments[arguments.length - 1];"
                            + "fetch('/api/export', {method: 'POST', headers: {'Content-Type': 'application/json',"
                            + " 'X-CSRF-Token': document.body.getAttribute('data-csrf')}, body: JSON.stringify({camera: 'cam',"
                            + " from: arguments[0], to: arguments[1]})}).then(function (r) { done(r.status); });",
                            first.start().toString(), first.start().plusSeconds(2).toString());
                    assertEquals(403L, status);
                }
            }
        }
    }

    /**
     * Seeks the page to {@code chosen} (a moment mid-frame) and compares the frame counter of the picture
     * the video shows, drawn to a canvas, with that of the recorder's snapshot of the moment.
     */
    void assertShowsThePictureOf(Browser browser, String base, String cookie, Instant chosen) throws Exception {
        browser.js("document.getElementById('video').pause(); window.nvrTimeline.playFrom(arguments[0], true);",
                chosen.toEpochMilli());
        Poll.until(Duration.ofSeconds(20), "the seek is done", () -> (Boolean) browser.js(
                "var v = document.getElementById('video'); return !v.seeking && v.readyState >= 2"
                        + " && Math.abs(window.nvrTimeline.current() - arguments[0]) < 50;", chosen.toEpochMilli()));
        String png = (String) browser.js("var v = document.getElementById('video');"
                + "var c = document.createElement('canvas'); c.width = v.videoWidth; c.height = v.videoHeight;"
                + "c.getContext('2d').drawImage(v, 0, 0); return c.toDataURL('image/png');");
        assertFalse(browser.driver().findElement(By.id("nofootage")).isDisplayed(), "nothing covers the video");
        int shown = counter(ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode(png.substring(png.indexOf(',') + 1)))));
        HttpResponse<byte[]> snapshot = http.send(HttpRequest.newBuilder(URI.create(base + "snapshot/cam.jpg?at="
                + URLEncoder.encode(chosen.toString(), StandardCharsets.UTF_8))).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, snapshot.statusCode());
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(snapshot.body()));
        assertEquals(320, expected.getWidth());
        assertEquals(counter(expected), shown, "the page shows the picture of " + chosen);
        assertEquals(chosen.toEpochMilli() / 1000, Long.parseLong((String) browser.js(
                "return document.getElementById('clock').getAttribute('data-ms');")) / 1000,
                "the clock shows the chosen second");
    }

    /**
     * The wall-clock moment halfway between the picture shown about {@code seconds} into the segment and
     * the next one (the segment's indexed start is its first picture): far from any picture's edge, so a
     * player showing another picture is wrong by at least half a frame.
     */
    static Instant midFrame(Path root, SegmentRow segment, double seconds) throws Exception {
        List<Double> times = new java.util.ArrayList<>(MediaProbe.pictureTimes(root.resolve(segment.path())));
        java.util.Collections.sort(times);
        int k = 0;
        while (k + 2 < times.size() && times.get(k + 1) - times.get(0) <= seconds) {
            k++;
        }
        double mid = (times.get(k) + times.get(k + 1)) / 2 - times.get(0);
        return segment.start().plusNanos(Math.round(mid * 1e9));
    }

    static Path screenshotPath() {
        Path repo = Path.of("").toAbsolutePath();
        if (repo.getFileName().toString().equals("recorder-core")) {
            repo = repo.getParent();
        }
        return repo.resolve("docs/screenshots/timeline.png");
    }

    static String clock(Instant t) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(java.time.ZoneId.systemDefault()).format(t);
    }

    static int counter(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ByteBuffer luma = ByteBuffer.allocate(w * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                luma.put(y * w + x, (byte) ((((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff)) / 3));
            }
        }
        return SyntheticClip.frameNumberOf(luma, w, w, h);
    }

    byte[] get(String url, String cookie) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    static void login(Browser browser, String base, String user, String password) throws InterruptedException {
        browser.driver().get(base);
        browser.driver().findElement(By.name("username")).sendKeys(user);
        browser.driver().findElement(By.name("password")).sendKeys(password);
        browser.driver().findElement(By.cssSelector("form[action='/login'] button, form[action='/login'] [type=submit]")).click();
        try {
            Poll.until(Duration.ofSeconds(10), "logged in", () -> browser.driver().manage().getCookieNamed("nvr_session") != null);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the page at " + browser.driver().getCurrentUrl() + ": "
                    + browser.driver().getPageSource(), e);
        }
    }

    static List<SegmentRow> segments(Path root) {
        return segments(root, "cam");
    }

    static List<SegmentRow> segments(Path root, String camera) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60));
        } catch (Exception e) {
            return List.of();
        }
    }

    /** Milliseconds of footage indexed so far (an open segment counts up to now). */
    static long recorded(Path root) {
        long ms = 0;
        for (SegmentRow s : segments(root)) {
            ms += Duration.between(s.start(), s.end() == null ? Instant.now() : s.end()).toMillis();
        }
        return ms;
    }

    static long closed(Path root) {
        return segments(root).stream().filter(s -> s.state() == SegmentState.CLOSED).count();
    }

    static long openSegments(Path root) {
        return segments(root).stream().filter(s -> s.state() == SegmentState.OPEN).count();
    }
}
