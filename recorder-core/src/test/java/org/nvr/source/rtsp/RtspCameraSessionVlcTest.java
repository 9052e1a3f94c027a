package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.Transport;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.testing.Poll;
import org.nvr.testing.VlcRtspServer;

/**
 * A camera session of the daemon over UDP against VLC's RTSP output (UDP only; an RTSP server that shares
 * no code with ours): every picture VLC sends reaches the recorder, on a writer lane, and the reception
 * counts reach the observer.
 */
class RtspCameraSessionVlcTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final VlcRtspServer.Clip CLIP = new VlcRtspServer.Clip(320, 240, 25, 25, 50, 25);
    private static EventLoopGroup group;
    private static WriterLanes lanes;

    private VlcRtspServer vlc;
    private RtspCameraSession session;

    @BeforeAll
    static void startThreads() {
        group = RtspTransports.newGroup(1, "vlc-source-test");
        lanes = new WriterLanes(1);
    }

    @AfterAll
    static void stopThreads() {
        lanes.close(Duration.ofSeconds(2));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (session != null) {
            session.stop();
        }
        if (vlc != null) {
            vlc.close();
        }
    }

    @Test
    void everyPictureVlcSendsOverUdpIsRecorded() throws Exception {
        vlc = VlcRtspServer.start(CLIP);
        FakeRecorder recorder = new FakeRecorder();
        AtomicLong packets = new AtomicLong();
        AtomicLong lost = new AtomicLong();
        CameraObserver observer = new CameraObserver() {
            @Override
            public void rtpReceived(long received, long lostNow, long reordered, long framesDropped) {
                packets.addAndGet(received);
                lost.addAndGet(lostNow);
            }
        };
        RtspSource source = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                c -> FrameSink.NONE);
        session = source.session(RtspCameraSessionTest.config("cam", vlc.url(), Duration.ofSeconds(10)),
                Transport.UDP, lanes.lane(), observer, new StreamWarnings(), codec -> { });
        CompletableFuture<SessionResult> result = session.start().toCompletableFuture();
        Poll.until(WAIT, "PLAY answered", () -> playAnswered(session.exchange()));

        vlc.play();
        assertTrue(vlc.awaitFed(WAIT), "clip fed to VLC");
        Poll.until(WAIT, CLIP.frames() + " frames", () -> recorder.frames().size() >= CLIP.frames());
        session.stop();
        SessionResult r = result.get(10, TimeUnit.SECONDS);

        assertEquals(FailureReason.SHUTDOWN, r.reason(), r.detail());
        List<Frame> frames = recorder.frames();
        assertEquals(CLIP.frames(), frames.size(), "exactly the clip's pictures");
        assertTrue(frames.get(0).keyframe(), "starts at the clip's first keyframe");
        assertEquals(CLIP.keyframes(), frames.stream().filter(Frame::keyframe).count());
        for (FakeRecorder.Call call : recorder.calls) {
            assertTrue(call.thread().startsWith("nvr-writer-"), "written on a writer lane: " + call);
        }
        assertTrue(packets.get() >= CLIP.frames(), "packets reported at the end: " + packets);
        assertEquals(0, lost.get(), "nothing lost on loopback");
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
