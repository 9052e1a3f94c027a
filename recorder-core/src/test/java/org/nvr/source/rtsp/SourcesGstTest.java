package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.Poll;
import org.slf4j.LoggerFactory;

/**
 * The RTSP source against gst-rtsp-server, an independent server: G.711 audio reaches the recorder as
 * AAC (transcoded on the writer lane), and a Motion JPEG camera, which the client cannot receive, is
 * recorded through FFmpeg from its first attempt on, said once.
 */
class SourcesGstTest {
    private static GstRtspServer server;
    private static EventLoopGroup group;
    private static WriterLanes lanes;

    @BeforeAll
    static void start() throws Exception {
        server = GstRtspServer.start();
        group = RtspTransports.newGroup(1, "gst-sources-test");
        lanes = new WriterLanes(1);
    }

    @AfterAll
    static void stop() {
        lanes.close(Duration.ofSeconds(2));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        server.close();
    }

    private static CameraConfig config(String mount) {
        return new CameraConfig("cam", "site", "cam", URI.create(server.url(mount)), Optional.empty(), Optional.empty(),
                Transport.TCP, AudioPolicy.TRANSCODE, Duration.ofSeconds(5), Retention.NONE, Optional.empty(),
                Optional.empty(), Source.RTSP);
    }

    @Test
    void g711ReachesTheRecorderAsAac() throws Exception {
        FakeRecorder recorder = new FakeRecorder();
        RtspSource source = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                c -> FrameSink.NONE);
        RtspCameraSession session = source.session(config(GstRtspServer.H264_ALAW), lanes.lane(), CameraObserver.NONE,
                new StreamWarnings(), codec -> { });
        var result = session.start().toCompletableFuture();
        Poll.until(Duration.ofSeconds(20), "AAC frames", () -> recorder.frames().stream()
                .filter(f -> f.track().codec() == Codec.AAC).count() >= 10);
        session.stop();
        assertEquals(FailureReason.SHUTDOWN, result.get(10, TimeUnit.SECONDS).reason());

        List<Codec> tracks = recorder.calls.get(0).tracks().stream().map(t -> t.codec()).toList();
        assertEquals(List.of(Codec.H264, Codec.AAC), tracks, "the recorder sees AAC, never G.711");
        for (Frame f : recorder.frames()) {
            assertTrue(f.track().codec() == Codec.H264 || f.track().codec() == Codec.AAC, f.track().codec().name());
        }
        assertTrue(recorder.calls.get(0).tracks().get(1).decoderConfig().length >= 2, "AudioSpecificConfig");
    }

    @Test
    void motionJpegFallsBackToFfmpegOnceAndSaysSoOnce() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(CameraSources.class);
        log.start();
        logger.addAppender(log);
        try {
            List<Transport> ffmpegRuns = new CopyOnWriteArrayList<>();
            FakeRecorder recorder = new FakeRecorder();
            RtspSource source = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                    c -> FrameSink.NONE);
            CameraSupervisor.SessionFactory ffmpeg = (c, transport, observer, stop) -> CameraSupervisor.Session.onThread(
                    () -> {
                        ffmpegRuns.add(transport);
                        return new SessionResult(FailureReason.EOF, "fake ffmpeg", Duration.ZERO);
                    }, Runnable::run);
            CameraConfig cam = config(GstRtspServer.MJPEG);
            CameraSources sources = new CameraSources(cam, ffmpeg, source, lanes.lane(), new StreamWarnings());
            assertEquals("rtsp", sources.describe());

            SessionResult first = sources.create(cam, Transport.TCP, CameraObserver.NONE, () -> false).start()
                    .toCompletableFuture().get(20, TimeUnit.SECONDS);
            assertEquals("fake ffmpeg", first.detail(), "the attempt that found MJPEG went on through FFmpeg");
            assertEquals(1, ffmpegRuns.size());
            assertEquals("ffmpeg (fallback: mjpeg)", sources.describe());

            sources.create(cam, Transport.TCP, CameraObserver.NONE, () -> false).start().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
            assertEquals(2, ffmpegRuns.size(), "FFmpeg from now on");
            assertTrue(recorder.calls.isEmpty(), "nothing reached the RTSP side's recorder");
            List<String> lines = log.list.stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("mjpeg")).toList();
            assertEquals(1, lines.size(), String.valueOf(lines));
            assertEquals("cam: the camera sends mjpeg, which our RTSP client cannot receive; recording it through"
                    + " FFmpeg from now on", lines.get(0));
        } finally {
            logger.detachAppender(log);
        }
    }
}
