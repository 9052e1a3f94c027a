package org.nvr.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.ingest.FailureReason;

/**
 * The restart loop in virtual time: Netty's embedded event loop stands in for the real one, sessions
 * are scripted and run inline, and time only moves when the test advances it.
 */
class CameraSupervisorTest {
    static final CameraConfig CAMERA = new CameraConfig("cam-01", "site-1", "cam", URI.create("rtsp://127.0.0.1/x"),
            Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.DROP, Duration.ofSeconds(5),
            Retention.NONE, Optional.empty(), Optional.empty());

    final EmbeddedChannel channel = frozen(new EmbeddedChannel());

    /** The embedded loop's clock otherwise follows real time too; frozen, only {@link #advance} moves it. */
    private static EmbeddedChannel frozen(EmbeddedChannel c) {
        c.freezeTime();
        return c;
    }
    final Deque<SessionResult> script = new ArrayDeque<>();
    final List<String> events = new ArrayList<>();
    int sessionsRun;
    int probes;
    boolean portOpen;

    CameraSupervisor supervisor(double random) {
        CameraObserver observer = new CameraObserver() {
            @Override
            public void state(CameraState state, Instant since, FailureReason reason, String detail) {
                events.add(state.label() + (reason == null ? "" : ":" + reason.label()));
            }

            @Override
            public void sessionEnded(FailureReason reason) {
                events.add("reconnect:" + reason.label());
            }
        };
        return new CameraSupervisor(CAMERA, (cam, transport, obs, stop) -> () -> {
            sessionsRun++;
            return script.isEmpty() ? new SessionResult(FailureReason.AUTH, "401", Duration.ZERO) : script.poll();
        }, channel.eventLoop(), Runnable::run, new Backoff(() -> random), (host, port) -> {
            probes++;
            return CompletableFuture.completedFuture(portOpen);
        }, () -> 0.5, observer, Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC));
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runPendingTasks();
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    private static SessionResult failed(FailureReason r) {
        return new SessionResult(r, r.label(), Duration.ZERO);
    }

    @Test
    void retriesWithDoublingCappedBackoffAndNeverGivesUp() {
        CameraSupervisor s = supervisor(0.5); // jitter factor exactly 1
        s.start();
        channel.runPendingTasks();
        assertEquals(1, sessionsRun, "first attempt at once");
        long[] expectedDelays = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
        for (long delay : expectedDelays) {
            int before = sessionsRun;
            advance(delay - 1);
            assertEquals(before, sessionsRun, "not before " + delay + " ms");
            advance(1);
            assertEquals(before + 1, sessionsRun, "attempt after " + delay + " ms");
        }
    }

    @Test
    void healthyMinuteResetsTheBackoff() {
        for (int i = 0; i < 5; i++) {
            script.add(failed(FailureReason.PROTOCOL));
        }
        script.add(new SessionResult(FailureReason.EOF, "camera closed", Duration.ofMinutes(5)));
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        for (long delay : new long[] {1000, 2000, 4000, 8000, 16000}) {
            advance(delay);
        }
        assertEquals(6, sessionsRun, "the sixth session records five minutes then ends");
        advance(999);
        assertEquals(6, sessionsRun);
        advance(1);
        assertEquals(7, sessionsRun, "after a healthy session the retry is back to 1 s");
    }

    @Test
    void jitterStaysWithinTwentyPercent() {
        Backoff low = new Backoff(() -> 0.0);
        Backoff high = new Backoff(() -> 1.0);
        SessionResult f = failed(FailureReason.TIMEOUT);
        assertEquals(800, low.next(f).toMillis());
        assertEquals(1200, high.next(f).toMillis());
        for (int i = 0; i < 10; i++) {
            low.next(f);
            high.next(f);
        }
        assertEquals(24000, low.next(f).toMillis());
        assertEquals(36000, high.next(f).toMillis());
    }

    @Test
    void reportsEveryFailureAsReconnectAndStopsCleanly() {
        script.add(failed(FailureReason.AUTH));
        script.add(failed(FailureReason.NOT_FOUND));
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        advance(1000);
        var stopped = s.stop();
        channel.runPendingTasks();
        assertTrue(stopped.isDone(), "stop completes once no session runs");
        assertEquals(List.of("connecting", "reconnect:auth", "down:auth", "reconnect:not_found", "down:not_found",
                "stopped:shutdown"), events);
        int runs = sessionsRun;
        advance(60_000);
        assertEquals(runs, sessionsRun, "no attempt after stop");
    }

