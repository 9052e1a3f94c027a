package org.nvr.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.BasicAuth;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.Browser;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.Poll;

/**
 * The timeline page (Debian's chromium) over footage recorded across midnight (four 3 s segments,
 * 23:59:54 to 00:00:06 in the machine's time zone, which the browser shares): playback runs on past
 * midnight and the bar follows to the next day; the end of the footage after midnight does not send the
 * player back to midnight; the day before, picked in the date field, and a click on its bar seek back
 * before midnight. All without reloading the page (a mark left in the page's window stays).
 */
class TimelineMidnightTest {
    private static final String PASSWORD = "xem-camera-1";

    @TempDir
    Path dir;

    private IndexWriter writer;
    private WebServer server;

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
    void playbackRunsOnAndSeeksAcrossMidnightWithoutReloadingThePage() throws Exception {
        ZoneId zone = ZoneId.systemDefault();
        LocalDate day = LocalDate.now(zone).minusDays(2);
        Instant midnight = day.plusDays(1).atStartOfDay(zone).toInstant();
        Path root = dir.resolve("storage");
        NvrConfig config = ConfigLoader.parse("storage: { root: " + root + " }\n"
                + "sites: [ { id: xa1, cameras: [ { id: c1, url: \"rtsp://cam/x\" } ] } ]\n"
                + "web:\n  listen: 127.0.0.1:0\n  users:\n"
                + "    - {name: xem, role: viewer, password_hash: \"" + BasicAuth.hash(PASSWORD.toCharArray(), 1000)
                + "\"}\n", Map.of());
        writer = IndexWriter.open(config.storage().indexPath());
        Path clip = dir.resolve("clip.mp4");
        FragmentedMp4.write(clip, 3);
        for (int start = -6; start < 6; start += 3) {
            Instant t = midnight.plusSeconds(start);
            String rel = "footage/xa1/c1/" + DateTimeFormatter.ofPattern("yyyy/MM/dd/yyyyMMdd'T'HHmmss'Z'.'mp4'")
                    .withZone(java.time.ZoneOffset.UTC).format(t);
            Path file = root.resolve(rel);
            Files.createDirectories(file.getParent());
            Files.copy(clip, file);
            long id = writer.openSegment(null, "xa1", "c1", rel, t, "h264", 160, 120, null).get();
            writer.closeSegment(id, t.plusSeconds(3), Duration.ofSeconds(3), Files.size(file), 75L,
                    SegmentFinisher.sha256(file)).get();
        }
        server = WebServer.start(config, writer, WebServer.Options.DEFAULT);
        String base = server.url();
        try (Browser browser = Browser.start(1280, 900)) {
            TimelineBrowserTest.login(browser, base, "xem", PASSWORD);
            browser.driver().get(base + "app/timeline?camera=c1&at=" + midnight.minusSeconds(5));
            Poll.until(Duration.ofSeconds(20), "the page loaded the day",
                    () -> "true".equals(browser.js("return document.body.getAttribute('data-ready');")));
            assertEquals(day.toString(), shownDay(browser));
            browser.js("window.nvrNotReloaded = true;");

            // play from 2 s before midnight: it plays on into the next day, and the bar goes with it
            browser.js("window.nvrTimeline.playFrom(arguments[0]);", midnight.minusSeconds(2).toEpochMilli());
            Poll.until(Duration.ofSeconds(30), "the picture of 00:00:01", () -> wall(browser) >= midnight.plusSeconds(1)
                    .toEpochMilli());
            browser.js("document.getElementById('video').pause();"
                    + "window.nvrSeeks = []; document.getElementById('video').addEventListener('seeking',"
                    + " function () { window.nvrSeeks.push(window.nvrTimeline.current()); });");
            Poll.until(Duration.ofSeconds(10), "the bar shows the next day", () -> day.plusDays(1).toString()
                    .equals(shownDay(browser)));
            assertTrue(clockText(browser).startsWith(day.plusDays(1).toString()), clockText(browser));

            // the footage ends at 00:00:06: the player stops there, it does not go back to midnight
            browser.js("document.getElementById('video').play();");
            Poll.until(Duration.ofSeconds(30), "'no footage' after the end", () -> (Boolean) browser.js(
                    "return !document.getElementById('nofootage').hidden;"));
            @SuppressWarnings("unchecked")
            java.util.List<Number> seeks = (java.util.List<Number>) browser.js("return window.nvrSeeks;");
            for (Number seek : seeks) {
                assertTrue(seek == null || seek.longValue() >= midnight.plusSeconds(1).toEpochMilli(),
                        "after the end the player went back to " + Instant.ofEpochMilli(seek.longValue()));
            }

            // back to the day before (the date field) and a click on its bar at 23:59:55: that moment plays
            browser.js("var d = document.getElementById('day'); d.value = arguments[0];"
                    + " d.dispatchEvent(new Event('change'));", day.toString());
            Poll.until(Duration.ofSeconds(10), "the bar shows the day before", () -> day.toString().equals(shownDay(browser))
                    && (Long) browser.js("return window.nvrTimeline.state.segments.length;") > 0);
            long target = midnight.minusSeconds(5).toEpochMilli();
            browser.js("var b = document.getElementById('bar'), r = b.getBoundingClientRect();"
                    + "window.nvrTimeline.zoom(4, arguments[0]);"
                    + "var v = window.nvrTimeline.state.view;"
                    + "b.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: r.left + (arguments[0] - v.start)"
                    + " / v.len * r.width, clientY: r.top + 10}));", target);
            Poll.until(Duration.ofSeconds(20), "playing from 23:59:55", () -> {
                long w = wall(browser);
                return w >= target - 1000 && w < midnight.toEpochMilli();
            });
            assertEquals(day.toString(), shownDay(browser));
            assertEquals(Boolean.TRUE, browser.js("return window.nvrNotReloaded === true;"), "the page was not reloaded");
            ZonedDateTime shown = Instant.ofEpochMilli(wall(browser)).atZone(zone);
            assertEquals(day, shown.toLocalDate());
        }
    }

    /** The wall-clock time of the picture shown, from the index (the page's own mapping), or -1. */
    private static long wall(Browser browser) {
        Object w = browser.js("var w = window.nvrTimeline.current(); return w === null ? -1 : Math.round(w);");
        return w instanceof Number n ? n.longValue() : -1;
    }

    private static String shownDay(Browser browser) {
        return (String) browser.js("return document.getElementById('day').value;");
    }

    private static String clockText(Browser browser) {
        return (String) browser.js("return document.getElementById('clock').textContent;");
    }
}
