package org.nvr.camera;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.slf4j.LoggerFactory;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;

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
    /** The transport of each session, in order. */
    final List<Transport> transports = new ArrayList<>();
    /** The addresses probed, in order. */
    final List<InetAddress> probed = new ArrayList<>();
    /** Host names looked up, in order. */
    final List<String> lookups = new ArrayList<>();
    /** What the name server says now: an address, null for "no such name", or no answer at all. */
    InetAddress dnsAnswer = InetAddress.getLoopbackAddress();
    boolean dnsSilent;

    CompletableFuture<InetAddress> lookUp(String host) {
        lookups.add(host);
        if (dnsSilent) {
            return new CompletableFuture<>();
        }
        return dnsAnswer != null ? CompletableFuture.completedFuture(dnsAnswer)
                : CompletableFuture.failedFuture(new UnknownHostException(host + ": NXDOMAIN"));
    }

    /** When set, a probe never answers: a camera whose modem is off drops the SYN, nothing comes back. */
    boolean probeHangs;
    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    final Logger logger = (Logger) LoggerFactory.getLogger(CameraSupervisor.class);
    Level level;

    @BeforeEach
    void captureLog() {
        level = logger.getLevel();
        logger.setLevel(Level.DEBUG); // the repeated failures' lines are at debug
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
        logger.setLevel(level);
    }

    /** A camera known by a dynamic-DNS name, as most household cameras are. */
    static final CameraConfig NAMED = new CameraConfig("cam-02", "site-1", "cam", URI.create("rtsp://cam.example:8554/x"),
            Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.DROP, Duration.ofSeconds(5),
            Retention.NONE, Optional.empty(), Optional.empty());

    CameraSupervisor supervisor(double random) {
        return supervisor(random, CAMERA);
    }

    CameraSupervisor supervisor(double random, CameraConfig camera) {
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
        return new CameraSupervisor(camera, (cam, transport, obs, stop) -> CameraSupervisor.Session.onThread(() -> {
            sessionsRun++;
            transports.add(transport);
            return script.isEmpty() ? new SessionResult(FailureReason.AUTH, "401", Duration.ZERO) : script.poll();
        }, Runnable::run), channel.eventLoop(), new Backoff(() -> random), (address, port) -> {
            probes++;
            probed.add(address);
            return probeHangs ? new CompletableFuture<>() : CompletableFuture.completedFuture(portOpen);
        }, this::lookUp, () -> 0.5, observer, Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC));
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

    // ---- what the log promises is what happens ---------------------------------------------------

    /** The delay the last "next attempt in N ms" line announced. */
    private long announcedDelay() {
        for (int i = log.list.size() - 1; i >= 0; i--) {
            Matcher m = Pattern.compile("next attempt in (\\d+) ms").matcher(log.list.get(i).getFormattedMessage());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
        }
        throw new AssertionError("no delay announced in " + log.list);
    }

    /** Asserts that the next session starts exactly {@code millis} from now: not a millisecond before. */
    private void assertNextSessionAfter(long millis, String what) {
        int before = sessionsRun;
        advance(millis - 1);
        assertEquals(before, sessionsRun, what + ": not before the announced " + millis + " ms");
        advance(1);
        assertEquals(before + 1, sessionsRun, what + ": at the announced " + millis + " ms");
    }

    @Test
    void theAnnouncedDelayIsTheDelayAfterFailures() {
        for (int i = 0; i < 4; i++) {
            script.add(failed(FailureReason.PROTOCOL));
        }
        CameraSupervisor s = supervisor(0.9); // jitter factor 1.16
        s.start();
        channel.runPendingTasks();
        for (int i = 0; i < 4; i++) {
            assertNextSessionAfter(announcedDelay(), "failure " + (i + 1));
        }
    }

    @Test
    void theAnnouncedDelayIsTheDelayAfterASessionThatRecorded() {
        for (int i = 0; i < 3; i++) {
            script.add(failed(FailureReason.PROTOCOL));
        }
        // recorded 10 s, less than a healthy stretch: the backoff is not reset, but the retry is quick
        script.add(new SessionResult(FailureReason.EOF, "camera closed", Duration.ofSeconds(10)));
        CameraSupervisor s = supervisor(0.9);
        s.start();
        channel.runPendingTasks();
        for (int i = 0; i < 3; i++) {
            assertNextSessionAfter(announcedDelay(), "failure " + (i + 1));
        }
        assertEquals(4, sessionsRun);
        assertNextSessionAfter(announcedDelay(), "after footage");
    }

    @Test
    void aRefusedCameraIsAnnouncedAsProbedNotAsAFixedDelay() {
        script.add(failed(FailureReason.PROTOCOL));
        script.add(failed(FailureReason.REFUSED));
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        advance(1000);
        assertEquals(2, sessionsRun);
        String last = log.list.get(log.list.size() - 1).getFormattedMessage();
        assertTrue(last.contains("refused") && last.contains("next attempt as soon as port 554 answers"), last);
        assertTrue(!last.contains("next attempt in"), "no delay promised that the probe would break: " + last);
        portOpen = true;
        advance(1000);
        assertEquals(3, sessionsRun, "as announced: at the first probe that finds the port open");
    }

    // ---- transport ---------------------------------------------------------------------------------

    private static SessionResult refusedTransport() {
        return new SessionResult(FailureReason.PROTOCOL, "Protocol not supported (-93)", Duration.ZERO, true);
    }

    @Test
    void aTransportRefusedWith461MovesToTheOtherOnceAndNeverBack() {
        script.add(refusedTransport()); // tcp refused
        script.add(failed(FailureReason.REFUSED)); // the camera goes away for a moment
        script.add(refusedTransport()); // udp refused too: nothing better to move to
        script.add(refusedTransport());
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        advance(1000);
        portOpen = true;
        for (int i = 0; i < 10; i++) {
            advance(1000);
        }
        assertEquals(List.of(Transport.TCP, Transport.UDP, Transport.UDP, Transport.UDP), transports.subList(0, 4));
        List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, warnings.stream().filter(w -> w.contains("461")).count(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("cam-01: the camera refuses RTSP over tcp (461 Unsupported Transport"),
                warnings.get(0));
    }

    @Test
    void autoMovesToTcpForGoodWhenUdpBringsNothingAndSaysWhyOnce() {
        CameraConfig auto = new CameraConfig("cam-01", "site-1", "cam", URI.create("rtsp://127.0.0.1/x"),
                Optional.empty(), Optional.empty(), Transport.AUTO, AudioPolicy.DROP, Duration.ofSeconds(5),
                Retention.NONE, Optional.empty(), Optional.empty());
        script.add(new SessionResult(FailureReason.STALLED, "UDP set up but no RTP arrived", Duration.ZERO, false, true));
        script.add(failed(FailureReason.STALLED)); // over tcp: the camera itself is silent now
        script.add(failed(FailureReason.STALLED));
        CameraSupervisor s = supervisor(0.5, auto);
        s.start();
        channel.runPendingTasks();
        advance(1000);
        advance(2000);
        assertEquals(List.of(Transport.UDP, Transport.TCP, Transport.TCP), transports.subList(0, 3));
        List<String> moves = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("transport auto")).toList();
        assertEquals(List.of("cam-01: transport auto: UDP was set up but no RTP came (a router or firewall dropping"
                + " UDP?); using TCP from now on"), moves);
    }

    @Test
    void theFirstFailureOverTheNewTransportIsWarnedAboutWhateverItsReason() {
        script.add(refusedTransport());
        script.add(failed(FailureReason.PROTOCOL)); // over udp now: e.g. the relay's SDP is broken
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        advance(1000);
        assertEquals(List.of(Transport.TCP, Transport.UDP), transports.subList(0, 2));
        List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(1).startsWith("cam-01: protocol (protocol); next attempt in"), warnings.get(1));
    }

    // ---- name lookups ----------------------------------------------------------------------------

    @Test
    void everyAttemptAndEveryProbeLooksTheNameUpAfreshAndFollowsAMove() {
        script.add(failed(FailureReason.REFUSED)); // the modem reconnected: the old address is gone
        dnsAnswer = addr("127.0.0.2");
        CameraSupervisor s = supervisor(0.5, NAMED);
        s.start();
        channel.runPendingTasks();
        assertEquals(1, sessionsRun);
        assertEquals(List.of("cam.example"), lookups, "the attempt looked the name up");
        advance(1000);
        assertEquals(List.of(addr("127.0.0.2")), probed);
        dnsAnswer = addr("127.0.0.3"); // the dynamic-DNS name moved
        portOpen = true;
        advance(1000);
        assertEquals(List.of(addr("127.0.0.2"), addr("127.0.0.3")), probed, "the next probe goes to the new address");
        assertEquals(2, sessionsRun, "and the camera is reconnected at once");
        assertEquals(List.of("cam.example", "cam.example", "cam.example", "cam.example"), lookups,
                "one lookup per attempt and per probe: nothing cached");
    }

    @Test
    void aNameThatDoesNotResolveIsUnreachableAndProbedUntilItDoes() {
        dnsAnswer = null;
        CameraSupervisor s = supervisor(0.5, NAMED);
        s.start();
        channel.runPendingTasks();
        assertEquals(0, sessionsRun, "no session without an address");
        assertEquals(List.of("connecting", "reconnect:unreachable", "down:unreachable"), events);
        String warn = log.list.get(log.list.size() - 1).getFormattedMessage();
        assertTrue(warn.startsWith("cam-02: unreachable (dns: cam.example: cam.example: NXDOMAIN)"), warn);
        for (int i = 0; i < 10; i++) {
            advance(1000);
        }
        assertEquals(0, probes, "nothing to connect to while the name does not resolve");
        dnsAnswer = addr("127.0.0.5");
        portOpen = true;
        advance(1000);
        assertEquals(1, sessionsRun, "a session as soon as the name resolves and the port answers");
    }

    @Test
    void aSilentNameServerIsAScheduledAttemptForMinutes() throws Exception {
        dnsSilent = true;
        CameraSupervisor s = supervisor(0.5, NAMED);
        s.start();
        channel.runPendingTasks();
        for (int ms = 0; ms < 5 * 60_000; ms += 250) {
            advance(250);
            assertNull(liveness(s), "alive at " + ms + " ms while a lookup is in flight");
        }
        assertEquals(0, sessionsRun);
        assertTrue(lookups.size() >= 5 * 60 / 10, "each unanswered lookup is given up on and a new one made: "
                + lookups.size());
        assertTrue(events.contains("down:unreachable"), events.toString());
        assertTrue(log.list.stream().anyMatch(e -> e.getFormattedMessage()
                .startsWith("cam-02: unreachable (dns: cam.example: no answer within 5 s)")), log.list.toString());
        dnsSilent = false;
        portOpen = true;
        for (int ms = 0; ms < PROBE_GIVE_UP_MS + 1500 && sessionsRun == 0; ms += 250) {
            advance(250);
        }
        assertEquals(1, sessionsRun, "the name server answers again: a session");
    }

    private static InetAddress addr(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ---- liveness (the systemd watchdog) ----------------------------------------------------------

    /** How long a probe in flight is waited for. */
    static final long PROBE_GIVE_UP_MS = CameraSupervisor.PROBE_TIMEOUT.toMillis();

    @Test
    void aProbeThatNeverAnswersIsAScheduledAttemptForMinutes() throws Exception {
        script.add(failed(FailureReason.TIMEOUT)); // the modem is off: the connect got no answer at all
        probeHangs = true;
        CameraSupervisor s = supervisor(0.5);
        s.start();
        channel.runPendingTasks();
        for (int ms = 0; ms < 5 * 60_000; ms += 250) {
            advance(250);
            assertNull(liveness(s), "alive at " + ms + " ms while a probe is in flight");
        }
        assertTrue(probes >= 5 * 60 / 10, "a probe that never answers is given up on and tried again: " + probes);
        probeHangs = false;
        portOpen = true;
        int before = sessionsRun;
        for (int ms = 0; ms < PROBE_GIVE_UP_MS + 1500 && sessionsRun == before; ms += 250) {
            advance(250);
        }
        assertEquals(before + 1, sessionsRun, "the camera is back: a session once the hung probe is given up on");
    }

    @Test
    void livenessNeverFailsWhileProbesComeAndGo() throws Exception {
        List<CompletableFuture<Boolean>> inFlight = new ArrayList<>();
        // probes answered by the test, late: each one in flight for 700 ms of every second
        CameraSupervisor slow = new CameraSupervisor(CAMERA, (cam, transport, obs, stop) -> CameraSupervisor.Session.onThread(() -> {
            sessionsRun++;
            return failed(FailureReason.REFUSED);
        }, Runnable::run), channel.eventLoop(), new Backoff(() -> 0.5), (address, port) -> {
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            inFlight.add(f);
            return f;
        }, this::lookUp, () -> 0.5, CameraObserver.NONE, Clock.fixed(Instant.parse("2026-11-29T00:00:00Z"), ZoneOffset.UTC));
        slow.start();
        channel.runPendingTasks();
        for (int ms = 0; ms < 3 * 60_000; ms += 100) {
            advance(100);
            if (ms % 1000 == 700) {
                inFlight.forEach(f -> f.complete(false));
                inFlight.clear();
                channel.runPendingTasks();
            }
            assertNull(liveness(slow), "alive at " + ms + " ms");
        }
    }

    /** A supervisor whose session thread never runs by itself: the test plays the session through its observer. */
    private CameraSupervisor supervisorWithHeldSession(List<Runnable> held, List<CameraObserver> observers) {
        return new CameraSupervisor(CAMERA, (cam, transport, obs, stop) -> {
            observers.add(obs);
            return CameraSupervisor.Session.onThread(() -> new SessionResult(FailureReason.EOF, "camera closed", Duration.ZERO),
                    held::add);
        }, channel.eventLoop(), new Backoff(() -> 0.5),
                (address, port) -> CompletableFuture.completedFuture(false), this::lookUp, () -> 0.5, CameraObserver.NONE,
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
