package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.Backoff;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Source;
import org.nvr.config.Transport;
import org.nvr.daemon.CameraSources;
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.sim.AuthScheme;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;
import org.slf4j.LoggerFactory;

/**
 * Cameras recorded through the RTSP client under a real {@link CameraSupervisor}: each fault of the
 * camera ends the attempt with its exact reason (the supervisor's reconnect reason), and a camera that
 * refuses interleaved TCP (461) is moved to UDP and {@code transport: udp} and {@code auto} record, all
 * through our client and never through FFmpeg.
 */
class SupervisedSourcesTest {
    private static final String PASSWORD = "s3cr:t@Pass#word";
    private static EventLoopGroup group;
    private static WriterLanes lanes;
    private static SyntheticClip clip;

    private RtspCameraSimulator simulator;
    private SimulatedCamera camera;
    private CameraSupervisor supervisor;
    private final BlockingQueue<FailureReason> reconnects = new LinkedBlockingQueue<>();
    private final List<Transport> ffmpegAttempts = new CopyOnWriteArrayList<>();
    private final FakeRecorder recorder = new FakeRecorder();

    @BeforeAll
    static void startThreads() {
        group = RtspTransports.newGroup(1, "sources-test");
        lanes = new WriterLanes(1);
        clip = SyntheticClip.generate(320, 240, 25, 10, 50, 300_000);
    }

    @AfterAll
    static void stopThreads() {
        lanes.close(Duration.ofSeconds(2));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @BeforeEach
    void startSimulator() {
        simulator = new RtspCameraSimulator();
        camera = simulator.addCamera("cam", clip);
    }

    @AfterEach
    void stop() throws Exception {
        if (supervisor != null) {
            supervisor.stop().get(10, TimeUnit.SECONDS);
        }
        simulator.close();
    }

    private static CameraConfig config(String url, Optional<String> user, Optional<String> password, Duration stall) {
        return config(url, Transport.TCP, stall);
    }

    private static CameraConfig config(String url, Transport transport, Duration stall) {
        return config(url, Optional.empty(), Optional.empty(), transport, stall);
    }

    private static CameraConfig config(String url, Optional<String> user, Optional<String> password,
                                       Transport transport, Duration stall) {
        return new CameraConfig("cam", "site", "cam", URI.create(url), user, password, transport,
                AudioPolicy.TRANSCODE, stall, Retention.NONE, Optional.empty(), Optional.empty(), Source.RTSP);
    }

    /** Supervises {@code cam}; returns the reason of its first failed attempt. */
    private FailureReason firstFailure(CameraConfig cam) throws Exception {
        supervise(cam);
        FailureReason reason = reconnects.poll(20, TimeUnit.SECONDS);
        assertNotNull(reason, "the attempt ended");
        return reason;
    }

    /** Supervises {@code cam} with {@link #recorder} and a fake FFmpeg that only counts its attempts. */
    private void supervise(CameraConfig cam) {
        RtspSource rtsp = new RtspSource(group, RtspSessionOptions.defaults().withStepTimeout(Duration.ofSeconds(2)),
                (c, o, w) -> recorder, c -> FrameSink.NONE);
        CameraSupervisor.SessionFactory ffmpeg = (c, transport, observer, stop) -> CameraSupervisor.Session.onThread(
                () -> {
                    ffmpegAttempts.add(transport);
                    return new SessionResult(FailureReason.EOF, "fake ffmpeg", Duration.ZERO);
                }, Runnable::run);
        CameraSources sources = new CameraSources(cam, ffmpeg, rtsp, lanes.lane(), new StreamWarnings());
        CameraObserver observer = new CameraObserver() {
            @Override
            public void sessionEnded(FailureReason reason) {
                reconnects.add(reason);
            }
        };
        supervisor = new CameraSupervisor(cam, sources, group.next(), new Backoff(() -> 0.5),
                (address, port) -> CompletableFuture.completedFuture(true),
                host -> CompletableFuture.completedFuture(InetAddress.getLoopbackAddress()), () -> 0.5, observer,
                Clock.systemUTC());
        supervisor.start();
    }

    /** The lines {@code logger} wrote at info and above while {@code run} ran. */
    private static List<String> logged(Class<?> logger, ThrowingRunnable run) throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(logger);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            run.run();
        } finally {
            log.detachAppender(lines);
        }
        return lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Waits for {@code n} frames at the fake recorder; they must have come through our client's lanes. */
    private void awaitFramesThroughOurClient(int n) throws InterruptedException {
        Poll.until(Duration.ofSeconds(20), n + " frames recorded", () -> recorder.frames().size() >= n);
        assertEquals(List.of(), ffmpegAttempts, "nothing through FFmpeg");
        for (FakeRecorder.Call call : recorder.calls) {
            assertTrue(call.thread().startsWith("nvr-writer-"), "written on a writer lane: " + call);
        }
    }

