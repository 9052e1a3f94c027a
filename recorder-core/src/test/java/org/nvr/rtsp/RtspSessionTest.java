package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.sim.AuthScheme;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * {@link RtspSession} against the camera simulator over loopback: frames arrive paced at the clip's
 * rate starting with a keyframe, TEARDOWN is answered on close, digest credentials work and never show,
 * and every fault ends the session with its exact reason.
 */
class RtspSessionTest {

    private static final String PASSWORD = "s3cr:t@Pass#word";
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static EventLoopGroup group;
    private static SyntheticClip clip;

    private RtspCameraSimulator simulator;
    private SimulatedCamera camera;
    private RtspSession session;

    @BeforeAll
    static void startLoop() {
        group = RtspTransports.newPacedGroup(1, "rtsp-client-test", java.time.Duration.ofMillis(10));
        clip = SyntheticClip.generate(320, 240, 25, 10, 50, 300_000);
    }

    @AfterAll
    static void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @BeforeEach
    void startSimulator() {
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
        simulator.start();
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        simulator.close();
    }

    @Test
    void framesArrivePacedFromAKeyframeAndCloseSendsTeardown() throws Exception {
        Received received = new Received();
        session = open("cam", Optional.empty(), RtspSessionOptions.defaults(), received);

        Poll.until(WAIT, "50 frames", () -> received.frames().size() >= 50);
        List<Frame> frames = received.frames();
        assertEquals(List.of(Codec.H264), received.tracks().stream().map(t -> t.codec()).toList());
        assertTrue(frames.get(0).keyframe(), "the first frame is a keyframe");
        double seconds = (received.arrivalNanos(49) - received.arrivalNanos(0)) / 1e9;
        assertTrue(seconds > 1.5 && seconds < 2.5, "49 frame intervals at 25 fps took " + seconds + " s");
        long keyframes = frames.subList(0, 50).stream().filter(Frame::keyframe).count();
        assertEquals(5, keyframes, "GOP 10");
        assertEquals(1, camera.sessionCount());

        session.close();
        SourceException reason = session.closeFuture().get(5, TimeUnit.SECONDS);
        assertEquals(FailureReason.SHUTDOWN, reason.reason());
        List<String> exchange = session.exchange();
        int teardown = indexOf(exchange, "> TEARDOWN " + simulator.url("cam"));
        assertTrue(teardown > 0, String.valueOf(exchange));
        assertEquals("< RTSP/1.0 200 OK", exchange.get(teardown + 1), "TEARDOWN answered: " + exchange);
        Poll.until(WAIT, "the session gone from the camera", () -> camera.sessionCount() == 0);
    }

    @Test
    void digestCredentialsAreAnsweredAndNeverShown() throws Exception {
        camera.requireAuth("admin", PASSWORD, AuthScheme.DIGEST);
        Received received = new Received();
        session = open("cam", Optional.of(new Credentials("admin", PASSWORD)), RtspSessionOptions.defaults(), received);

        Poll.until(WAIT, "frames", () -> received.frames().size() >= 5);
        List<String> exchange = session.exchange();
        assertTrue(exchange.contains("< RTSP/1.0 401 Unauthorized"), String.valueOf(exchange));
        assertFalse(String.join("\n", exchange).contains("s3cr"), String.valueOf(exchange));
    }

    /** The simulator closes a connection quiet for its session timeout; keep-alives every half of it prevent that. */
    @Test
    void keepAlivesHoldTheSessionPastItsTimeout() throws Exception {
        simulator.close();
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
        simulator.setSessionTimeout(Duration.ofSeconds(2));
        simulator.start();
        Received received = new Received();
        session = open("cam", Optional.empty(), RtspSessionOptions.defaults(), received);

        Poll.until(WAIT, "4 s of frames", () -> received.frames().size() >= 100);
        assertFalse(session.closeFuture().isDone(), "closed: " + session.closeFuture().getNow());
        assertTrue(indexOf(session.exchange(), "> GET_PARAMETER ") > 0, "GET_PARAMETER, listed in Public: "
                + session.exchange());
    }

