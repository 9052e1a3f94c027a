package org.nvr.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;
import org.nvr.ingest.FailureReason;
import org.nvr.ingest.PortProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one camera recording for the life of the daemon: runs a {@link RecordingSession} on the
 * camera's own thread, and when it ends schedules the next one on the event loop after a
 * {@link Backoff} delay. It never gives up. Reconnection lives here and nowhere else.
 *
 * <p>While a camera is unreachable at the network level (refused, unreachable, timed out) it is not
 * retried with full RTSP sessions: a cheap TCP connect ({@link PortProbe}) asks its port about once a
 * second, and a session starts as soon as the port answers again, so recording resumes within about a
 * second of the camera's return. A port that answered all along (the camera is up but its RTSP fails
 * or hangs) waits out the backoff instead, so a broken camera is not hammered either.
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

    /** Creates the session for one attempt over {@code transport}; the stop flag is the supervisor's. */
    @FunctionalInterface
    public interface SessionFactory {
        Session create(CameraConfig camera, Transport transport, CameraObserver observer,
                       java.util.function.BooleanSupplier stop);
    }

    private final CameraConfig camera;
    private final SessionFactory sessions;
    private final EventExecutor loop;
    private final Executor sessionThreads;
    private final Backoff backoff;
    private final CameraObserver observer;
    private final Clock clock;
    private final PortProbe probe;
    private final DoubleSupplier random;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private volatile boolean stopping;
    /** {@code loop.ticker()} time of the running session's last report; written by its thread. */
    private volatile long progressNanos;
    private boolean running;
    private ScheduledFuture<?> pending;
    private FailureReason lastReason;
    private long attempts;
    /** The transport of the next session: {@code auto} starts on UDP and moves to TCP for good if UDP fails. */
    private Transport transport;
    /** While probing: fires when the backoff allows the next session. */
    private ScheduledFuture<?> retryTimer;
    private boolean retryAllowed;
    private boolean attemptWhenAllowed;
    /** While probing: whether the port has refused since the last failure (the camera was really away). */
    private boolean portWasClosed;

    /** How often a down camera's port is probed. */
    public static final Duration PROBE_PERIOD = Duration.ofSeconds(1);

    public CameraSupervisor(CameraConfig camera, SessionFactory sessions, EventExecutor loop, Executor sessionThreads,
                            Backoff backoff, PortProbe probe, DoubleSupplier random, CameraObserver observer,
                            Clock clock) {
        this.camera = camera;
        this.sessions = sessions;
        this.loop = loop;
        this.sessionThreads = sessionThreads;
        this.backoff = backoff;
        this.observer = observer;
        this.clock = clock;
        this.probe = probe;
        this.random = random;
        this.transport = camera.transport() == Transport.AUTO ? Transport.UDP : camera.transport();
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
            if (retryTimer != null) {
                retryTimer.cancel(false);
                retryTimer = null;
            }
            if (!running) {
                finish();
            }
        });
        return stopped;
    }

    private void attempt() {
        pending = null;
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        if (stopping) {
            finish();
            return;
        }
        running = true;
        attempts++;
        progressed();
        Session session = sessions.create(camera, transport, new ProgressObserver(observer, this::progressed),
                () -> stopping);
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
        if (camera.transport() == Transport.AUTO && transport == Transport.UDP && !result.wroteFootage()) {
            // UDP was refused, or set up and then brought nothing (a router dropping it): TCP from now on.
            transport = Transport.TCP;
            LOG.info("{}: transport auto: no footage over UDP ({}); using TCP", camera.id(), result.reason().label());
        }
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
        if (result.wroteFootage() && delay.compareTo(Backoff.INITIAL) > 0) {
            // The camera was recording a moment ago: it is worth trying again at once rather than after
            // the backoff its earlier failures earned; if it is really gone the probe takes over.
            delay = Backoff.INITIAL;
        }
        if (isNetworkFailure(result.reason())) {
            // A refused or unreachable port proves the camera is away: the first probe that finds it
            // open is its return. A timeout may come from a camera that accepts and never answers.
            portWasClosed = result.reason() != FailureReason.TIMEOUT;
            retryAllowed = false;
            attemptWhenAllowed = false;
            retryTimer = loop.schedule(() -> {
                retryTimer = null;
                retryAllowed = true;
                if (attemptWhenAllowed && !running) {
                    attempt();
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
            schedule(this::probe, PROBE_PERIOD.compareTo(delay) < 0 ? jittered(PROBE_PERIOD) : delay);
        } else {
            schedule(this::attempt, delay);
        }
    }

    private static boolean isNetworkFailure(FailureReason reason) {
        return reason == FailureReason.REFUSED || reason == FailureReason.UNREACHABLE
                || reason == FailureReason.TIMEOUT;
    }

    private void probe() {
        pending = null;
        if (stopping) {
            finish();
            return;
        }
        URI url = camera.url();
        int port = url.getPort() > 0 ? url.getPort() : "rtsps".equalsIgnoreCase(url.getScheme()) ? 322 : 554;
        probe.probe(url.getHost(), port).whenComplete((open, err) ->
                loop.execute(() -> probed(Boolean.TRUE.equals(open))));
    }

    private void probed(boolean open) {
        LOG.debug("{}: port probe: {}", camera.id(), open ? "open" : "closed");
        if (stopping) {
            finish();
            return;
        }
        if (!open) {
            portWasClosed = true;
            schedule(this::probe, jittered(PROBE_PERIOD));
        } else if (portWasClosed || retryAllowed) {
            if (portWasClosed) {
                LOG.info("{}: port answers again; reconnecting", camera.id());
            }
            attempt(); // the camera is back: no reason to wait
        } else {
            attemptWhenAllowed = true; // the port answered all along: wait out the backoff
        }
    }

    private void schedule(Runnable task, Duration delay) {
        pending = loop.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Duration jittered(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * (0.9 + 0.2 * random.getAsDouble())));
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
