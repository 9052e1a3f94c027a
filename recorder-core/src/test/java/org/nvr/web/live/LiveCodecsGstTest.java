package org.nvr.web.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.metrics.BasicAuth;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.nvr.web.WebServer;

/**
 * Live view of what GStreamer's RTSP server (an independent implementation) sends: H.264 with AAC,
 * H.264 with G.711 (transcoded to AAC by the recorder) and H.265. What the WebSocket carries must
 * decode with its sound, in sync with the pictures.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveCodecsGstTest {
    @TempDir
    static Path root;
    GstRtspServer gst;
    Recorder recorder;
    WebServer web;
    String cookie;

    @BeforeAll
    void start() throws Exception {
        gst = GstRtspServer.start();
        NvrConfig config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                + "sites: [ { id: gst, cameras: [\n"
                + "  { id: aac, url: \"" + gst.url(GstRtspServer.H264_AAC) + "\" },\n"
                + "  { id: alaw, url: \"" + gst.url(GstRtspServer.H264_ALAW) + "\" },\n"
                + "  { id: bframes, url: \"" + gst.url(GstRtspServer.H264_BFRAMES) + "\" },\n"
                + "  { id: hevc, url: \"" + gst.url(GstRtspServer.H265) + "\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash("pw".toCharArray(), 1000)
                + "\"}\n", Map.of());
        recorder = Recorder.start(config, Recorder.Options.defaults());
        web = WebServer.start(config, recorder.index(), WebServer.Options.DEFAULT, recorder.live());
        Poll.until(Duration.ofSeconds(30), "all recording", () -> recorder.statuses().stream()
                .allMatch(s -> s.current() == CameraState.RECORDING));
        var login = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(URI.create(web.url() + "login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("username=xem&password=pw")).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
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
        if (gst != null) {
            gst.close();
        }
    }

    /** About two seconds of the camera's live view, as a file. */
    Path watch(String camera, Path dir, List<Object> messages) throws Exception {
        org.nvr.testing.WsClient r = org.nvr.testing.WsClient.open(web.url(), "/live/" + camera, cookie);
        Poll.until(Duration.ofSeconds(20), camera + ": two seconds of pictures", () -> r.binaryCount() >= 51);
        r.abort();
        messages.addAll(r.messages);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        r.messages.stream().skip(1).forEach(x -> all.writeBytes((byte[]) x));
        Path file = dir.resolve(camera + ".mp4");
        Files.write(file, all.toByteArray());
        return file;
    }

    @Test
    void aacAndTranscodedG711ComeWithThePictures(@TempDir Path dir) throws Exception {
        for (String camera : List.of("aac", "alaw")) {
            List<Object> m = new java.util.ArrayList<>();
            Path file = watch(camera, dir, m);
            assertTrue(((String) m.get(0)).matches("video/mp4; codecs=\"avc1\\.[0-9a-f]{6}, mp4a\\.40\\.2\""),
                    camera + ": " + m.get(0));
            assertEquals(List.of(), MediaProbe.decodeErrors(file), camera);
            List<MediaProbe.Packet> audio = MediaProbe.audioPackets(file);
            List<MediaProbe.Packet> video = MediaProbe.videoPackets(file);
            assertTrue(audio.size() > 20, camera + ": sound, " + audio.size() + " frames");
            // in sync: the sound covers the same stretch of time as the pictures, within a fraction of a second
            double v0 = video.get(0).dtsTime();
            double v1 = video.get(video.size() - 1).dtsTime();
            assertTrue(Math.abs(audio.get(audio.size() - 1).dtsTime() - v1) < 0.3,
                    camera + ": audio ends at " + audio.get(audio.size() - 1).dtsTime() + ", video at " + v1);
            assertTrue(audio.get(0).dtsTime() > v0 - 0.3, camera + ": audio starts with the first picture");
        }
    }

    @Test
    void whereTheBrowserCannotPlayH265TheTileSaysSoAndShowsAStill() throws Exception {
        try (org.nvr.testing.Browser browser = org.nvr.testing.Browser.start(1280, 800)) {
            var d = browser.driver();
            d.get(web.url());
            d.findElement(org.openqa.selenium.By.id("username")).sendKeys("xem");
            d.findElement(org.openqa.selenium.By.id("password")).sendKeys("pw");
            d.findElement(org.openqa.selenium.By.cssSelector("form[action='/login'] button")).click();
            Poll.until(Duration.ofSeconds(20), "the H.264 tile plays", () -> LiveViewTest.number(browser,
                    "const v = document.querySelector('.tile[data-camera=aac] video'); return v ? v.currentTime : 0;") > 0.5);
            boolean playable = Boolean.TRUE.equals(browser.js(
                    "return MediaSource.isTypeSupported('video/mp4; codecs=\"hvc1.1.6.L93.B0\"');"));
            if (playable) {
                Poll.until(Duration.ofSeconds(20), "the H.265 tile plays", () -> LiveViewTest.number(browser,
                        "return document.querySelector('.tile[data-camera=hevc] video').currentTime;") > 0.5);
            } else {
                Poll.until(Duration.ofSeconds(20), "the H.265 tile says why and shows a still", () -> String.valueOf(
                        browser.js("const t = document.querySelector('.tile[data-camera=hevc]');"
                                + " return t.querySelector('.note').textContent + ' ' + t.querySelector('img').src;"))
                        .matches("Trình duyệt này không phát được H\\.265.* http://.*/snapshot/hevc\\.jpg\\?at=now&t=\\d+"));
                assertEquals(true, browser.js("return document.querySelector('.tile[data-camera=hevc] video').hidden;"));
            }
            // A click shows one camera large, with its sound.
            d.findElement(org.openqa.selenium.By.cssSelector(".tile[data-camera=aac]")).click();
            Poll.until(Duration.ofSeconds(20), "the large view plays", () -> LiveViewTest.number(browser,
                    "const v = document.querySelector('main.big .tile[data-camera=aac] video');"
                            + " return v ? v.currentTime : 0;") > 0.5);
            assertEquals(1L, browser.js("return document.querySelectorAll('.tile').length;"));
            assertEquals(false, browser.js("return document.querySelector('.tile video').muted;"));
        }
    }

    @Test
    void bFramesArriveInDecodeOrderAndAreShownInPresentationOrder(@TempDir Path dir) throws Exception {
        Path file = watch("bframes", dir, new java.util.ArrayList<>());
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
        assertTrue(packets.stream().anyMatch(p -> p.ptsTime() > p.dtsTime() + 0.001), "reordered pictures");
        List<Double> shown = MediaProbe.pictureTimes(file);
        for (int i = 1; i < shown.size(); i++) {
            assertEquals(0.04, shown.get(i) - shown.get(i - 1), 0.002, "picture " + i + " shown 40 ms after the one before");
        }
    }

    @Test
    void h265IsSentAsHvc1(@TempDir Path dir) throws Exception {
        List<Object> m = new java.util.ArrayList<>();
        Path file = watch("hevc", dir, m);
        assertTrue(((String) m.get(0)).startsWith("video/mp4; codecs=\"hvc1."), (String) m.get(0));
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        assertEquals("hevc", MediaProbe.streams(file).get(0).codecName());
        assertTrue(MediaProbe.videoPackets(file).get(0).keyframe());
    }
}
