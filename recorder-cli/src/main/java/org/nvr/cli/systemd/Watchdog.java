package org.nvr.cli.systemd;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.nvr.daemon.Liveness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds systemd's watchdog ({@code WATCHDOG=1}) every {@link SdNotify#watchdogInterval()} while the
 * recorder's liveness check passes, and stops feeding it as soon as the check fails: after
 * {@code WatchdogSec} systemd stops the hung recorder and {@code Restart=always} starts a fresh one.
 * It never decides to restart by itself; it only stops vouching.
 *
 * <p>Logs once when it starts withholding the ping, with the problems and the stacks of the threads
 * they name (where a camera thread is stuck is what a technician's bug report needs), tells
 * {@code systemctl status} why, and logs once when the check passes again.
 *
 * <p>Runs the check on a thread of its own, {@code nvr-watchdog} (the check blocks for up to
 * {@link org.nvr.daemon.Recorder#PROBE_TIMEOUT}). Owns that thread; {@link #close()} stops it and is
 * safe twice. Does nothing when systemd did not ask for a watchdog.
 */
public final class Watchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Watchdog.class);

    /** The liveness check; may block for a bounded time. */
    @FunctionalInterface
    public interface Check {
        Liveness check() throws InterruptedException;
    }

    private final SdNotify systemd;
    private final Check check;
    private final ScheduledExecutorService thread;
    private boolean starving; // only touched on the watchdog thread

    private Watchdog(SdNotify systemd, Check check, ScheduledExecutorService thread) {
        this.systemd = systemd;
        this.check = check;
        this.thread = thread;
    }

    /** Starts feeding the watchdog at {@code systemd}'s interval, or does nothing when it has none. */
    public static Watchdog start(SdNotify systemd, Check check) {
        if (systemd.watchdogInterval().isEmpty()) {
            return new Watchdog(systemd, check, null);
        }
        Duration interval = systemd.watchdogInterval().get();
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nvr-watchdog");
            t.setDaemon(true);
            return t;
        });
        Watchdog watchdog = new Watchdog(systemd, check, thread);
        // Fixed delay: a slow check postpones the next one instead of piling checks up.
        thread.scheduleWithFixedDelay(watchdog::tick, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
        LOG.info("feeding the systemd watchdog every {} ms while every camera and the index writer are alive",
                interval.toMillis());
        return watchdog;
    }

    private void tick() {
        Liveness liveness;
        try {
            liveness = check.check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (RuntimeException e) {
            // A periodic task that throws is cancelled silently: report it as a failed check instead.
            liveness = new Liveness(List.of("liveness check failed: " + e));
        }
        if (liveness.alive()) {
            systemd.watchdog();
            if (starving) {
                starving = false;
                LOG.info("recorder alive again; feeding the systemd watchdog");
                systemd.status("recording");
            }
            return;
        }
        if (!starving) {
            starving = true;
            LOG.error("recorder not alive, withholding the systemd watchdog ping (systemd will restart it): {}{}",
                    liveness, stacksOf(liveness.problems()));
            systemd.status("not alive: " + liveness);
        }
    }

    /** Stacks of the threads a problem names: {@code nvr-cam-<id>} for a camera, or the named {@code nvr-} thread. */
    private static String stacksOf(List<String> problems) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            String name = e.getKey().getName();
            boolean named = problems.stream().map(p -> p.substring(0, Math.max(0, p.indexOf(':'))))
                    .anyMatch(who -> !who.isEmpty() && (name.equals("nvr-cam-" + who) || (who.startsWith("nvr-")
                            && name.startsWith(who))));
            if (named) {
                out.append("\n  thread ").append(name).append(" (").append(e.getKey().getState()).append(')');
                for (StackTraceElement frame : e.getValue()) {
                    out.append("\n    at ").append(frame);
                }
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        if (thread == null || thread.isShutdown()) {
            return;
        }
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
                LOG.warn("watchdog thread did not stop within 1 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