    @Test
    void wrongPasswordIsAuth() throws Exception {
        camera.requireAuth("admin", PASSWORD, AuthScheme.DIGEST);
        simulator.start();
        assertEquals(FailureReason.AUTH, firstFailure(config(simulator.url("cam"), Optional.of("admin"),
                Optional.of("wrong"), Duration.ofSeconds(5))));
    }

    @Test
    void unknownPathIsNotFound() throws Exception {
        simulator.start();
        assertEquals(FailureReason.NOT_FOUND, firstFailure(config(simulator.url("nope"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5))));
    }

    @Test
    void junkInsteadOfRtspIsProtocol() throws Exception {
        camera.sendGarbageInsteadOfRtsp(true);
        simulator.start();
        assertEquals(FailureReason.PROTOCOL, firstFailure(config(simulator.url("cam"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5))));
    }

    @Test
    void silentAfterPlayIsStalled() throws Exception {
        camera.pauseStream(true);
        simulator.start();
        assertEquals(FailureReason.STALLED, firstFailure(config(simulator.url("cam"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(1))));
        assertTrue(recorder.ends.contains("stalled"), "the recorder was ended with the reason: " + recorder.ends);
    }

    @Test
    void udpRecordsThroughOurClient() throws Exception {
        simulator.setTcpEnabled(false); // 461 to interleaved TCP: only UDP can bring these frames
        simulator.start();
        supervise(config(simulator.url("cam"), Transport.UDP, Duration.ofSeconds(5)));
        awaitFramesThroughOurClient(30);
        assertEquals(List.of(), List.copyOf(reconnects), "no failed attempt");
        assertTrue(simulator.udpRtpReceived() >= 1, "our client punched the camera's UDP port");
    }

    @Test
    void autoMovesToTcpOnceWhenUdpBringsNothing() throws Exception {
        camera.setUdpBlackhole(true); // a router dropping UDP: set up fine, then nothing
        simulator.start();
        List<String> lines = logged(CameraSupervisor.class, () -> {
            assertEquals(FailureReason.STALLED, firstFailure(config(simulator.url("cam"), Transport.AUTO,
                    Duration.ofSeconds(1))));
            awaitFramesThroughOurClient(30);
        });
        assertEquals(List.of(), List.copyOf(reconnects), "one failed attempt over UDP, then TCP records");
        List<String> moves = lines.stream().filter(l -> l.contains("transport auto")).toList();
        assertEquals(1, moves.size(), lines.toString());
        assertTrue(moves.get(0).contains("UDP was set up but no RTP came"), moves.get(0));
    }

    @Test
    void refusedInterleavedTcpMovesToUdpThroughOurClient() throws Exception {
        simulator.setTcpEnabled(false);
        simulator.start();
        List<String> lines = logged(CameraSupervisor.class, () -> {
            assertEquals(FailureReason.PROTOCOL, firstFailure(config(simulator.url("cam"), Optional.empty(),
                    Optional.empty(), Duration.ofSeconds(5))));
            awaitFramesThroughOurClient(30);
        });
        assertEquals(List.of(), List.copyOf(reconnects), "one attempt refused, then UDP records");
        assertEquals(1, lines.stream().filter(l -> l.contains("461")).count(), lines.toString());
    }
}
