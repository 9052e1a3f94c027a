package org.nvr.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.nvr.config.CameraConfig;
import org.nvr.ingest.FailureReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one camera recording for the life of the daemon: runs a {@link RecordingSession} on the
 * camera's own thread, and when it ends schedules the next one on the event loop after a
 * {@link Backoff} delay. It never gives up. Reconnection lives here and nowhere else.
 *
 * <p>It also owns the camera's state machine (connecting, recording, down, stopped): it logs once per
 * change of state or reason (a camera down for a day writes one line, not thousands) and reports every
 * change to the {@link CameraObserver}.
 *
 * <p>For the systemd watchdog it answers {@link #liveness(Duration)}: a session that shows no progress
 * for longer than its bound is hung (FFmpeg cannot interrupt a blocked native call, so only a restart of
 * the process frees it).
 *
 * <p>Threads: {@link #start()}, {@link #stop()}, {@link #liveness(Duration)} and all scheduling run on
 * {@code loop} (a Netty event loop shared by all supervisors; nothing blocking runs on it). Sessions
 * run on threads from {@code sessionThreads}, one at a time per camera.
 */
public final class CameraSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(CameraSupervisor.class);

    /** One attempt: connect, record until the stream ends or a stop is requested, return how it went. */
    @FunctionalInterface
    public interface Session {
        SessionResult run() throws InterruptedException;
    }

    /** Creates the session for one attempt; the stop flag is the supervisor's. */
    @FunctionalInterface
    public interface SessionFactory {
        Session create(CameraConfig camera, CameraObserver observer, java.util.function.BooleanSupplier stop);
    }

    private final CameraConfig camera;
    private final SessionFactory sessions;
    private final EventExecutor loop;
    private final Executor sessionThreads;
    private final Backoff backoff;
    private final CameraObserver observer;
    private final Clock clock;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private volatile boolean stopping;
    /** {@code loop.ticker()} time of the running session's last report; written by its thread. */
    private volatile long progressNanos;
    private boolean running;
    private ScheduledFuture<?> pending;
    private FailureReason lastReason;
    private long attempts;

    public CameraSupervisor(CameraConfig camera, SessionFactory sessions, EventExecutor loop, Executor sessionThreads,
                            Backoff backoff, CameraObserver observer, Clock clock) {
        this.camera = camera;
        this.sessions = sessions;
        this.loop = loop;
        this.sessionThreads = sessionThreads;
        this.backoff = backoff;
        this.observer = observer;
        this.clock = clock;
    }

    public CameraConfig camera() {
        return camera;
    }

    public void start() {
        loop.execute(() -> {
            moveTo(CameraState.CONNECTING, null, "starting");
            attempt();
        });
    }

    /** Asks the session to stop; completes when its thread has closed and indexed its segment. */
    public CompletableFuture<Void> stop() {
        stopping = true;
        loop.execute(() -> {
            if (pending != null) {
                pending.cancel(false);
                pending = null;
            }
            if (!running) {
                finish();
            }
        });
        return stopped;
    }

    private void attempt() {
        pending = null;
        if (stopping) {
            finish();
            return;
        }
        running = true;
        attempts++;
        progressed();
        Session session = sessions.create(camera, new ProgressObserver(observer, this::progressed), () -> stopping);
        try {
            sessionThreads.execute(() -> {
                SessionResult result;
                try {
                    result = session.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    result = new SessionResult(FailureReason.SHUTDOWN, "interrupted", Duration.ZERO);
                } catch (RuntimeException | Error e) {
                    LOG.error("{}: session failed unexpectedly", camera.id(), e);
                    result = new SessionResult(FailureReason.ERROR, e.toString(), Duration.ZERO);
                }
                SessionResult r = result;
                loop.execute(() -> ended(r));
            });
        } catch (RuntimeException e) {
            // no thread could be started: treat it as a failed attempt and try again later
            ended(new SessionResult(FailureReason.ERROR, "cannot start session thread: " + e, Duration.ZERO));
        }
    }

    private void ended(SessionResult result) {
        running = false;
        if (stopping || result.reason() == FailureReason.SHUTDOWN) {
            finish();
            return;
        }
        observer.sessionEnded(result.reason());
        Duration delay = backoff.next(result);
        // A camera down for a day fails thousands of times: log the first failure after footage, or a
        // change of reason, at warn; the rest at debug.
        boolean changed = result.wroteFootage() || result.reason() != lastReason;
        lastReason = result.reason();
        if (changed) {
            LOG.warn("{}: {} ({}); retrying with backoff, next attempt in {} ms", camera.id(), result.reason().label(),
                    result.detail(), delay.toMillis());
        } else {
            LOG.debug("{}: still {} ({}), attempt {}, next in {} ms", camera.id(), result.reason().label(),
                    result.detail(), attempts, delay.toMillis());
        }
        moveTo(CameraState.DOWN, result.reason(), result.detail());
        pending = loop.schedule(this::attempt, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void moveTo(CameraState next, FailureReason reason, String detail) {
        observer.state(next, clock.instant(), reason, detail);
    }

    private void finish() {
        if (stopped.isDone()) {
            return;
        }
        observer.state(CameraState.STOPPED, clock.instant(), FailureReason.SHUTDOWN, "recorder stopped");
        stopped.complete(null);
    }

    private void progressed() {
        progressNanos = loop.ticker().nanoTime();
    }

    /**
     * How long a session may go without reporting before it counts as hung. Every blocking step it
     * takes is bounded: a read or a network step of opening by the stall timeout (FFmpeg's socket
     * timeout), an index write by 10 s. Opening takes a handful of such steps before the first report
     * (connect, OPTIONS, DESCRIBE, a SETUP per track, PLAY, probing), hence the multiple and the margin.
     */
    public static Duration hangBound(CameraConfig camera) {
        return camera.stallTimeout().multipliedBy(6).plusSeconds(20);
    }

    /**
     * Whether this camera is being looked after, checked on the event loop (so an answer also proves
     * the loop runs): alive when a session is running and reported within {@code hangAfter}, when the
     * next attempt is scheduled, or when stopping.
     *
     * @return a future completing with null when alive, else with why not (naming the camera); it does
     *         not complete while the loop is stuck, so callers wait with a bound
     */
    public CompletableFuture<String> liveness(Duration hangAfter) {
        CompletableFuture<String> answer = new CompletableFuture<>();
        try {
            loop.execute(() -> answer.complete(livenessOnLoop(hangAfter)));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            answer.complete(camera.id() + ": event loop is shut down");
        }
        return answer;
    }

    private String livenessOnLoop(Duration hangAfter) {
        if (stopping) {
            return null;
        }
        if (running) {
            long quiet = loop.ticker().nanoTime() - progressNanos;
            return quiet > hangAfter.toNanos()
                    ? camera.id() + ": session made no progress for "
                            + TimeUnit.NANOSECONDS.toSeconds(quiet) + " s (bound " + hangAfter.toSeconds() + " s)"
                    : null;
        }
        return pending == null ? camera.id() + ": no session running and none scheduled" : null;
    }

    /** For tests and the watchdog: the number of sessions started so far. */
    public long attempts() {
        return attempts;
    }
}
