package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.BasicAuth;
import org.nvr.testing.Browser;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.openqa.selenium.By;

/**
 * H.265 footage (gst-rtsp-server's H.265 with B-frames, recorded by the recorder): the playback MP4
 * carries the segments' hvc1 sample entry and decodes with the index's frame count; Debian's chromium
 * cannot decode H.265, so the timeline shows the still of the moment clicked, at the camera's size.
 */
class H265PlaybackTest {
    static final String OPERATOR_PW = "canbo-mat-khau";

    @TempDir
    Path dir;

    @Test
    void h265PlaysBackAsHvc1AndTheTimelineShowsAStillWhereTheBrowserCannotDecodeIt() throws Exception {
        Path root = dir.resolve("storage");
        try (GstRtspServer gst = GstRtspServer.start()) {
            NvrConfig config = ConfigLoader.parse("storage: { root: " + root + ", segment_seconds: 2 }\n"
                    + "sites: [ { id: xa1, cameras: [ { id: h265, url: \"" + gst.url(GstRtspServer.H265_BFRAMES)
                    + "\" } ] } ]\nweb:\n  listen: 127.0.0.1:0\n  users:\n    - {name: canbo1, role: operator, password_hash: \""
                    + BasicAuth.hash(OPERATOR_PW.toCharArray(), 1000) + "\"}\n", Map.of());
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults());
                 WebServer web = WebServer.start(config, recorder.index(), WebServer.Options.DEFAULT)) {
                Poll.until(Duration.ofSeconds(30), "two closed segments", () -> TimelineBrowserTest.segments(root, "h265")
                        .stream().filter(s -> s.state() == SegmentState.CLOSED).count() >= 2);
                List<SegmentRow> closed = TimelineBrowserTest.segments(root, "h265").stream()
                        .filter(s -> s.state() == SegmentState.CLOSED).toList();
                SegmentRow a = closed.get(0);
                SegmentRow b = closed.get(1);
                String base = web.url();
                try (Browser browser = Browser.start(1280, 900)) {
                    TimelineBrowserTest.login(browser, base, "canbo1", OPERATOR_PW);
                    String cookie = "nvr_session=" + browser.driver().manage().getCookieNamed("nvr_session").getValue();
                    HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base
                            + "playback/h265.mp4?from=" + URLEncoder.encode(a.start().toString(), StandardCharsets.UTF_8)
                            + "&to=" + URLEncoder.encode(b.end().toString(), StandardCharsets.UTF_8)))
                            .header("Cookie", cookie).build(), HttpResponse.BodyHandlers.ofByteArray());
                    assertEquals(200, r.statusCode());
                    Path mp4 = dir.resolve("h265.mp4");
                    Files.write(mp4, r.body());
                    MediaProbe.StreamInfo video = MediaProbe.streams(mp4).get(0);
                    assertEquals("hevc", video.codecName());
                    assertEquals("hvc1", video.codecTag());
                    assertEquals(a.frames() + b.frames(), MediaProbe.frameCount(mp4));
                    assertEquals(List.of(), MediaProbe.decodeErrors(mp4));

                    browser.driver().get(base + "app/timeline?camera=h265");
                    Poll.until(Duration.ofSeconds(20), "the page loaded the day",
                            () -> "true".equals(browser.js("return document.body.getAttribute('data-ready');")));
                    browser.js("window.nvrTimeline.playFrom(arguments[0]);", a.start().plusMillis(500).toEpochMilli());
                    Poll.until(Duration.ofSeconds(20), "the still", () -> ((Number) browser.js(
                            "var i = document.querySelector('#nofootage img'); return i && i.complete ? i.naturalWidth : 0;"))
                            .intValue() > 0);
                    assertEquals((long) a.width(), ((Number) browser.js(
                            "return document.querySelector('#nofootage img').naturalWidth;")).longValue());
                    assertTrue(browser.driver().findElement(By.id("nofootage")).getText().contains("H.265"));
                }
            }
        }
    }
}
