package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.cli.systemd.NotifySocket;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/**
 * {@code nvr run} as a real process under a stand-in for systemd's notify socket: READY once it records,
 * then SIGTERM reports STOPPING at once, closes and indexes open segments and exits 0 within 10 s.
 */
class DaemonLifecycleTest {
    @TempDir
    Path dir;

    GstRtspServer gst;
    NotifySocket systemd;
    Process daemon;

    @AfterEach
    void cleanUp() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
        if (gst != null) {
            gst.close();
        }
        if (systemd != null) {
            systemd.close();
        }
    }

    @Test
    void sigtermClosesOpenSegmentsAndExitsZero() throws Exception {
        gst = GstRtspServer.start();
        Path root = dir.resolve("footage");
        Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s, segment_seconds: 60 }
                metrics: { listen: "127.0.0.1:0" }
                sites:
                  - id: site
                    cameras:
                      - { id: cam-a, url: "%s" }
                      - { id: cam-b, url: "%s" }
                """.formatted(root, gst.url(GstRtspServer.H264), gst.url(GstRtspServer.H264_AAC)));
        systemd = NotifySocket.at(dir.resolve("notify"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
        pb.environment().put("NOTIFY_SOCKET", systemd.name());
        daemon = pb.start();
        systemd.await("READY=1", Duration.ofSeconds(60));
        Path db = root.resolve("index.db");
        await(Duration.ofSeconds(30), "both cameras writing a segment for 3 s", () -> {
            try (FootageQueries q = FootageQueries.open(db)) {
                List<SegmentRow> open = q.segmentsInState(SegmentState.OPEN);
                return open.size() == 2 && open.stream().allMatch(
                        s -> Duration.between(s.start(), Instant.now()).toSeconds() >= 3);
            } catch (Exception e) {
                return false;
            }
        });
        Instant term = Instant.now();
        long termNanos = System.nanoTime();
        daemon.destroy(); // SIGTERM
        NotifySocket.Message stopping = systemd.await("STOPPING=1", Duration.ofSeconds(5));
        assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "exited within 10 s");
        assertTrue(stopping.nanos() - termNanos < Duration.ofSeconds(2).toNanos(), "STOPPING sent at once");
        Duration took = Duration.between(term, Instant.now());
        assertEquals(0, daemon.exitValue(), Files.readString(dir.resolve("daemon.log")));
        System.out.printf("stopped %d ms after SIGTERM%n", took.toMillis());

        try (FootageQueries q = FootageQueries.open(db)) {
            assertEquals(List.of(), q.segmentsInState(SegmentState.OPEN), "no segment left open");
            for (String cam : List.of("cam-a", "cam-b")) {
                List<SegmentRow> segs = q.segments(cam, Instant.EPOCH, Instant.now());
                assertEquals(1, segs.size());
                SegmentRow s = segs.get(0);
                assertTrue(s.duration().toMillis() >= 3000, s.toString());
                assertEquals(List.of(), MediaProbe.decodeErrors(root.resolve(s.path())));
                List<RunRow> runs = q.runs(cam, Instant.EPOCH, Instant.now());
                assertEquals("shutdown", runs.get(0).endReason());
                assertTrue(Duration.between(s.end(), term).abs().toMillis() < 1500, "recorded up to the signal");
            }
        }
    }

    static void await(Duration timeout, String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
