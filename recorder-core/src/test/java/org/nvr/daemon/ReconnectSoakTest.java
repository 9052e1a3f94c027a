package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.camera.CameraStatus;
import org.nvr.config.Source;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;

/**
 * Connect/disconnect cycles must leave threads, file descriptors and memory flat: every session's
 * grabber, packets, segment writer and thread are released. 10 cycles here; {@code bench/soak-reconnect.sh}
 * runs 200 ({@code -Dnvr.soak.cycles=200}) and reports the figures, for our RTSP client (the default
 * source) and, with {@code -Dnvr.soak.source=ffmpeg}, for FFmpeg's reader.
 */
class ReconnectSoakTest {
    @TempDir
    Path root;

    @Test
    void reconnectCyclesLeakNothing() throws Exception {
        int cycles = Integer.getInteger("nvr.soak.cycles", 10);
        Source source = Source.valueOf(System.getProperty("nvr.soak.source", Source.DEFAULT.label()).toUpperCase(Locale.ROOT));
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam", clip);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60), TestCameras.camera("cam", "site", sim.url("cam"))
                    .withSource(source));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                CameraStatus status = recorder.statuses().get(0);
                // warm-up cycles: JIT, pools and FFmpeg's one-time allocations settle first
                Sample before = null;
                for (int i = 0; i < cycles + 3; i++) {
                    if (i == 3) {
                        System.gc();
                        before = Sample.now();
                    }
                    RecorderGstTest.await(Duration.ofSeconds(20), "recording", () -> status.current() == CameraState.RECORDING);
                    sim.camera("cam").dropSessions();
                    RecorderGstTest.await(Duration.ofSeconds(20), "dropped", () -> status.current() != CameraState.RECORDING);
                }
                RecorderGstTest.await(Duration.ofSeconds(20), "recording", () -> status.current() == CameraState.RECORDING);
                System.gc();
                Sample after = Sample.now();
                System.out.printf("%s: after %d reconnect cycles: threads %d -> %d, fds %d -> %d, RSS %d -> %d MB, "
                        + "heap used %d -> %d MB, JavaCPP-allocated %d -> %d KB%n", source.label(), cycles, before.threads, after.threads,
                        before.fds, after.fds, before.rssKb / 1024, after.rssKb / 1024, before.heapBytes >> 20,
                        after.heapBytes >> 20, before.nativeBytes >> 10, after.nativeBytes >> 10);
                assertTrue(after.threads <= before.threads + 2, "threads " + before.threads + " -> " + after.threads);
                assertTrue(after.fds <= before.fds + 4, "fds " + before.fds + " -> " + after.fds);
                assertTrue(after.nativeBytes - before.nativeBytes < 1L << 20, "JavaCPP allocations grew by "
                        + (after.nativeBytes - before.nativeBytes) + " bytes");
            }
        }
    }

    /** {@code nativeBytes}: what JavaCPP allocated and has not freed (leaked AVPacket/AVRational wrappers show here). */
    record Sample(long threads, long fds, long rssKb, long heapBytes, long nativeBytes) {
        static Sample now() throws IOException {
            long threads;
            long fds;
            try (Stream<Path> t = Files.list(Path.of("/proc/self/task")); Stream<Path> f = Files.list(Path.of("/proc/self/fd"))) {
                threads = t.count();
                fds = f.count();
            }
            long rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0);
            Runtime rt = Runtime.getRuntime();
            return new Sample(threads, fds, rss, rt.totalMemory() - rt.freeMemory(), org.bytedeco.javacpp.Pointer.totalBytes());
        }
    }
}
