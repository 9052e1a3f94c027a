package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The flaky-camera schedule, on a fast cycle: up 200 ms, down 200 ms. */
class FlakyScriptTest {

    @Test
    void takesTheCameraDownAndBackUntilClosed() throws InterruptedException {
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            SimulatedCamera flakyCamera = sim.addCamera("cam-01", TestClips.oneSecond());
            SimulatedCamera steadyCamera = sim.addCamera("cam-02", TestClips.oneSecond());
            sim.start();
            try (FlakyScript flaky = FlakyScript.start(sim, flakyCamera, Duration.ofMillis(400),
                    Duration.ofMillis(200))) {
                assertTrue(flakyCamera.isAvailable(), "starts up");
                // Each state lasts 200 ms; the bound leaves room for several cycles on a busy machine.
                assertTrue(becomes(flakyCamera, false), "goes down");
                assertTrue(becomes(flakyCamera, true), "comes back");
                assertTrue(becomes(flakyCamera, false), "goes down again");
                assertTrue(steadyCamera.isAvailable(), "the other camera is not touched");
            }
            assertTrue(flakyCamera.isAvailable(), "up once closed");
            assertFalse(becomes(flakyCamera, false, 600), "and stays up");
        }
    }

    @Test
    void downtimeMustFitInTheCycle() {
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            SimulatedCamera camera = sim.addCamera("cam-01", TestClips.oneSecond());
            assertThrows(IllegalArgumentException.class,
                    () -> FlakyScript.start(sim, camera, Duration.ofSeconds(5), Duration.ofSeconds(5)));
            assertThrows(IllegalArgumentException.class,
                    () -> FlakyScript.start(sim, camera, Duration.ofSeconds(5), Duration.ZERO));
        }
    }

    private static boolean becomes(SimulatedCamera camera, boolean available) throws InterruptedException {
        return becomes(camera, available, 3000);
    }

    /** Polls until the camera is (un)available, for at most {@code millis}. */
    private static boolean becomes(SimulatedCamera camera, boolean available, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() - deadline < 0) {
            if (camera.isAvailable() == available) {
                return true;
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
        return camera.isAvailable() == available;
    }
}
