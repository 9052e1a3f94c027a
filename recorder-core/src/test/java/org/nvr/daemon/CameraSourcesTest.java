package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.source.rtsp.RtspSource;

/** Which source an attempt gets: the config's, FFmpeg for what the RTSP client cannot do yet (TLS). */
class CameraSourcesTest {
    private final List<String> published = new ArrayList<>();
    private final List<Transport> ffmpeg = new ArrayList<>();

    private CameraSources sources(Source source, Transport transport) {
        return sources(source, transport, "rtsp://127.0.0.1:1/x");
    }

    private CameraSources sources(Source source, Transport transport, String url) {
        CameraConfig camera = new CameraConfig("cam", "site", "cam", URI.create(url), Optional.empty(),
                Optional.empty(), transport, AudioPolicy.TRANSCODE, Duration.ofSeconds(5), Retention.NONE,
                Optional.empty(), Optional.empty(), source);
        EmbeddedChannel loop = new EmbeddedChannel();
        RtspSource rtsp = new RtspSource(loop.eventLoop(), RtspSessionOptions.defaults(), (c, o, w) -> null,
                c -> FrameSink.NONE);
        CameraSupervisor.SessionFactory ff = (c, t, o, stop) -> {
            ffmpeg.add(t);
            return CameraSupervisor.Session.onThread(() -> new SessionResult(FailureReason.EOF, "ffmpeg", Duration.ZERO),
                    Runnable::run);
        };
        return new CameraSources(camera, ff, rtsp, loop.eventLoop(), new StreamWarnings(),
                (label, fallback) -> published.add(label + "/" + fallback));
    }

    private CameraSupervisor.Session attempt(CameraSources s, Transport transport) {
        return s.create(s.camera(), transport, CameraObserver.NONE, () -> false);
    }

    @Test
    void rtspOverTcpGoesThroughTheClient() {
        CameraSources s = sources(Source.RTSP, Transport.TCP);
        attempt(s, Transport.TCP);
        assertTrue(ffmpeg.isEmpty(), "not FFmpeg's: " + ffmpeg);
        assertEquals(List.of("rtsp/null"), published, "published at start");
        assertEquals("rtsp", s.describe());
    }

    @Test
    void ffmpegStaysFfmpeg() {
        CameraSources s = sources(Source.FFMPEG, Transport.TCP);
        attempt(s, Transport.TCP);
        assertEquals(List.of(Transport.TCP), ffmpeg);
        assertEquals("ffmpeg", s.describe());
    }

    @Test
    void udpAndAutoGoThroughOurClient() {
        attempt(sources(Source.RTSP, Transport.UDP), Transport.UDP);
        attempt(sources(Source.RTSP, Transport.AUTO), Transport.UDP);
        attempt(sources(Source.RTSP, Transport.AUTO), Transport.TCP); // after UDP brought nothing
        attempt(sources(Source.RTSP, Transport.TCP), Transport.UDP); // after a 461 over TCP
        assertEquals(List.of(), ffmpeg);
    }

    @Test
    void rtspsGoesThroughFfmpeg() {
        attempt(sources(Source.RTSP, Transport.TCP, "rtsps://127.0.0.1:1/x"), Transport.TCP);
        assertEquals(List.of(Transport.TCP), ffmpeg, "our client has no TLS");
    }
}