    @Test
    void unreachableCameraIsProbedCheaplyAndReconnectedAsSoonAsItsPortAnswers() {
        for (int i = 0; i < 3; i++) {
            script.add(failed(FailureReason.REFUSED));
        }
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        assertEquals(1, sessionsRun);
        for (int second = 1; second <= 20; second++) {
            advance(1000);
            assertEquals(second, probes, "one TCP probe a second while the port is closed");
            assertEquals(1, sessionsRun, "no RTSP session while the port is closed");
        }
        portOpen = true;
        advance(1000);
        assertEquals(2, sessionsRun, "a session as soon as the port answers, not after the 30 s backoff");
        assertEquals(21, probes);
    }

    @Test
    void timeoutWhileThePortAnswersWaitsOutTheBackoff() {
        for (int i = 0; i < 4; i++) {
            script.add(failed(FailureReason.TIMEOUT));
        }
        portOpen = true; // a camera that accepts connections but never answers RTSP
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        long[] expectedDelays = {1000, 2000, 4000, 8000};
        for (long delay : expectedDelays) {
            int before = sessionsRun;
            for (long t = 0; t < delay - 1; t += 500) {
                advance(Math.min(500, delay - 1 - t));
            }
            assertEquals(before, sessionsRun, "backoff respected: not before " + delay + " ms");
            advance(1);
            assertEquals(before + 1, sessionsRun, "attempt after " + delay + " ms");
        }
    }

    // ---- liveness (the systemd watchdog) ----------------------------------------------------------

    /** A supervisor whose session thread never runs by itself: the test plays the session through its observer. */
    private CameraSupervisor supervisorWithHeldSession(List<Runnable> held, List<CameraObserver> observers) {
        return new CameraSupervisor(CAMERA, (cam, transport, obs, stop) -> {
            observers.add(obs);
            return () -> new SessionResult(FailureReason.EOF, "camera closed", Duration.ZERO);
        }, channel.eventLoop(), held::add, new Backoff(() -> 0.5),
                (host, port) -> CompletableFuture.completedFuture(false), () -> 0.5, CameraObserver.NONE,
                Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC));
    }

    private String liveness(CameraSupervisor s) throws Exception {
        var answer = s.liveness(Duration.ofSeconds(10));
        channel.runPendingTasks();
        assertTrue(answer.isDone(), "answered on the loop");
        return answer.get();
    }

    @Test
    void aSessionThatKeepsReportingIsAlive() throws Exception {
        List<Runnable> held = new ArrayList<>();
        List<CameraObserver> observers = new ArrayList<>();
        CameraSupervisor s = supervisorWithHeldSession(held, observers);
        s.start();
        channel.runPendingTasks();
        assertEquals(1, held.size(), "session handed to its thread");
        for (int i = 0; i < 6; i++) {
            advance(9_000);
            observers.get(0).received(1500); // a packet: the thread is not stuck
            assertNull(liveness(s), "alive at " + (i + 1) * 9 + " s");
        }
    }

    @Test
    void aSessionSilentBeyondItsBoundIsHung() throws Exception {
        List<Runnable> held = new ArrayList<>();
        List<CameraObserver> observers = new ArrayList<>();
        CameraSupervisor s = supervisorWithHeldSession(held, observers);
        s.start();
        channel.runPendingTasks();
        advance(5_000);
        observers.get(0).frameWritten(Instant.EPOCH, Duration.ofMillis(40), 1000, true);
        advance(9_000);
        assertNull(liveness(s), "within the bound");
        advance(2_000);
        assertEquals("cam-01: session made no progress for 11 s (bound 10 s)", liveness(s));

        held.get(0).run(); // the blocked call returns after all: the session ends, a retry is scheduled
        channel.runPendingTasks();
        advance(120_000);
        assertNull(liveness(s), "waiting for the next attempt is alive");
    }

    @Test
    void aStoppingSupervisorIsAlive() throws Exception {
        List<Runnable> held = new ArrayList<>();
        CameraSupervisor s = supervisorWithHeldSession(held, new ArrayList<>());
        s.start();
        channel.runPendingTasks();
        s.stop();
        advance(60_000);
        assertNull(liveness(s), "a stop in progress is the recorder's own deadline's business");
    }

    @Test
    void hangBoundAllowsOpeningStepsEachUpToTheStallTimeout() {
        assertEquals(Duration.ofSeconds(50), CameraSupervisor.hangBound(CAMERA));
    }
}
