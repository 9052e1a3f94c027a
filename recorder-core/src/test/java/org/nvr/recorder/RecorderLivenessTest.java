package org.nvr.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.ingest.FfmpegCameraOpener;
import org.nvr.session.CameraState;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
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
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam-a", "site", sim.url("a")), TestCameras.camera("cam-b", "site", sim.url("b")));
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

    private static Liveness live(Recorder recorder) {
        try {
            return recorder.liveness();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
