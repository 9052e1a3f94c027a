package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.nvr.camera.CameraState;
import org.nvr.camera.CameraSupervisor;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.MetricsConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.config.SiteConfig;
import org.nvr.config.StorageConfig;
import org.nvr.config.Transport;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transport: tcp | udp | auto}: each records, and auto falls back to TCP where UDP is refused
 * or where UDP is set up but brings no packets.
 */
class TransportTest {
    @TempDir
    Path root;

    static CameraConfig camera(String id, String url, Transport transport) {
        return new CameraConfig(id, "site", id, URI.create(url), Optional.empty(), Optional.empty(), transport,
                AudioPolicy.DROP, Duration.ofSeconds(3), Retention.NONE, Optional.empty(), Optional.empty());
    }

    /**
     * A UDP-only server (VLC's RTSP output, many relays) answers a TCP-interleaved SETUP with 461: a
     * camera left at the default {@code transport: tcp} moves to UDP by itself, says so once, and records
     * footage that decodes.
     */
    @Test
    void tcpRefusedWith461FallsBackToUdpAndRecords() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 100, 300_000);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger supervisorLog = (Logger) LoggerFactory.getLogger(CameraSupervisor.class);
        supervisorLog.addAppender(log);
        try (RtspCameraSimulator udpOnly = new RtspCameraSimulator()) {
            udpOnly.addCamera("cam", clip);
            udpOnly.setTcpEnabled(false);
            udpOnly.start();
            NvrConfig config = TestCameras.config(root, Duration.ofSeconds(60),
                    camera("vlc", udpOnly.url("cam"), Transport.TCP));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                RecorderGstTest.await(Duration.ofSeconds(20), "recording over UDP",
                        () -> recorder.statuses().get(0).current() == CameraState.RECORDING);
                Thread.sleep(2500); // a little footage
            }
        } finally {
            supervisorLog.detachAppender(log);
        }
        List<String> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("vlc: the camera refuses RTSP over tcp (461 Unsupported Transport")
                && warnings.get(0).endsWith("recording over udp from now on"), warnings.get(0));
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<SegmentRow> segs = q.segments("vlc", Instant.EPOCH, Instant.now());
            assertEquals(1, segs.size());
            Path file = root.resolve(segs.get(0).path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file));
            long frames = MediaProbe.frameCount(file);
            assertTrue(frames >= 50, "at least 2 s of pictures decode: " + frames);
        }
    }

    /** The same against a real, independent server: gst-rtsp-server with its protocols set to UDP. */
    @Test
    void tcpRefusedByARealUdpOnlyServerFallsBackToUdp() throws Exception {
        try (GstRtspServer gst = GstRtspServer.start()) {
            NvrConfig config = TestCameras.config(root, Duration.ofSeconds(60),
                    camera("gst", gst.url(GstRtspServer.H264_UDP_ONLY), Transport.TCP));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                RecorderGstTest.await(Duration.ofSeconds(30), "recording over UDP",
                        () -> recorder.statuses().get(0).current() == CameraState.RECORDING);
                Thread.sleep(2500); // a little footage
            }
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<SegmentRow> segs = q.segments("gst", Instant.EPOCH, Instant.now());
            assertEquals(1, segs.size());
            Path file = root.resolve(segs.get(0).path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file));
            assertTrue(MediaProbe.frameCount(file) >= 25, "pictures decode");
        }
    }

    @Test
    void everyTransportRecordsAndAutoFallsBackToTcp() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 100, 300_000);
        try (RtspCameraSimulator udpCapable = new RtspCameraSimulator();
             RtspCameraSimulator tcpOnly = new RtspCameraSimulator()) {
            udpCapable.addCamera("cam", clip);
            udpCapable.setUdpEnabled(true);
            udpCapable.start();
            tcpOnly.addCamera("cam", clip);
            tcpOnly.setUdpEnabled(false); // answers a UDP SETUP with 461, as cameras behind some routers do
            tcpOnly.start();
            udpCapable.addCamera("blackhole", clip);
            udpCapable.camera("blackhole").setUdpBlackhole(true); // UDP is set up, then nothing arrives
            List<CameraConfig> cams = List.of(
                    camera("tcp", udpCapable.url("cam"), Transport.TCP),
                    camera("udp", udpCapable.url("cam"), Transport.UDP),
                    camera("auto", udpCapable.url("cam"), Transport.AUTO),
                    camera("auto-fallback", tcpOnly.url("cam"), Transport.AUTO),
                    camera("auto-no-udp", udpCapable.url("blackhole"), Transport.AUTO));
            NvrConfig config = new NvrConfig(new StorageConfig(root, Duration.ofSeconds(60), Retention.NONE),
                    new MetricsConfig("127.0.0.1", 0), List.of(new SiteConfig("site", "Site", cams)));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                RecorderGstTest.await(Duration.ofSeconds(20), "all recording", () -> recorder.statuses().stream()
                        .allMatch(s -> s.current() == CameraState.RECORDING));
                Thread.sleep(2500); // a little footage
            }
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (String id : List.of("tcp", "udp", "auto", "auto-fallback", "auto-no-udp")) {
                List<SegmentRow> segs = q.segments(id, Instant.EPOCH, Instant.now());
                assertEquals(1, segs.size(), id);
                assertEquals(1, q.runs(id, Instant.EPOCH, Instant.now()).size(), id + ": no reconnect needed");
                assertEquals(List.of(), MediaProbe.decodeErrors(root.resolve(segs.get(0).path())), id);
            }
        }
    }
}
