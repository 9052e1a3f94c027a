package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.cli.systemd.NotifySocket;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;

/**
 * The sd_notify exchange of a real {@code nvr run} child process recording two simulated cameras, seen
 * from a test socket set as {@code NOTIFY_SOCKET} (abstract namespace, as systemd may use): READY once
 * the recorder is up, WATCHDOG while it is healthy and none once a camera's thread hangs in a read,
 * STOPPING on SIGTERM, then exit 0 with the healthy camera's segment closed and indexed.
 */
class SystemdNotifyTest {
    /** WATCHDOG_USEC as the child sees it: a ping every 500 ms. */
    static final long WATCHDOG_USEC = 1_000_000;
    static final Duration HANG_AFTER = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    Process daemon;

    @AfterEach
    void cleanUp() {
        if (daemon != null) {
            daemon.destroyForcibly();
        }
    }

    @Test
    void readyWatchdogWhileAliveNoneWhenHungStoppingOnSigterm() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator(); NotifySocket systemd = NotifySocket.abstractName()) {
            sim.addCamera("a", clip);
            sim.addCamera("b", clip);
            sim.start();
            Path root = dir.resolve("footage");
            Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                    storage: { root: %s, segment_seconds: 60 }
                    metrics: { listen: "127.0.0.1:0" }
                    sites:
                      - id: site
                        cameras:
                          - { id: cam-a, url: "%s", source: ffmpeg }
                          - { id: cam-b, url: "%s", source: ffmpeg }
                    """.formatted(root, sim.url("a"), sim.url("b"))); // the hang is a blocking FFmpeg read
            Path log = dir.resolve("daemon.log");
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Dnvr.test.hang-dir=" + dir,
                    "-Dnvr.test.hang-after=" + HANG_AFTER, HangableNvr.class.getName(),
                    "run", "--config", config.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("NOTIFY_SOCKET", systemd.name());
            pb.environment().put("WATCHDOG_USEC", Long.toString(WATCHDOG_USEC));
            daemon = pb.start();

            NotifySocket.Message ready = systemd.await("READY=1", Duration.ofSeconds(60));
            assertTrue(Files.readString(log).contains("recording 2 camera(s) into " + root),
                    "READY only after the recorder reconciled the index and started the cameras");
            assertTrue(ready.has("STATUS=recording 2 camera(s)"), ready.text());
            assertTrue(systemd.messages().stream().noneMatch(m -> m.nanos() < ready.nanos() && m.has("WATCHDOG=1")),
                    "no ping before READY");

            DaemonLifecycleTest.await(Duration.ofSeconds(30), "both cameras writing a segment", () -> openSegments(root) == 2);
            int fedBefore = pings(systemd);
            DaemonLifecycleTest.await(Duration.ofSeconds(10), "pings while healthy", () -> pings(systemd) >= fedBefore + 4);

            long hungAt = System.nanoTime();
            Files.createFile(dir.resolve("hang-cam-b"));
            NotifySocket.Message notAlive = systemd.await(m -> m.text().startsWith("STATUS=not alive"),
                    HANG_AFTER.plusSeconds(10), "STATUS=not alive");
            assertTrue(notAlive.text().contains("cam-b: session made no progress"), notAlive.text());
            int fedWhenHung = pings(systemd);
            long lastPing = lastPingNanos(systemd);
            assertTrue(lastPing - hungAt > HANG_AFTER.minusMillis(1000).toNanos(),
                    "fed until the hang outlasted its bound: last ping " + (lastPing - hungAt) / 1_000_000 + " ms after the hang");
            Thread.sleep(2000); // four watchdog intervals
            assertEquals(fedWhenHung, pings(systemd), "no WATCHDOG=1 while cam-b is hung");
            assertTrue(Files.readString(log).contains("thread nvr-cam-cam-b"), "the hung thread's stack is logged");

            long term = System.nanoTime();
            daemon.destroy(); // SIGTERM
            NotifySocket.Message stopping = systemd.await("STOPPING=1", Duration.ofSeconds(5));
            assertTrue(stopping.nanos() - term < Duration.ofSeconds(2).toNanos(), "STOPPING at once");
            assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "exited within 10 s of SIGTERM");
            assertEquals(0, daemon.exitValue(), Files.readString(log));
        }
        Path db = dir.resolve("footage").resolve("index.db");
        try (FootageQueries q = FootageQueries.open(db)) {
            List<SegmentRow> open = q.segmentsInState(SegmentState.OPEN);
            assertEquals(List.of("cam-b"), open.stream().map(SegmentRow::camera).toList(),
                    "only the hung camera's segment is left for the next start's reconciliation");
            List<SegmentRow> closed = q.segmentsInState(SegmentState.CLOSED);
            assertEquals(List.of("cam-a"), closed.stream().map(SegmentRow::camera).toList(), "cam-a closed and indexed");
        }
    }

    private static int openSegments(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segmentsInState(SegmentState.OPEN).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static int pings(NotifySocket systemd) {
        return (int) systemd.messages().stream().filter(m -> m.has("WATCHDOG=1")).count();
    }

    private static long lastPingNanos(NotifySocket systemd) {
        return systemd.messages().stream().filter(m -> m.has("WATCHDOG=1")).mapToLong(NotifySocket.Message::nanos)
                .max().orElseThrow();
    }
}