    @Test
    void wrongPasswordIsAuth() throws Exception {
        camera.requireAuth("admin", PASSWORD, AuthScheme.DIGEST);
        assertEquals(FailureReason.AUTH, failure("cam", Optional.of(new Credentials("admin", "wrong")),
                RtspSessionOptions.defaults()).reason());
    }

    @Test
    void missingCredentialsAreAuth() throws Exception {
        camera.requireAuth("admin", PASSWORD, AuthScheme.BASIC);
        assertEquals(FailureReason.AUTH, failure("cam", Optional.empty(), RtspSessionOptions.defaults()).reason());
    }

    @Test
    void unknownPathIsNotFound() throws Exception {
        assertEquals(FailureReason.NOT_FOUND, failure("nope", Optional.empty(), RtspSessionOptions.defaults()).reason());
    }

    @Test
    void interleavedRefusedIsTransportRefused() throws Exception {
        simulator.close();
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
        simulator.setTcpEnabled(false);
        simulator.start();

        SourceException failure = failure("cam", Optional.empty(), RtspSessionOptions.defaults());
        assertEquals(FailureReason.PROTOCOL, failure.reason());
        assertTrue(failure.isTransportRefused(), failure.getMessage());
    }

    @Test
    void junkInsteadOfRtspIsProtocol() throws Exception {
        camera.sendGarbageInsteadOfRtsp(true);
        SourceException failure = failure("cam", Optional.empty(),
                RtspSessionOptions.defaults().withStepTimeout(Duration.ofSeconds(2)));
        assertEquals(FailureReason.PROTOCOL, failure.reason(), failure.getMessage());
    }

    @Test
    void silentCameraIsTimeout() throws Exception {
        camera.setSilent(true);
        SourceException failure = failure("cam", Optional.empty(),
                RtspSessionOptions.defaults().withStepTimeout(Duration.ofSeconds(1)));
        assertEquals(FailureReason.TIMEOUT, failure.reason(), failure.getMessage());
    }

    @Test
    void noRtpAfterPlayIsStalledAndTornDown() throws Exception {
        Received received = new Received();
        session = open("cam", Optional.empty(), RtspSessionOptions.defaults().withStallTimeout(Duration.ofSeconds(1)),
                received);
        Poll.until(WAIT, "frames", () -> received.frames().size() >= 5);

        camera.pauseStream(true);
        SourceException reason = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertEquals(FailureReason.STALLED, reason.reason());
        assertTrue(indexOf(session.exchange(), "> TEARDOWN " + simulator.url("cam")) > 0,
                String.valueOf(session.exchange()));
    }

    @Test
    void droppedConnectionIsEof() throws Exception {
        Received received = new Received();
        session = open("cam", Optional.empty(), RtspSessionOptions.defaults(), received);
        Poll.until(WAIT, "frames", () -> received.frames().size() >= 5);

        camera.dropSessions();
        assertEquals(FailureReason.EOF, session.closeFuture().get(10, TimeUnit.SECONDS).reason());
    }

    @Test
    void closedPortIsRefused() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Received received = new Received();
        session = RtspSession.open(group, URI.create("rtsp://127.0.0.1:" + port + "/cam"), Optional.empty(),
                RtspSessionOptions.defaults(), received);
        assertEquals(FailureReason.REFUSED, session.closeFuture().get(10, TimeUnit.SECONDS).reason());
        assertEquals(1, received.closedCount());
    }

    /** The first line of {@code exchange} starting with {@code prefix}, or -1. */
    private static int indexOf(List<String> exchange, String prefix) {
        for (int i = 0; i < exchange.size(); i++) {
            if (exchange.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private SourceException failure(String path, Optional<Credentials> credentials, RtspSessionOptions options)
            throws Exception {
        Received received = new Received();
        session = open(path, credentials, options, received);
        SourceException reason = session.closeFuture().get(10, TimeUnit.SECONDS);
        assertTrue(received.frames().isEmpty(), "no frames");
        assertEquals(1, received.closedCount());
        return reason;
    }

    private RtspSession open(String path, Optional<Credentials> credentials, RtspSessionOptions options,
                             Received received) {
        return RtspSession.open(group, URI.create(simulator.url(path)), credentials, options, received);
    }
}
