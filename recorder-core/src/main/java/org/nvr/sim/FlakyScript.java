package org.nvr.sim;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Takes one camera offline and back on a fixed schedule, like a camera on a flaky home link: in
 * every period of {@code every}, the camera is up first and then down for the last {@code downFor}
 * (down 5 s every 30 s: up 25 s, down 5 s, up 25 s...). Down is {@link
 * SimulatedCamera#setAvailable(boolean) setAvailable(false)}: its sessions are dropped and new
 * connections are closed at their first request, while the other cameras carry on.
 *
 * <pre>{@code
 * try (FlakyScript flaky = FlakyScript.start(sim, sim.camera("cam-02"),
 *         Duration.ofSeconds(30), Duration.ofSeconds(5))) {
 *     // ... run the demo
 * }
 * }</pre>
 *
 * <p>Threads: the switches are flipped by two fixed-rate tasks on one of the simulator's event
 * loops; no thread of its own. The schedule drifts with neither scheduling jitter nor the time the
 * switches take, because fixed-rate tasks are timed from the start.
 *
 * <p>Ownership: owns its two scheduled tasks; {@link #close()} cancels them and leaves the camera
 * available. Stops by itself, without error, when the simulator is closed. The camera and the
 * simulator are not owned.
 */
public final class FlakyScript implements AutoCloseable {

    private final SimulatedCamera camera;
    private final EventExecutor executor;
    private final ScheduledFuture<?> goingDown;
    private final ScheduledFuture<?> comingBack;

    private FlakyScript(SimulatedCamera camera, EventExecutor executor, long everyNanos, long downNanos) {
        this.camera = camera;
        this.executor = executor;
        this.goingDown = executor.scheduleAtFixedRate(() -> camera.setAvailable(false),
                everyNanos - downNanos, everyNanos, TimeUnit.NANOSECONDS);
        this.comingBack = executor.scheduleAtFixedRate(() -> camera.setAvailable(true),
                everyNanos, everyNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Starts the schedule now, with the camera up.
     *
     * @param every   length of one up-then-down cycle
     * @param downFor how long the camera is down at the end of each cycle; shorter than {@code every}
     * @throws IllegalArgumentException if the durations are not positive or {@code downFor} is not
     *                                  shorter than {@code every}
     */
    public static FlakyScript start(RtspCameraSimulator sim, SimulatedCamera camera, Duration every,
            Duration downFor) {
        Objects.requireNonNull(sim, "sim");
        Objects.requireNonNull(camera, "camera");
        long everyNanos = every.toNanos();
        long downNanos = downFor.toNanos();
        if (downNanos <= 0 || everyNanos <= downNanos) {
            throw new IllegalArgumentException("need 0 < downFor < every, got downFor " + downFor
                    + " every " + every);
        }
        camera.setAvailable(true);
        return new FlakyScript(camera, sim.executor(), everyNanos, downNanos);
    }

    /**
     * Stops the schedule and brings the camera back up. Runs on the schedule's event loop, so no
     * switch can be flipped after it returns; returns at once if that loop is already shut down.
     */
    @Override
    public void close() {
        Runnable stop = () -> {
            goingDown.cancel(false);
            comingBack.cancel(false);
            camera.setAvailable(true);
        };
        if (executor.inEventLoop() || executor.isShuttingDown()) {
            stop.run();
            return;
        }
        executor.submit(stop).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
