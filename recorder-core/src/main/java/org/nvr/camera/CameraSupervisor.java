package org.nvr.camera;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.DoubleSupplier;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one camera recording for the life of the daemon: starts a {@link Session} (a
 * {@code RecordingSession} on the camera's own thread, or the RTSP client's asynchronous session), and
 * when it ends schedules the next one on the event loop after a {@link Backoff} delay. It never gives
 * up. Reconnection lives here and nowhere else.
 *
 * <p>Every attempt and every probe starts by looking the camera's host up afresh ({@link HostResolver},
 * asynchronous, bounded by {@link #LOOKUP_TIMEOUT}): a dynamic-DNS name that moved is followed at once.
 * A name that does not resolve fails the attempt as {@code unreachable} with a detail starting
 * {@code dns:}.
 *
 * <p>While a camera is unreachable at the network level (refused, unreachable, timed out) it is not
 * retried with full RTSP sessions: a cheap TCP connect ({@link PortProbe}) asks its port about once a
 * second, and a session starts as soon as the port answers again, so recording resumes within about a
 * second of the camera's return. A port that answered all along (the camera is up but its RTSP fails
 * or hangs) waits out the backoff instead, so a broken camera is not hammered either. The failure's log
 * line says which of these happens next, and a delay it names is the delay the scheduler uses.
 *
 * <p>A camera that answers SETUP over its transport with 461 Unsupported Transport (UDP-only servers
 * such as VLC's, or cameras behind routers that refuse UDP) is moved to the other transport, once,
 * with one warning; {@code transport: auto} starts on UDP and moves to TCP for good if UDP brings
 * nothing.
 *
 * <p>It also owns the camera's state machine (connecting, recording, down, stopped): it logs once per
 * change of state or reason (a camera down for a day writes one line, not thousands) and reports every
 * change to the {@link CameraObserver}.
 *
 * <p>For the systemd watchdog it answers {@link #liveness(Duration)}: a session that shows no progress
 * for longer than its bound is hung (FFmpeg cannot interrupt a blocked native call, so only a restart of
 * the process frees it). A lookup or a probe in flight is a scheduled attempt: each has a timer that
 * gives up on it, so something is always scheduled while no session runs.
 *
 * <p>Threads: {@link #start()}, {@link #stop()}, {@link #liveness(Duration)} and all scheduling run on
 * {@code loop} (a Netty event loop shared by all supervisors; nothing blocking runs on it, lookups and
 * probes included). A {@link Session} is started on the loop and completes from wherever it runs (a
 * thread of its own for FFmpeg, event loops and writer lanes for the RTSP client), one at a time per
 * camera.
 */
public final class CameraSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(CameraSupervisor.class);

    /**
     * One attempt: connect, record until the stream ends or a stop is requested, say how it went. A
     * session may run on a thread of its own ({@link #onThread}) or on event loops and need none.
     */
    public interface Session {
        /**
         * Starts the attempt; called once, on the supervisor's loop, and must not block.
         *
         * @return completes once, with how the attempt ended, when the session has released everything
         *         (its open segment closed and indexed); completing exceptionally counts as {@code error}
         */
        CompletionStage<SessionResult> start();

        /**
         * Asks the session to end ({@code shutdown}); returns at once, any thread, safe twice. A session
         * may also notice the stop flag given to its {@link SessionFactory}.
         */
        void stop();

        /** A blocking session run on a thread from {@code threads}; it watches the supervisor's stop flag. */
        static Session onThread(Blocking session, Executor threads) {
            return new ThreadSession(session, threads);
        }
    }

    /** A session that blocks its thread until the attempt ends (FFmpeg's reader). */
    @FunctionalInterface
    public interface Blocking {
        SessionResult run() throws InterruptedException;
    }

    /** Creates the session for one attempt over {@code transport}; the stop flag is the supervisor's. */
    @FunctionalInterface
    public interface SessionFactory {
        Session create(CameraConfig camera, Transport transport, CameraObserver observer,
                       java.util.function.BooleanSupplier stop);
    }

    /** How often a down camera's port is probed, and how long one connect of a probe may take. */
    public static final Duration PROBE_PERIOD = Duration.ofSeconds(1);
    /** How long a lookup of the camera's host may take before the attempt or probe gives up on it. */
    public static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(5);
    /** How long a probe (lookup and connect) may take before it counts as unanswered. */
    static final Duration PROBE_TIMEOUT = LOOKUP_TIMEOUT.plus(PROBE_PERIOD).plusSeconds(1);

    private final CameraConfig camera;
    private final SessionFactory sessions;
    private final EventExecutor loop;
    private final Backoff backoff;
    private final CameraObserver observer;
    private final Clock clock;
    private final PortProbe probe;
    private final HostResolver resolver;
    private final DoubleSupplier random;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private volatile boolean stopping;
    /** {@code loop.ticker()} time of the running session's last report; written by its thread. */
    private volatile long progressNanos;
    private boolean running;
    /** The running session, to pass a stop on; null while none runs. */
    private Session current;
    /**
     * What happens next while no session runs: the timer of the next attempt or probe, or the timer
     * that gives up on a lookup or probe in flight. Null only while a session runs or once stopped.
     */
    private ScheduledFuture<?> pending;
    /** Numbers the lookups and probes put in flight; an answer for an older one is ignored. */
    private long inFlight;
    private FailureReason lastReason;
    private long attempts;
    /** The transport of the next session: {@code auto} starts on UDP and moves to TCP for good if UDP fails. */
    private Transport transport;
    /** Transports the camera answered with 461 Unsupported Transport: never tried again. */
    private final Set<Transport> refused = EnumSet.noneOf(Transport.class);
    /** While probing: fires when the backoff allows the next session. */
    private ScheduledFuture<?> retryTimer;
    private boolean retryAllowed;
    private boolean attemptWhenAllowed;
    /** While probing: whether the port has refused since the last failure (the camera was really away). */
    private boolean portWasClosed;

    public CameraSupervisor(CameraConfig camera, SessionFactory sessions, EventExecutor loop, Backoff backoff,
                            PortProbe probe, HostResolver resolver, DoubleSupplier random, CameraObserver observer,
                            Clock clock) {
        this.camera = camera;
        this.sessions = sessions;
        this.loop = loop;
        this.backoff = backoff;
        this.observer = observer;
        this.clock = clock;
        this.probe = probe;
        this.resolver = resolver;
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
            inFlight++; // whatever lookup or probe is out, its answer no longer matters
            cancel(pending);
            pending = null;
            cancel(retryTimer);
            retryTimer = null;
            if (!running) {
                finish();
            } else if (current != null) {
                current.stop();
            }
        });
        return stopped;
    }

    /** Looks the host up, then starts a session at its address. */
    private void attempt() {
        pending = null;
        cancel(retryTimer);
        retryTimer = null;
        if (stopping) {
            finish();
            return;
        }
        String host = host();
        whenAnswered(resolver.resolve(host), LOOKUP_TIMEOUT, (address, failure) -> {
            if (stopping) {
                finish();
            } else if (failure != null) {
                ended(new SessionResult(FailureReason.UNREACHABLE, "dns: " + host + ": " + why(failure), Duration.ZERO));
            } else {
                startSession();
            }
        });
    }

    private void startSession() {
        running = true;
        attempts++;
        progressed();
        Session session = sessions.create(camera, transport, new ProgressObserver(observer, this::progressed),
                () -> stopping);
        current = session;
        CompletionStage<SessionResult> result;
        try {
            result = session.start();
        } catch (RuntimeException e) {
            LOG.error("{}: session failed to start", camera.id(), e);
            result = CompletableFuture.failedFuture(e);
        }
        result.whenComplete((r, failure) -> {
            SessionResult outcome = r;
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                outcome = new SessionResult(FailureReason.ERROR, cause.toString(), Duration.ZERO);
            }
            SessionResult done = outcome;
            try {
                loop.execute(() -> {
                    current = null;
                    ended(done);
                });
            } catch (RejectedExecutionException e) {
                // the loop is shut down: the recorder is closing, nothing waits for this answer
            }
        });
    }

    private void ended(SessionResult result) {
        running = false;
        if (stopping || result.reason() == FailureReason.SHUTDOWN) {
            finish();
            return;
        }
        observer.sessionEnded(result.reason());
        boolean movedTransport = chooseTransport(result);
        Duration delay = backoff.next(result);
        if (result.wroteFootage() && delay.compareTo(Backoff.INITIAL) > 0) {
            // The camera was recording a moment ago: it is worth trying again at once rather than after
            // the backoff its earlier failures earned; if it is really gone the probe takes over.
            delay = Backoff.INITIAL;
        }
        boolean network = isNetworkFailure(result.reason());
        String next = network ? whenProbed(result.reason(), delay) : "next attempt in " + delay.toMillis() + " ms";
        // A camera down for a day fails thousands of times: log the first failure after footage, or a
        // change of reason, at warn; the rest at debug. A move to the other transport has its own line.
        boolean changed = result.wroteFootage() || result.reason() != lastReason;
        // after a move to the other transport, its first failure is news whatever its reason
        lastReason = movedTransport ? null : result.reason();
        if (changed && !movedTransport) {
            LOG.warn("{}: {} ({}); {}", camera.id(), result.reason().label(), result.detail(), next);
        } else {
            LOG.debug("{}: still {} ({}), attempt {}, {}", camera.id(), result.reason().label(), result.detail(),
                    attempts, next);
        }
        moveTo(CameraState.DOWN, result.reason(), result.detail());
        if (network) {
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

    /**
     * Moves to the other transport when the camera refused this one with 461, or when {@code auto}'s
     * UDP brought nothing; never back to one that was refused.
     *
     * @return whether it moved because of a refusal (logged here, once)
     */
    private boolean chooseTransport(SessionResult result) {
        Transport other = transport == Transport.TCP ? Transport.UDP : Transport.TCP;
        if (result.transportRefused()) {
            refused.add(transport);
            if (refused.contains(other)) {
                return false; // both refused: nothing to move to; the failure is logged as usual
            }
            // A warning when it overrides the operator's choice; under auto, trying the other is the plan.
            String line = "{}: the camera refuses RTSP over {} (461 Unsupported Transport: {}); recording over {} from now on";
            if (camera.transport() == Transport.AUTO) {
                LOG.info(line, camera.id(), name(transport), result.detail(), name(other));
            } else {
                LOG.warn(line, camera.id(), name(transport), result.detail(), name(other));
            }
            transport = other;
            return true;
        }
        if (camera.transport() == Transport.AUTO && transport == Transport.UDP && !result.wroteFootage()
                && !refused.contains(Transport.TCP)) {
            // UDP was set up and then brought nothing (a router dropping it), or failed: TCP from now on.
            transport = Transport.TCP;
            if (result.nothingOverUdp()) {
                LOG.info("{}: transport auto: UDP was set up but no RTP came (a router or firewall dropping UDP?);"
                        + " using TCP from now on", camera.id());
            } else {
                LOG.info("{}: transport auto: no footage over UDP ({}); using TCP from now on", camera.id(),
                        result.reason().label());
            }
        }
        return false;
    }

    private static String name(Transport t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** What happens after a network failure, in the words of the log line. */
    private String whenProbed(FailureReason reason, Duration delay) {
        int port = port();
        if (reason == FailureReason.TIMEOUT) {
            return "next attempt in " + delay.toMillis() + " ms if port " + port + " keeps answering, or as soon as"
                    + " it answers again once a probe finds it closed (probed every " + PROBE_PERIOD.toSeconds() + " s)";
        }
        return "port " + port + " probed every " + PROBE_PERIOD.toSeconds() + " s; next attempt as soon as port "
                + port + " answers";
    }

    private static boolean isNetworkFailure(FailureReason reason) {
        return reason == FailureReason.REFUSED || reason == FailureReason.UNREACHABLE
                || reason == FailureReason.TIMEOUT;
    }

    /** Looks the host up afresh and connects to its port; a lookup that fails counts as a closed port. */
    private void probe() {
        pending = null;
        if (stopping) {
            finish();
            return;
        }
        int port = port();
        CompletableFuture<Boolean> open = resolver.resolve(host())
                .thenCompose(address -> probe.probe(address, port))
                .exceptionally(e -> false);
        whenAnswered(open, PROBE_TIMEOUT, (answer, failure) -> probed(Boolean.TRUE.equals(answer)));
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
            // The port answered all along: wait out the backoff. The retry timer starts the attempt; until
            // then this placeholder keeps the next step scheduled for the liveness check.
            attemptWhenAllowed = true;
            pending = retryTimer;
        }
    }

    /**
     * Runs {@code then} on the loop with {@code work}'s answer, or with a {@link TimeoutException} once
     * {@code bound} has passed without one; whichever comes first, and only if nothing else (a stop)
     * has superseded it. Until then the give-up timer is {@link #pending}: a step in flight is scheduled.
     */
    private <T> void whenAnswered(CompletableFuture<T> work, Duration bound, BiConsumer<T, Throwable> then) {
        long id = ++inFlight;
        pending = loop.schedule(() -> {
            if (id == inFlight) {
                inFlight++;
                pending = null;
                then.accept(null, new TimeoutException("no answer within " + bound.toSeconds() + " s"));
            }
        }, bound.toMillis(), TimeUnit.MILLISECONDS);
        work.whenComplete((value, failure) -> {
            try {
                loop.execute(() -> {
                    if (id == inFlight) {
                        inFlight++;
                        cancel(pending);
                        pending = null;
                        then.accept(value, failure);
                    }
                });
            } catch (RejectedExecutionException e) {
                // the loop is shut down: the recorder is closing, nothing waits for this answer
            }
        });
    }

    private static String why(Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return t.getMessage() != null ? t.getMessage().strip() : t.getClass().getSimpleName();
    }

    private String host() {
        return camera.url().getHost();
    }

    private int port() {
        URI url = camera.url();
        return url.getPort() > 0 ? url.getPort() : "rtsps".equalsIgnoreCase(url.getScheme()) ? 322 : 554;
    }

    private static void cancel(ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
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
     * next attempt is scheduled (a lookup or probe in flight, bounded by its own timer, included), or
     * when stopping.
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
