package org.nvr.footage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;

/**
 * Gaps and uptime on an index written as the recorder writes it: a run, an outage, a shutdown, a run
 * whose footage retention removed, and a run still going on.
 */
class GapsAndUptimeTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    IndexWriter w;

    @BeforeEach
    void history() throws Exception {
        w = IndexWriter.open(dir.resolve("index.db"));
        // 07:00-07:10 recorded; 07:10-07:12 unreachable; 07:12-07:20 recorded then shutdown;
        // 07:30-07:40 recorded but its footage deleted; 07:40- recording now (open segment)
        run(T0, T0.plusSeconds(600), "eof", true);
        long o = w.openOutage("s", "cam", T0.plusSeconds(600), "refused", null).get();
        w.updateOutage(o, "unreachable", "no route to host").get();
        w.closeOutage(o, T0.plusSeconds(720)).get();
        run(T0.plusSeconds(720), T0.plusSeconds(1200), "shutdown", true);
        run(T0.plusSeconds(1800), T0.plusSeconds(2400), "eof", false);
        long live = w.startRun("s", "cam", T0.plusSeconds(2400), "h264", 1, 1, null).get();
        w.openSegment(live, "s", "cam", "cam/live.mp4", T0.plusSeconds(2400), "h264", 1, 1, null).get();
    }

    private void run(Instant start, Instant end, String reason, boolean footage) throws Exception {
        long run = w.startRun("s", "cam", start, "h264", 1, 1, null).get();
        if (footage) {
            for (Instant s = start; s.isBefore(end); s = s.plusSeconds(60)) {
                long id = w.openSegment(run, "s", "cam", "cam/" + s.toEpochMilli() + ".mp4", s, "h264", 1, 1, null).get();
                w.closeSegment(id, s.plusSeconds(60), Duration.ofSeconds(60), 1, 1L, "ab").get();
            }
        }
        w.endRun(run, end, reason, null).get();
    }

    @AfterEach
    void close() {
        w.close();
    }

    @Test
    void gapsCarryTheReasonTheRecorderNoted() throws Exception {
        Instant now = T0.plusSeconds(2700);
        List<Gap> gaps = w.submit(c -> FootageGaps.find(c, "cam", T0.minusSeconds(300), T0.plusSeconds(9000), now)).get();
        assertEquals(List.of("not_recording_yet", "unreachable", "shutdown", "deleted"),
                gaps.stream().map(Gap::reason).toList());
        assertEquals(T0.plusSeconds(600), gaps.get(1).start());
        assertEquals(T0.plusSeconds(720), gaps.get(1).end());
        assertEquals("no route to host", gaps.get(1).detail());
        assertEquals(T0.plusSeconds(1200), gaps.get(2).start());
        assertEquals(T0.plusSeconds(1800), gaps.get(2).end());
        assertEquals(T0.plusSeconds(2400), gaps.get(3).end(), "the open segment is footage up to now");
    }

    @Test
    void uptimeCountsRunsOutagesAndFootage() throws Exception {
        Instant now = T0.plusSeconds(3000);
        Uptime.CameraUptime u = w.submit(c -> Uptime.camera(c, "s", "cam", T0, T0.plusSeconds(3600), now)).get();
        assertEquals(Duration.ofSeconds(3000), u.window().length(), "the window ends now");
        assertEquals(Duration.ofSeconds(600 + 480 + 600 + 600), u.up());
        assertEquals(Duration.ofSeconds(600 + 480 + 600), u.recorded(), "deleted footage is not recorded footage");
        assertEquals(2, u.outages().size());
        assertEquals(Duration.ofSeconds(600), u.longestOutage());
        assertEquals("shutdown", u.reasons().get(0).reason());
        assertEquals("unreachable", u.reasons().get(1).reason());
        assertEquals(2280 / 3000.0, u.upRatio(), 1e-9);

        Uptime.CameraUptime none = w.submit(c -> Uptime.camera(c, "s", "cam-2", T0, T0.plusSeconds(3600), now)).get();
        Uptime.SiteUptime site = new Uptime.SiteUptime("s", List.of(u, none));
        assertEquals(2280 / 6000.0, site.upRatio(), 1e-9);
        assertEquals(3, site.outages());
        assertEquals(Duration.ofSeconds(3000), site.longestOutage());
    }

    @Test
    void timeBeforeTheRecorderEverRanIsNotBlamedOnItsFirstOutage() throws Exception {
        // cam-3: the recorder first ran at T1 and could not reach the camera for 5 minutes
        Instant t1 = T0.plusSeconds(3 * 86400);
        long o = w.openOutage("s", "cam-3", t1, "unreachable", "no route to host").get();
        w.closeOutage(o, t1.plusSeconds(300)).get();
        run("cam-3", t1.plusSeconds(300), t1.plusSeconds(900), "shutdown");
        Instant now = t1.plusSeconds(3600);

        List<Gap> gaps = w.submit(c -> FootageGaps.find(c, "cam-3", t1.minusSeconds(7200), t1.plusSeconds(900), now)).get();
        assertEquals(List.of("not_recording_yet", "unreachable"), gaps.stream().map(Gap::reason).toList());
        assertEquals(t1, gaps.get(0).end());
        assertEquals(null, gaps.get(0).detail());
        assertEquals(t1, gaps.get(1).start());
        assertEquals(t1.plusSeconds(300), gaps.get(1).end());

        // Two days later the query window no longer reaches back to the first run: still not "yet"
        List<Gap> later = w.submit(c -> FootageGaps.find(c, "cam-3", t1.plusSeconds(2 * 86400),
                t1.plusSeconds(2 * 86400 + 60), t1.plusSeconds(3 * 86400))).get();
        assertEquals(1, later.size());
        assertNotEquals("not_recording_yet", later.get(0).reason());

        Uptime.CameraUptime u = w.submit(c -> Uptime.camera(c, "s", "cam-3", t1.minusSeconds(3600), t1.plusSeconds(900),
                now)).get();
        assertEquals(List.of("not_recording_yet", "unreachable"), u.outages().stream().map(Gap::reason).toList());

        List<Gap> never = w.submit(c -> FootageGaps.find(c, "cam-never", T0, T0.plusSeconds(60), now)).get();
        assertEquals(List.of("not_recording_yet"), never.stream().map(Gap::reason).toList());
    }

    @Test
    void aWindowShorterThanAMillisecondHasARatioNotNaN() {
        assertEquals(0.5, Uptime.ratio(Duration.ofNanos(400), Duration.ofNanos(800)), 1e-9);
        assertEquals(0.0, Uptime.ratio(Duration.ZERO, Duration.ZERO));
    }

    private void run(String camera, Instant start, Instant end, String reason) throws Exception {
        long run = w.startRun("s", camera, start, "h264", 1, 1, null).get();
        for (Instant s = start; s.isBefore(end); s = s.plusSeconds(60)) {
            long id = w.openSegment(run, "s", camera, camera + "/" + s.toEpochMilli() + ".mp4", s, "h264", 1, 1, null).get();
            w.closeSegment(id, s.plusSeconds(60), Duration.ofSeconds(60), 1, 1L, "ab").get();
        }
        w.endRun(run, end, reason, null).get();
    }
}
