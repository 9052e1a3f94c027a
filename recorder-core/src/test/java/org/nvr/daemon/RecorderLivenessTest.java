package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.Source;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.source.ffmpeg.FfmpegCameraOpener;
import org.nvr.testing.FakeDnsServer;
import org.nvr.testing.HangingOpener;

/**
 * {@link Recorder#liveness()} against a real recorder of simulated cameras: alive while they record,
 * naming the camera whose thread is stuck in a read, and naming the index writer when it is stuck.
 */
class RecorderLivenessTest {
    @TempDir
    Path root;

    @Test
    void namesTheHungCameraAndTheStuckIndexWriter() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        Set<String> hung = ConcurrentHashMap.newKeySet();
        HangingOpener opener = new HangingOpener(new FfmpegCameraOpener(), hung::contains);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("a", clip);
            sim.addCamera("b", clip);
            sim.start();
            // source: ffmpeg: the hang is a blocking FFmpeg read (HangingOpener); our RTSP client never blocks
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam-a", "site", sim.url("a")).withSource(Source.FFMPEG),
                    TestCameras.camera("cam-b", "site", sim.url("b")).withSource(Source.FFMPEG));
            Recorder.Options options = Recorder.Options.defaults().withOpener(opener).withHangAfter(Duration.ofSeconds(2));
            try (Recorder recorder = Recorder.start(config, options)) {
                RecorderGstTest.await(Duration.ofSeconds(20), "both recording", () -> recorder.statuses().stream()
                        .allMatch(s -> s.current() == CameraState.RECORDING));
                assertTrue(recorder.liveness().alive(), recorder.liveness().toString());

                hung.add("cam-b");
                long start = System.nanoTime();
                RecorderGstTest.await(Duration.ofSeconds(10), "cam-b reported hung", () -> !live(recorder).alive());
                long millis = (System.nanoTime() - start) / 1_000_000;
                List<String> problems = live(recorder).problems();
                assertEquals(1, problems.size(), problems.toString());
                assertTrue(problems.get(0).startsWith("cam-b: session made no progress for "), problems.get(0));
                assertTrue(millis >= 1900, "not before its bound: " + millis + " ms");

                CountDownLatch stuck = new CountDownLatch(1);
                recorder.index().submit(c -> {
                    try {
                        stuck.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return null;
                });
                try {
                    Liveness l = recorder.liveness();
                    assertTrue(l.problems().contains("nvr-index: index writer did not complete an empty transaction within 5 s"),
                            l.toString());
                } finally {
                    stuck.countDown();
                }
                opener.release(); // let the stuck read return so close() is quick
            } finally {
                opener.release();
            }
        }
    }

    /**
     * The usual way a camera is offline, for real: its address drops connection attempts (a port whose
     * accept queue is full drops SYNs, as a switched-off modem's address gets no answer), and a camera
     * known by name whose name server never answers. Over 20 s of probes and lookups in flight, no
     * liveness check fails, each answers at once, and the recording camera beside them goes on.
     */
    @Test
    void aSilentAddressAndASilentNameServerNeverFailTheCheck() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        List<Socket> queued = new ArrayList<>();
        try (RtspCameraSimulator sim = new RtspCameraSimulator();
             ServerSocket hole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             FakeDnsServer dns = FakeDnsServer.silent()) {
            fillAcceptQueue(hole, queued);
            sim.addCamera("a", clip);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam-ok", "site", sim.url("a")),
                    TestCameras.camera("cam-off", "site", "rtsp://127.0.0.1:" + hole.getLocalPort() + "/live"),
                    TestCameras.camera("cam-named", "site", "rtsp://cam-named.ddns.example:554/live"));
            Recorder.Options options = Recorder.Options.defaults().withNameServers(List.of(dns.address()));
            try (Recorder recorder = Recorder.start(config, options)) {
                // The first lookup loads Netty's DNS classes on the loop (~0.5 s, once): not timed.
                assertTrue(recorder.liveness().alive());
                List<String> failed = new ArrayList<>();
                long slowest = 0;
                long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                int checks = 0;
                while (System.nanoTime() < end) {
                    long began = System.nanoTime();
                    Liveness l = recorder.liveness();
                    slowest = Math.max(slowest, System.nanoTime() - began);
                    checks++;
                    if (!l.alive()) {
                        failed.add(l.toString());
                    }
                    Thread.sleep(100); // a check every ~100 ms: a gap of a probe's length cannot slip between
                }
                assertEquals(List.of(), failed, "checks failed out of " + checks);
                assertTrue(slowest < Duration.ofMillis(500).toNanos(), "slowest check " + slowest / 1_000_000 + " ms");
                var states = recorder.statuses();
                assertEquals(CameraState.RECORDING, states.get(0).current(), "cam-ok records on");
                assertEquals(CameraState.DOWN, states.get(1).current(), "cam-off");
                assertEquals(CameraState.DOWN, states.get(2).current(), "cam-named");
                assertTrue(dns.queries() >= 3, "the name is asked for again and again: " + dns.queries());
            }
        } finally {
            for (Socket s : queued) {
                s.close();
            }
        }
    }

    /** Connects to {@code server} (never accepting) until its accept queue is full and SYNs are dropped. */
    private static void fillAcceptQueue(ServerSocket server, List<Socket> queued) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            try {
                s.connect(server.getLocalSocketAddress(), 300);
                queued.add(s);
            } catch (SocketTimeoutException e) {
                s.close();
                return; // silent now
            }
        }
        throw new AssertionError("the accept queue of port " + server.getLocalPort() + " never filled");
    }

    private static Liveness live(Recorder recorder) {
        try {
            return recorder.liveness();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
