package org.nvr.web.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.metrics.BasicAuth;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Browser;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.nvr.testing.WsClient;
import org.nvr.web.WebServer;
import org.openqa.selenium.By;

/**
 * Live view end to end: the recorder records the simulator, the web server serves {@code /live/cam1}
 * over real HTTP, and what a WebSocket client (and a real browser) receives is checked by decoding it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveViewTest {
    static final String PASSWORD = "mat-khau-xem";
    static final int WIDTH = 640;
    static final int HEIGHT = 360;

    @TempDir
    static Path root;
    RtspCameraSimulator sim;
    Recorder recorder;
    NvrConfig config;
    WebServer web;
    HttpClient http = HttpClient.newHttpClient();
    String cookie;

    @BeforeAll
    void start() throws Exception {
        sim = new RtspCameraSimulator();
        sim.addCamera("cam1", SyntheticClip.generate(WIDTH, HEIGHT, 25, 25, 250, 800_000));
        sim.start();
        config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                + "sites: [ { id: xa1, name: \"Thôn Đồng Bãi\", cameras: [ { id: cam1, name: \"Cổng UBND\", url: \"" + sim.url("cam1")
                + "\", location: \"Đường vào xã\" } ] },\n"
                + "  { id: xa2, name: \"Xã Lương Sơn\", cameras: [ { id: cam2, name: \"Cầu Suối\", url: \"rtsp://127.0.0.1:1/down\","
                + " location: \"Thôn 3\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(PASSWORD.toCharArray(), 1000)
                + "\"}\n", Map.of());
        recorder = Recorder.start(config, Recorder.Options.defaults());
        web = WebServer.start(config, recorder.index(), WebServer.Options.DEFAULT, recorder.live());
        awaitRecording();
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(web.url() + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("username=xem&password="
                        + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode());
        cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    @AfterAll
    void stop() {
        if (web != null) {
            web.close();
        }
        if (recorder != null) {
            recorder.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    void awaitRecording() throws InterruptedException {
        Poll.until(Duration.ofSeconds(20), "cam1 recording",
                () -> recorder.statuses().get(0).current() == CameraState.RECORDING); // cam1
    }

    WsClient connect(String camera, String cookie, String origin) throws Exception {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (cookie != null) {
            headers.put("Cookie", cookie);
        }
        if (origin != null) {
            headers.put("Origin", origin);
        }
        return WsClient.open(web.url(), "/live/" + camera, headers, 0, WsClient.Pace.EAGER);
    }

    int refusal(String camera, String cookie, String origin) throws Exception {
        try {
            connect(camera, cookie, origin).abort();
            return 101;
        } catch (WsClient.Refused e) {
            return e.status;
        }
    }

    @Test
    @Order(1)
    void refusedWithoutASessionForAnotherSiteAndForAnUnknownCamera() throws Exception {
        assertEquals(401, refusal("cam1", null, null));
        assertEquals(401, refusal("cam1", "nvr_session=" + "A".repeat(43), null));
        assertEquals(403, refusal("cam1", cookie, "http://evil.example"));
        assertEquals(404, refusal("nope", cookie, null));
        assertEquals(0, recorder.live().viewers());
    }

    @Test
    @Order(2)
    void theCodecThenTheInitThenFragmentsThatDecodeAtTheCamerasSize(@TempDir Path dir) throws Exception {
        awaitRecording();
        WsClient r = connect("cam1", cookie, web.url().replaceAll("/$", ""));
        Poll.until(Duration.ofSeconds(20), "two seconds of pictures", () -> r.binaryCount() >= 51);
        assertEquals(1, recorder.live().viewers());
        r.close(1000);
        assertEquals(1000, r.closed.get(5, TimeUnit.SECONDS), "the server answers the close");
        Poll.until(Duration.ofSeconds(5), "the viewer left", () -> recorder.live().viewers() == 0);

        List<Object> m = List.copyOf(r.messages);
        assertTrue(m.get(0) instanceof String, "a text message first: " + m.get(0));
        assertTrue(((String) m.get(0)).startsWith("video/mp4; codecs=\"avc1."), (String) m.get(0));
        byte[] init = (byte[]) m.get(1);
        assertEquals("ftyp", new String(init, 4, 4, StandardCharsets.US_ASCII));
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        m.stream().skip(1).forEach(x -> all.writeBytes((byte[]) x));
        Path mp4 = dir.resolve("live.mp4");
        Files.write(mp4, all.toByteArray());
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
        MediaProbe.StreamInfo video = MediaProbe.streams(mp4).get(0);
        assertEquals(WIDTH, video.width());
        assertEquals(HEIGHT, video.height());
        List<MediaProbe.Packet> packets = MediaProbe.videoPackets(mp4);
        assertEquals(m.size() - 2, packets.size(), "one picture per fragment");
        assertTrue(packets.get(0).keyframe(), "starts at a keyframe");
        for (int i = 1; i < packets.size(); i++) {
            assertEquals(0.04, packets.get(i).dtsTime() - packets.get(i - 1).dtsTime(), 0.002, "picture " + i);
        }
    }

    @Test
    @Order(3)
    void theWallPlaysTheCameraInARealBrowser() throws Exception {
        awaitRecording();
        try (Browser browser = Browser.start(1280, 800)) {
            var d = browser.driver();
            d.get(web.url());
            d.findElement(By.id("username")).sendKeys("xem");
            d.findElement(By.id("password")).sendKeys(PASSWORD);
            d.findElement(By.cssSelector("form[action='/login'] button, form[action='/login'] input[type=submit]")).click();
            Poll.until(Duration.ofSeconds(20), "the tile's video plays", () -> number(browser,
                    "const v = document.querySelector('.tile[data-camera=cam1] video'); return v ? v.currentTime : 0;") > 0.5);
            double t0 = number(browser, "return document.querySelector('.tile video').currentTime;");
            Poll.until(Duration.ofSeconds(10), "currentTime advances", () -> number(browser,
                    "return document.querySelector('.tile video').currentTime;") > t0 + 0.5);
            assertEquals(WIDTH, (long) number(browser, "return document.querySelector('.tile video').videoWidth;"));
            assertEquals("Cổng UBND", browser.js("return document.querySelector('.tile .name').textContent;"));
            Poll.until(Duration.ofSeconds(10), "the badge says recording", () -> "đang ghi".equals(
                    browser.js("return document.querySelector('.tile[data-camera=cam1] .badge').textContent;")));
            Poll.until(Duration.ofSeconds(20), "the other camera's badge says why it is down", () -> String.valueOf(
                    browser.js("return document.querySelector('.tile[data-camera=cam2] .badge').textContent;"))
                    .matches("mất tín hiệu từ \\d\\d:\\d\\d: camera từ chối kết nối"));
            // the site drop-down lists the sites by name, each fitting its box
            assertEquals(List.of("", "xa1", "xa2"), browser.js(
                    "return [...document.querySelectorAll('#site option')].map(o => o.value);"));
            assertEquals("Thôn Đồng Bãi", browser.js("return document.querySelector('#site option[value=xa1]').textContent;"));
            browser.screenshot(Path.of(System.getProperty("nvr.screenshots", "target/screenshots"), "live-wall.png"));
        }
        Poll.until(Duration.ofSeconds(10), "the browser's viewer left", () -> recorder.live().viewers() == 0);
    }

    static double number(Browser browser, String script) {
        Object v = browser.js(script);
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    @Test
    @Order(4)
    void oneBrowserMayWatchASixteenTileWall() throws Exception {
        awaitRecording();
        List<WsClient> received = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                received.add(connect("cam1", cookie, null));
            }
            Poll.until(Duration.ofSeconds(20), "every tile gets pictures",
                    () -> received.stream().allMatch(r -> r.binaryCount() >= 3));
            assertEquals(16, recorder.live().viewers());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(web.url() + "api/cameras"))
                    .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                    "and the page still gets its answers");
        } finally {
            received.forEach(WsClient::abort);
        }
        Poll.until(Duration.ofSeconds(10), "the viewers left", () -> recorder.live().viewers() == 0);
    }

    /**
     * Many viewers coming and going at once (a wall paging, tabs reloading and closing) against the live
     * fan-out's join, skip-ahead and leave paths, each read by {@link WsClient} (every frame checked strictly,
     * so a framing fault is the server's), every other one slowly through a small window so that the server's
     * writes are partial and its socket at times unwritable. Each must get the codec text, an init segment,
     * then fragments of one moof and one mdat whose sequence numbers rise, and leave cleanly (its close
     * answered, or its connection dropped); each client's longest stream must decode, one picture per
     * fragment, from a keyframe.
     */
    @Test
    @Order(4)
    void viewersComingAndGoingAtOnceEachGetAWellFormedStreamThatDecodes(@TempDir Path dir) throws Exception {
        awaitRecording();
        int clients = 6;
        int visits = 8;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(clients);
        try {
            List<java.util.concurrent.Future<List<List<Object>>>> done = new java.util.ArrayList<>();
            for (int c = 0; c < clients; c++) {
                java.util.Random random = new java.util.Random(c);
                done.add(pool.submit(() -> {
                    List<List<Object>> streams = new java.util.ArrayList<>();
                    for (int v = 0; v < visits; v++) {
                        boolean slow = v % 2 == 1;
                        int pictures = 1 + random.nextInt(40); // up to 1.6 s: across keyframes
                        try (WsClient ws = WsClient.open(web.url(), "/live/cam1", Map.of("Cookie", cookie),
                                slow ? 4096 : 0, slow ? new WsClient.Pace(Duration.ofMillis(500), Duration.ofMillis(30))
                                        : WsClient.Pace.EAGER)) {
                            Poll.until(Duration.ofSeconds(20), pictures + " pictures",
                                    () -> ws.closed.isDone() || ws.binaryCount() > pictures);
                            assertTrue(!ws.closed.isDone(), () -> "closed early: " + ws.closed.handle(
                                    (code, e) -> e != null ? e.toString() : "code " + code).join());
                            if (random.nextBoolean()) {
                                ws.close(1001); // the page goes away
                                assertEquals(1001, ws.closed.get(10, TimeUnit.SECONDS), "the close answered");
                            }
                            streams.add(List.copyOf(ws.messages));
                        }
                    }
                    return streams;
                }));
            }
            for (var f : done) {
                List<List<Object>> streams = f.get(120, TimeUnit.SECONDS);
                for (List<Object> m : streams) {
                    assertEquals(List.of(), liveStreamFaults(m), "what a viewer received");
                }
                List<Object> longest = streams.stream().max(java.util.Comparator.comparingInt(List::size)).orElseThrow();
                Path mp4 = dir.resolve("viewer-" + done.indexOf(f) + ".mp4");
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                longest.stream().skip(1).forEach(x -> all.writeBytes((byte[]) x));
                Files.write(mp4, all.toByteArray());
                assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
                List<MediaProbe.Packet> packets = MediaProbe.videoPackets(mp4);
                assertEquals(longest.size() - 2, packets.size(), "one picture per fragment");
                assertTrue(packets.get(0).keyframe(), "starts at a keyframe");
            }
        } finally {
            pool.shutdownNow();
        }
        Poll.until(Duration.ofSeconds(10), "the viewers left", () -> recorder.live().viewers() == 0);
    }

    /**
     * What is wrong with one live socket's messages: the codec text, an init segment (ftyp, moov), then
     * fragments (moof, mdat) whose boxes fill the message and whose sequence numbers rise. Empty when right.
     */
    static List<String> liveStreamFaults(List<Object> messages) {
        List<String> faults = new java.util.ArrayList<>();
        long lastSequence = -1;
        for (int i = 0; i < messages.size(); i++) {
            Object x = messages.get(i);
            if (i == 0) {
                if (!(x instanceof String s) || !s.startsWith("video/mp4; codecs=")) {
                    faults.add("the first message is not the codec text: " + x);
                }
                continue;
            }
            if (!(x instanceof byte[] m)) {
                faults.add("message " + i + " is text");
                continue;
            }
            List<String> boxes = new java.util.ArrayList<>();
            long sequence = -1;
            int at = 0;
            while (at + 8 <= m.length) {
                long size = ByteBuffer.wrap(m, at, 4).getInt() & 0xffffffffL;
                String type = new String(m, at + 4, 4, StandardCharsets.ISO_8859_1);
                if (size < 8 || size > m.length - at) {
                    faults.add("message " + i + ": box " + type + " of " + size + " bytes at " + at + " of " + m.length);
                    break;
                }
                if (type.equals("moof") && size >= 24
                        && "mfhd".equals(new String(m, at + 12, 4, StandardCharsets.ISO_8859_1))) {
                    sequence = ByteBuffer.wrap(m, at + 20, 4).getInt() & 0xffffffffL;
                }
                boxes.add(type);
                at += (int) size;
            }
            if (at != m.length) {
                faults.add("message " + i + ": its boxes end at " + at + " of " + m.length);
            } else if (i == 1 ? !boxes.equals(List.of("ftyp", "moov")) : !boxes.equals(List.of("moof", "mdat"))) {
                faults.add("message " + i + " is " + boxes);
            } else if (i > 1 && sequence <= lastSequence) {
                faults.add("message " + i + ": sequence " + sequence + " after " + lastSequence);
            } else {
                lastSequence = sequence;
            }
        }
        return faults;
    }

    @Test
    @Order(5)
    void aNewResolutionMidStreamComesAsANewCodecAndInit(@TempDir Path dir) throws Exception {
        awaitRecording();
        WsClient r = connect("cam1", cookie, null);
        Poll.until(Duration.ofSeconds(20), "pictures", () -> r.binaryCount() >= 3);
        sim.camera("cam1").switchClip(SyntheticClip.generate(320, 240, 25, 25, 100, 300_000));
        Poll.until(Duration.ofSeconds(20), "a second codec message and pictures after it", () -> {
            List<Object> m = List.copyOf(r.messages);
            int second = java.util.stream.IntStream.range(1, m.size()).filter(i -> m.get(i) instanceof String)
                    .findFirst().orElse(-1);
            return second > 0 && m.size() - second > 10;
        });
        r.abort();
        List<Object> m = List.copyOf(r.messages);
        int second = java.util.stream.IntStream.range(1, m.size()).filter(i -> m.get(i) instanceof String)
                .findFirst().orElseThrow();
        ByteArrayOutputStream after = new ByteArrayOutputStream();
        m.stream().skip(second + 1).forEach(x -> after.writeBytes((byte[]) x));
        Path mp4 = dir.resolve("after.mp4");
        Files.write(mp4, after.toByteArray());
        assertEquals(List.of(), MediaProbe.decodeErrors(mp4));
        assertEquals(320, MediaProbe.streams(mp4).get(0).width());
        assertTrue(MediaProbe.videoPackets(mp4).get(0).keyframe());
    }

    @Test
    @Order(6)
    void loggingOutClosesTheLiveSockets() throws Exception {
        awaitRecording();
        // a server whose sessions idle out after 2 s: the live sockets look at their session every second
        try (WebServer quick = WebServer.start(config, recorder.index(),
                WebServer.Options.DEFAULT.withSessions(Duration.ofSeconds(2), Duration.ofHours(1)), recorder.live())) {
            String base = quick.url();
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("username=xem&password="
                            + URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            String session = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
            WsClient r = WsClient.open(base, "/live/cam1", session);
            Poll.until(Duration.ofSeconds(20), "pictures", () -> r.binaryCount() >= 3);
            Thread.sleep(3000); // longer than the idle limit: watching keeps the session in use
            assertTrue(!r.closed.isDone(), "still open while watching");
            String csrf = http.send(HttpRequest.newBuilder(URI.create(base + "api/session")).header("Cookie", session)
                    .build(), HttpResponse.BodyHandlers.ofString()).body()
                    .replaceAll("(?s).*\"csrf_token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            assertEquals(303, http.send(HttpRequest.newBuilder(URI.create(base + "logout")).header("Cookie", session)
                    .header("X-CSRF-Token", csrf).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode());
            assertEquals(1008, r.closed.get(10, TimeUnit.SECONDS), "policy violation: logged out");
        }
        Poll.until(Duration.ofSeconds(5), "the viewer left", () -> recorder.live().viewers() == 0);
    }

    @Test
    @Order(7)
    void theCameraStoppingClosesTheSocketCleanly() throws Exception {
        awaitRecording();
        WsClient r = connect("cam1", cookie, null);
        Poll.until(Duration.ofSeconds(20), "pictures", () -> r.binaryCount() >= 3);
        sim.camera("cam1").dropSessions();
        assertEquals(1001, r.closed.get(20, TimeUnit.SECONDS), "going away: camera stopped");
        Poll.until(Duration.ofSeconds(5), "the viewer left", () -> recorder.live().viewers() == 0);
    }
}
