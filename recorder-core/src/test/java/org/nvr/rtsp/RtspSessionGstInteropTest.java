package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.camera.FailureReason;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.config.Transport;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.Poll;

/**
 * {@link RtspSession} against a real, independent RTSP server (gst-rtsp-server): the tracks its SDP
 * describes, video frames from a keyframe, AAC and A-law frames, and a TEARDOWN answered on close.
 */
class RtspSessionGstInteropTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static GstRtspServer server;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        server = GstRtspServer.start();
        group = RtspTransports.newGroup(1, "rtsp-client-gst-test");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void h264() throws Exception {
        Received received = play(GstRtspServer.H264, List.of(Codec.H264), 0);
        assertEquals(2, received.tracks().get(0).parameterSets().size(), "SPS and PPS from the SDP");
    }

    /** Over UDP, two tracks: each its port pair, audio and video both arrive; gst's RTCP over UDP feeds the camera clock. */
    @Test
    void h264WithAacOverUdp() throws Exception {
        Received received = play(GstRtspServer.H264_AAC, List.of(Codec.H264, Codec.AAC), 1,
                RtspSessionOptions.defaults().withTransport(Transport.UDP));
        assertEquals(1024, received.frames(1).get(1).pts() - received.frames(1).get(0).pts());
    }

    /** A server that takes UDP only: over UDP it plays, over TCP it is transport refused. */
    @Test
    void udpOnlyServer() throws Exception {
        play(GstRtspServer.H264_UDP_ONLY, List.of(Codec.H264), 0, RtspSessionOptions.defaults().withTransport(Transport.UDP));
        RtspSession tcp = RtspSession.open(group, URI.create(server.url(GstRtspServer.H264_UDP_ONLY)), Optional.empty(),
                RtspSessionOptions.defaults(), new Received());
        assertTrue(tcp.closeFuture().get(10, TimeUnit.SECONDS).isTransportRefused());
    }

    @Test
    void h265() throws Exception {
        play(GstRtspServer.H265, List.of(Codec.H265), 0);
    }

    @Test
    void h264WithAac() throws Exception {
        Received received = play(GstRtspServer.H264_AAC, List.of(Codec.H264, Codec.AAC), 1);
        Track aac = received.tracks().get(1);
        assertTrue(aac.decoderConfig().length >= 2, "AudioSpecificConfig from the SDP");
        List<Frame> audio = received.frames(1);
        for (int i = 1; i < audio.size(); i++) {
            assertEquals(1024, audio.get(i).pts() - audio.get(i - 1).pts(), "AU " + i + " follows the last");
        }
    }

    @Test
    void h264WithAlaw() throws Exception {
        Received received = play(GstRtspServer.H264_ALAW, List.of(Codec.H264, Codec.PCMA), 1);
        assertEquals(8000, received.tracks().get(1).clockRate());
    }

    /**
     * gst-rtsp-server sends RTCP sender reports on channel 1 with its own wall clock, which is ours: an
     * independent check that NTP timestamps are read right (offset near 0, not 70 years or 2^32 s).
     */
    @Test
    void cameraClockOffsetFromSenderReportsIsNearZero() throws Exception {
        Received received = new Received();
        RtspSession session = RtspSession.open(group, URI.create(server.url(GstRtspServer.H264)), Optional.empty(),
                RtspSessionOptions.defaults(), received);
        try {
            Poll.until(WAIT, "a sender report from gst-rtsp-server", () -> session.cameraClockOffset().isPresent());
            Duration offset = session.cameraClockOffset().get();
            assertTrue(offset.abs().compareTo(Duration.ofSeconds(1)) < 0, "offset " + offset);
        } finally {
            session.close();
        }
    }

    /**
     * Every track's sender reports reach the listener as camera times, over TCP and over UDP, in the
     * numbering of the track's frames: the audio and video frames that arrived together were captured
     * together by the camera's clock (gst sends audio ahead of its pictures by the video encoder's
     * latency, well under a second).
     */
    @ParameterizedTest
    @EnumSource(value = Transport.class, names = {"TCP", "UDP"})
    void senderReportsOfEveryTrackGiveTheCamerasTimeOfItsFrames(Transport transport) throws Exception {
        Received received = new Received();
        RtspSession session = RtspSession.open(group, URI.create(server.url(GstRtspServer.H264_AAC)), Optional.empty(),
                RtspSessionOptions.defaults().withTransport(transport), received);
        try {
            Poll.until(WAIT, "sender reports of both tracks", () -> !received.cameraTimes(0).isEmpty()
                    && !received.cameraTimes(1).isEmpty());
        } finally {
            session.close();
        }
        org.nvr.media.CameraTime video = received.cameraTimes(0).get(0);
        org.nvr.media.CameraTime audio = received.cameraTimes(1).get(0);
        assertEquals(90_000, video.clockRate());
        assertEquals(received.tracks().get(1).clockRate(), audio.clockRate());
        Frame v = received.frames(0).get(received.frames(0).size() - 1);
        Frame a = received.frames(1).get(received.frames(1).size() - 1);
        long apart = video.micros(v.pts(), 90_000) - audio.micros(a.pts(), audio.clockRate());
        assertTrue(Math.abs(apart) < 1_000_000, "the last audio and video frames captured " + apart + " µs apart");
        assertTrue(Math.abs(Duration.between(Instant.now(), video.cameraTime()).toSeconds()) < 5,
                "gst's clock is ours: " + video.cameraTime());
    }

    /** Plays {@code mount} until a second of video (and audio on {@code audioTrack}) arrived, then closes. */
    private Received play(String mount, List<Codec> codecs, int audioTrack) throws Exception {
        return play(mount, codecs, audioTrack, RtspSessionOptions.defaults());
    }

    private Received play(String mount, List<Codec> codecs, int audioTrack, RtspSessionOptions options) throws Exception {
        Received received = new Received();
        RtspSession session = RtspSession.open(group, URI.create(server.url(mount)), Optional.empty(), options, received);
        try {
            int fps = server.options().fps();
            Poll.until(WAIT, "a second of video from " + mount, () -> received.frames(0).size() >= fps);
            if (audioTrack > 0) {
                Poll.until(WAIT, "audio frames from " + mount, () -> received.frames(audioTrack).size() >= 5);
            }
        } finally {
            session.close();
        }
        assertEquals(FailureReason.SHUTDOWN, session.closeFuture().get(5, TimeUnit.SECONDS).reason());
        assertEquals(codecs, received.tracks().stream().map(Track::codec).toList());
        List<Frame> video = received.frames(0);
        assertTrue(video.get(0).keyframe(), "the first picture is a keyframe");
        for (int i = 1; i < video.size(); i++) {
            assertTrue(video.get(i).dts() > video.get(i - 1).dts(), "dts increases at frame " + i);
        }
        List<String> exchange = session.exchange();
        int teardown = -1;
        for (int i = 0; i < exchange.size(); i++) {
            if (exchange.get(i).startsWith("> TEARDOWN ")) {
                teardown = i;
            }
        }
        assertTrue(teardown > 0 && exchange.get(teardown + 1).equals("< RTSP/1.0 200 OK"), String.valueOf(exchange));
        return received;
    }
}
