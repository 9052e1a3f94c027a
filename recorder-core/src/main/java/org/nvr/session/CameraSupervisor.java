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
 * <p>Threads: {@link #start()}, {@link #stop()} and all scheduling run on {@code loop} (a Netty event
 * loop shared by all supervisors; nothing blocking runs on it). Sessions run on threads from
 * {@code sessionThreads}, one at a time per camera.
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
        Session session = sessions.create(camera, observer, () -> stopping);
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

    /** For tests and the watchdog: the number of sessions started so far. */
    public long attempts() {
        return attempts;
    }
}
