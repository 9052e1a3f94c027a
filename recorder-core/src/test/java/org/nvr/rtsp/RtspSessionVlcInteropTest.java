package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.SourceException;
import org.nvr.config.Transport;
import org.nvr.media.Frame;
import org.nvr.mp4.FragmentedMp4Writer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.nvr.testing.VlcRtspServer;

/**
 * {@link RtspSession} against VLC's RTSP output, a third RTSP server that shares no code with ours: over
 * UDP every picture VLC sends arrives, the written fMP4 decodes with ffmpeg to the clip's frame count; over
 * TCP VLC's 461 ends the session as transport refused.
 */
class RtspSessionVlcInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final VlcRtspServer.Clip CLIP = new VlcRtspServer.Clip(320, 240, 25, 25, 50, 25);
    private static EventLoopGroup group;

    private VlcRtspServer vlc;
    private RtspSession session;

    @BeforeAll
    static void startLoop() {
        group = RtspTransports.newGroup(1, "rtsp-vlc-test");
    }

    @AfterAll
    static void stopLoop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.close();
        }
        if (vlc != null) {
            vlc.close();
        }
    }

    @Test
    void everyFrameVlcSendsOverUdpIsRecordedAndDecodes(@TempDir Path dir) throws Exception {
        vlc = VlcRtspServer.start(CLIP);
        Received received = new Received();
        session = RtspSession.open(group, URI.create(vlc.url()), Optional.empty(),
                RtspSessionOptions.defaults().withTransport(Transport.UDP), received);
        Poll.until(WAIT, "PLAY answered", () -> playAnswered(session.exchange()));

        vlc.play();
        assertTrue(vlc.awaitFed(WAIT), "clip fed to VLC");
        Poll.until(WAIT, CLIP.frames() + " frames", () -> received.frames().size() >= CLIP.frames());
        List<Frame> frames = received.frames();
        assertEquals(CLIP.frames(), frames.size(), "exactly the clip's pictures");
        assertTrue(frames.get(0).keyframe(), "starts at the clip's first keyframe");
        assertEquals(CLIP.keyframes(), frames.stream().filter(Frame::keyframe).count());
        for (int i = 1; i < frames.size(); i++) { // VLC times a live input by its arrival: not exactly 1/fps apart
            assertTrue(frames.get(i).dts() > frames.get(i - 1).dts(), "frame " + i);
        }
        assertEquals(0, session.stats().packetsLost(), String.valueOf(session.stats()));

        Path file = dir.resolve("vlc.mp4");
        try (FragmentedMp4Writer writer = FragmentedMp4Writer.create(file, List.of(frames.get(0).track()),
                Duration.ofSeconds(1))) {
            for (Frame frame : frames) {
                writer.write(frame);
            }
        }
        assertEquals(CLIP.frames(), MediaProbe.frameCount(file));
        // VLC times pictures by their arrival, and one now and then comes a few ms "before" the previous one;
        // the writer keeps decode times increasing by a tick, which ffmpeg's null muxer, rounding to 1/25 s,
        // calls non-monotonic. That line is about ffmpeg's output, not the file: every other line would be.
        List<String> errors = MediaProbe.decodeErrors(file).stream()
                .filter(l -> !l.contains("non monotonically increasing dts to muxer") && !l.contains("Last message repeated"))
                .toList();
        assertEquals(List.of(), errors);
    }

    @Test
    void vlcRefusesInterleavedTcpWith461() throws Exception {
        vlc = VlcRtspServer.start(CLIP);
        Received received = new Received();
        session = RtspSession.open(group, URI.create(vlc.url()), Optional.empty(), RtspSessionOptions.defaults(),
                received);
        SourceException failure = session.closeFuture().get(20, TimeUnit.SECONDS);
        assertTrue(failure.isTransportRefused(), failure.getMessage());
        assertTrue(failure.getMessage().contains("461"), failure.getMessage());
    }

    private static boolean playAnswered(List<String> exchange) {
        for (int i = 0; i + 1 < exchange.size(); i++) {
            if (exchange.get(i).startsWith("> PLAY ") && exchange.get(i + 1).startsWith("< RTSP/1.0 200")) {
                return true;
            }
        }
        return false;
    }
}
