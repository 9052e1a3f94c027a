package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.camera.Backoff;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraStatus;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.FailureReason;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Source;
import org.nvr.config.Transport;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.source.rtsp.RtspSource;
import org.nvr.source.rtsp.WriterLanes;
import org.nvr.store.FrameRecorder;
import org.nvr.testing.Poll;

/**
 * What our RTSP client counts reaches the camera's meters, scraped from the real registry: RTP packets,
 * losses, reordering and dropped pictures over a lossy UDP path, and the camera clock's offset from its
 * RTCP sender reports, which stays at its last known value once the session has ended; and the bytes
 * received, which are the bytes on the wire (counted by a relay between client and camera), not the
 * pictures' bytes.
 */
class RtspClientMetricsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration CAMERA_AHEAD = Duration.ofHours(1);
    private static EventLoopGroup group;
    private static WriterLanes lanes;
    private static SyntheticClip clip;

    private final RecorderMetrics metrics = new RecorderMetrics();
    private final java.util.concurrent.atomic.AtomicLong framesCount = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong framesBytes = new java.util.concurrent.atomic.AtomicLong();
    private RtspCameraSimulator simulator;
    private CameraSupervisor supervisor;

    @BeforeAll
    static void startThreads() {
        group = RtspTransports.newGroup(1, "metrics-test");
        lanes = new WriterLanes(1);
        clip = SyntheticClip.generate(320, 240, 25, 10, 50, 300_000);
    }

    @AfterAll
    static void stopThreads() {
        lanes.close(Duration.ofSeconds(2));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (supervisor != null) {
            supervisor.stop().get(10, TimeUnit.SECONDS);
        }
        if (simulator != null) {
            simulator.close();
        }
        metrics.close();
    }

    @Test
    void packetsLossAndTheCameraClockReachTheMeters() throws Exception {
        simulator = new RtspCameraSimulator(0, Clock.offset(Clock.systemUTC(), CAMERA_AHEAD));
        SimulatedCamera camera = simulator.addCamera("cam", clip);
        camera.setRtpLossEvery(40);
        camera.setRtpSwapEvery(7);
        simulator.start();
        CameraConfig cam = new CameraConfig("cam-01", "thon-1", "cam", URI.create(simulator.url("cam")),
                Optional.empty(), Optional.empty(), Transport.UDP, AudioPolicy.TRANSCODE, Duration.ofSeconds(5),
                Retention.NONE, Optional.empty(), Optional.empty(), Source.RTSP);
        supervise(cam, new MetricsObserver(metrics.camera("thon-1", "cam-01"), new StorageStats(Path.of("."))));

        Poll.until(WAIT, "loss counted", () -> value("nvr_camera_rtp_packets_lost_total") > 0
                && value("nvr_camera_rtp_frames_dropped_total") > 0
                && value("nvr_camera_rtp_packets_reordered_total") > 0);
        double packets = value("nvr_camera_rtp_packets_total");
        assertTrue(packets > 40 * value("nvr_camera_rtp_packets_lost_total") / 2,
                "every 40th lost: far more received than lost, " + packets);
        assertOffset();

        supervisor.stop().get(10, TimeUnit.SECONDS);
        supervisor = null;
        assertTrue(value("nvr_camera_rtp_packets_total") >= packets, "counters only grow");
        assertOffset(); // the last known offset stays for the technician
    }

    @Test
    void receivedBytesAreWhatCameThroughTheWire() throws Exception {
        simulator = new RtspCameraSimulator(0, Clock.systemUTC());
        simulator.addCamera("cam", clip);
        simulator.start();
        URI direct = URI.create(simulator.url("cam"));
        try (CountingRelay relay = new CountingRelay(direct.getPort())) {
            CameraConfig cam = new CameraConfig("cam-01", "thon-1", "cam",
                    URI.create("rtsp://127.0.0.1:" + relay.port() + direct.getRawPath()), Optional.empty(),
                    Optional.empty(), Transport.TCP, AudioPolicy.TRANSCODE, Duration.ofSeconds(5), Retention.NONE,
                    Optional.empty(), Optional.empty(), Source.RTSP);
            supervise(cam, new MetricsObserver(metrics.camera("thon-1", "cam-01"), new StorageStats(Path.of("."))));
            Poll.until(WAIT, "50 frames recorded", () -> framesBytes.get() > 0 && framesCount.get() >= 50);
            supervisor.stop().get(10, TimeUnit.SECONDS); // TEARDOWN: the camera stops sending
            supervisor = null;
            double received = value("nvr_camera_received_bytes_total");
            double packets = value("nvr_camera_rtp_packets_total");
            long frames = framesBytes.get();
            // RTP over RTSP: a 4-byte $ header and a 12-byte RTP header per packet beside the pictures' bytes
            assertTrue(received >= frames + 12.0 * packets, "wire bytes " + received + " for " + frames
                    + " bytes of pictures in " + packets + " RTP packets");
            assertTrue(received <= relay.toClient(), "never more than the relay passed: " + received + " of "
                    + relay.toClient());
            assertTrue(received > 0.99 * relay.toClient(), "all the relay passed but what was in flight at the end: "
                    + received + " of " + relay.toClient());
        }
    }

    private void assertOffset() {
        double offset = value("nvr_camera_clock_offset_seconds");
        assertTrue(Math.abs(offset - CAMERA_AHEAD.toSeconds()) < 2, "camera clock offset " + offset);
    }

    @Test
    void theRecordersObserverChainPassesRtpReportsOnToTheMeters() {
        // As Recorder wires each camera: state table, then retention, then the meters.
        CameraObserver chain = new CameraStatus("thon-1", "cam-01", null,
                new RetentionTrigger("cam-01", null, new MetricsObserver(metrics.camera("thon-1", "cam-01"),
                        new StorageStats(Path.of(".")))));
        chain.rtpReceived(100, 3, 2, 1);
        chain.rtpReceived(50, 0, 0, 0);
        chain.cameraClockOffset(Duration.ofMillis(-1500));
        assertEquals(150.0, value("nvr_camera_rtp_packets_total"));
        assertEquals(3.0, value("nvr_camera_rtp_packets_lost_total"));
        assertEquals(2.0, value("nvr_camera_rtp_packets_reordered_total"));
        assertEquals(1.0, value("nvr_camera_rtp_frames_dropped_total"));
        assertEquals(-1.5, value("nvr_camera_clock_offset_seconds"));
    }

    /** Supervises {@code cam} through our client (FFmpeg would fail the test), frames into a counting recorder. */
    private void supervise(CameraConfig cam, CameraObserver observer) {
        FrameRecorder recorder = new FrameRecorder() {
            private int frames;

            @Override
            public void tracks(List<Track> tracks) {
            }

            @Override
            public void frame(Frame frame) {
                frames++;
                framesCount.incrementAndGet();
                framesBytes.addAndGet(frame.size());
            }

            @Override
            public Duration end(FailureReason reason, String detail) {
                return Duration.ofSeconds(frames);
            }
        };
        RtspSource rtsp = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                c -> FrameSink.NONE);
        CameraSupervisor.SessionFactory ffmpeg = (c, transport, o, stop) -> {
            throw new AssertionError("not through FFmpeg");
        };
        CameraSources sources = new CameraSources(cam, ffmpeg, rtsp, lanes.lane(), new StreamWarnings());
        supervisor = new CameraSupervisor(cam, sources, group.next(), new Backoff(() -> 0.5),
                (address, port) -> CompletableFuture.completedFuture(true),
                host -> CompletableFuture.completedFuture(InetAddress.getLoopbackAddress()), () -> 0.5, observer,
                Clock.systemUTC());
        supervisor.start();
    }

    private double value(String name) {
        String prefix = name + "{" + Map.of("site", "thon-1", "camera", "cam-01").entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .reduce((a, b) -> a + "," + b).orElseThrow() + "} ";
        return metrics.scrape().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(prefix.length())))
                .orElseThrow(() -> new AssertionError("no " + prefix));
    }

    /** A TCP relay on 127.0.0.1 to {@code port} that counts the bytes it passes to the client. Threads of its own. */
    private static final class CountingRelay implements AutoCloseable {
        private final java.net.ServerSocket server = new java.net.ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        private final java.util.concurrent.atomic.AtomicLong toClient = new java.util.concurrent.atomic.AtomicLong();
        private final java.util.List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        CountingRelay(int port) throws java.io.IOException {
            Thread accept = new Thread(() -> {
                try {
                    while (true) {
                        java.net.Socket client = server.accept();
                        java.net.Socket camera = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
                        sockets.add(client);
                        sockets.add(camera);
                        pump(client, camera, null);
                        pump(camera, client, toClient);
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            }, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        private void pump(java.net.Socket from, java.net.Socket to, java.util.concurrent.atomic.AtomicLong count) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try (var in = from.getInputStream(); var out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        if (count != null) {
                            count.addAndGet(n);
                        }
                    }
                } catch (java.io.IOException e) {
                    // either side closed
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        long toClient() {
            return toClient.get();
        }

        @Override
        public void close() throws java.io.IOException {
            server.close();
            for (java.net.Socket s : sockets) {
                s.close();
            }
        }
    }
}
