package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Source;
import org.nvr.config.Transport;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SimulatedCamera;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * {@link RtspCameraSession} against the camera simulator: frames reach the recorder in order on a
 * writer lane and never on an event loop, cameras cost no thread, a slow recorder stops the reading at
 * the bound and nothing is dropped, and a full disk ends the session as {@code disk_full} with TEARDOWN.
 */
class RtspCameraSessionTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static EventLoopGroup group;
    private static WriterLanes lanes;
    private static SyntheticClip clip;

    private RtspCameraSimulator simulator;
    private SimulatedCamera camera;
    private final List<RtspCameraSession> sessions = new ArrayList<>();

    @BeforeAll
    static void startThreads() {
        group = RtspTransports.newPacedGroup(2, "rtsp-test", java.time.Duration.ofMillis(10));
        lanes = new WriterLanes(2);
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
        simulator.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (RtspCameraSession s : sessions) {
            s.stop();
        }
        simulator.close();
    }

    static CameraConfig config(String id, String url, Duration stall) {
        return new CameraConfig(id, "site", id, URI.create(url), Optional.empty(), Optional.empty(), Transport.TCP,
                AudioPolicy.TRANSCODE, stall, Retention.NONE, Optional.empty(), Optional.empty(), Source.RTSP);
    }

    private RtspCameraSession session(CameraConfig cam, FakeRecorder recorder, long high, long low,
                                      FrameSink live) {
        RtspSource source = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                c -> live, high, low);
        RtspCameraSession s = source.session(cam, lanes.lane(), CameraObserver.NONE, new StreamWarnings(),
                codec -> { });
        sessions.add(s);
        return s;
    }

    private RtspCameraSession session(FakeRecorder recorder) {
        return session(config("cam", simulator.url("cam"), Duration.ofSeconds(5)), recorder,
                RtspSource.DEFAULT_HIGH_WATER, RtspSource.DEFAULT_LOW_WATER, FrameSink.NONE);
    }

    @Test
    void framesReachTheRecorderInOrderOnAWriterLaneNeverOnTheEventLoop() throws Exception {
        FakeRecorder recorder = new FakeRecorder();
        List<String> liveThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Long> livePts = new java.util.concurrent.CopyOnWriteArrayList<>();
        FrameSink live = new FrameSink() {
            @Override
            public void tracks(List<org.nvr.media.Track> tracks) {
                liveThreads.add(Thread.currentThread().getName());
            }

            @Override
            public void frame(Frame frame) {
                liveThreads.add(Thread.currentThread().getName());
                livePts.add(frame.pts());
            }

            @Override
            public void end() {
                liveThreads.add("end:" + Thread.currentThread().getName());
            }
        };
        RtspCameraSession s = session(config("cam", simulator.url("cam"), Duration.ofSeconds(5)), recorder,
                RtspSource.DEFAULT_HIGH_WATER, RtspSource.DEFAULT_LOW_WATER, live);
        CompletableFuture<SessionResult> result = s.start().toCompletableFuture();

        Poll.until(WAIT, "30 frames recorded", () -> recorder.frames().size() >= 30);
        s.stop();
        SessionResult r = result.get(10, TimeUnit.SECONDS);

        assertEquals(FailureReason.SHUTDOWN, r.reason(), r.detail());
        List<FakeRecorder.Call> calls = List.copyOf(recorder.calls);
        assertEquals("tracks", calls.get(0).what());
        assertEquals(List.of(Codec.H264), calls.get(0).tracks().stream().map(t -> t.codec()).toList());
        assertEquals("end:shutdown", calls.get(calls.size() - 1).what(), "end comes last, after every frame");
        assertEquals(List.of("shutdown"), recorder.ends, "end once");
        for (FakeRecorder.Call c : calls) {
            assertTrue(c.thread().startsWith("nvr-writer-"), c.what() + " on " + c.thread());
        }
        List<Frame> frames = recorder.frames();
        assertTrue(frames.get(0).keyframe(), "starts with a keyframe");
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(3600, frames.get(i).dts() - frames.get(i - 1).dts(), "in order, none missing, at " + i);
        }
        assertFalse(liveThreads.isEmpty());
        for (String t : liveThreads) {
            assertTrue(t.replace("end:", "").startsWith("nvr-writer-"), "live fed on the lane, as the recorder: " + t);
        }
        assertEquals(0L, livePts.get(0), "the live view's timeline starts at the session's first frame, not at RTP's"
                + " random origin");
        assertTrue(liveThreads.get(liveThreads.size() - 1).startsWith("end:"), "live told of the end");
        assertTrue(s.exchange().stream().anyMatch(l -> l.startsWith("> TEARDOWN ")), String.valueOf(s.exchange()));
        Poll.until(WAIT, "the session gone from the camera", () -> camera.sessionCount() == 0);
    }

    @Test
    void thirtyTwoCamerasAddNoThread() throws Exception {
        SyntheticClip small = SyntheticClip.generate(160, 120, 10, 10, 20, 100_000);
        for (int i = 0; i < 32; i++) {
            simulator.addCamera("c" + i, small);
        }
        // warm every thread the sessions may use: the loops, the lanes, the simulator's own
        FakeRecorder first = new FakeRecorder();
        RtspCameraSession warm = session(config("warm", simulator.url("cam"), Duration.ofSeconds(5)), first,
                RtspSource.DEFAULT_HIGH_WATER, RtspSource.DEFAULT_LOW_WATER, FrameSink.NONE);
        warm.start();
        Poll.until(WAIT, "the first camera records", () -> first.frames().size() >= 3);
        for (int i = 0; i < 4; i++) {
            lanes.lane().submit(() -> { }).get(5, TimeUnit.SECONDS);
            group.next().submit(() -> { }).get(5, TimeUnit.SECONDS);
        }
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());

        List<FakeRecorder> recorders = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            FakeRecorder recorder = new FakeRecorder();
            recorders.add(recorder);
            session(config("c" + i, simulator.url("c" + i), Duration.ofSeconds(10)), recorder,
                    RtspSource.DEFAULT_HIGH_WATER, RtspSource.DEFAULT_LOW_WATER, FrameSink.NONE).start();
        }
        Poll.until(WAIT, "all 32 cameras record", () -> recorders.stream().allMatch(r -> r.frames().size() >= 3));

        List<String> added = Thread.getAllStackTraces().keySet().stream().filter(t -> !before.contains(t))
                .map(Thread::getName).toList();
        assertTrue(added.isEmpty(), "threads started for 32 cameras: " + added);
    }

    @Test
    void aSlowRecorderStopsTheReadingAtTheBoundAndNothingIsLost() throws Exception {
        SyntheticClip big = SyntheticClip.generate(640, 480, 25, 10, 50, 4_000_000);
        camera.switchClip(big);
        FakeRecorder recorder = new FakeRecorder();
        long high = 96 * 1024;
        long low = 24 * 1024;
        // a stall timeout shorter than the pause: holding the camera back is not the camera's silence
        RtspCameraSession s = session(config("cam", simulator.url("cam"), Duration.ofSeconds(1)), recorder, high,
                low, FrameSink.NONE);
        CompletableFuture<SessionResult> result = s.start().toCompletableFuture();
        Poll.until(WAIT, "frames recorded", () -> recorder.frames().size() >= 5);

        // a second session of the same camera, never blocked, counts what the camera sends meanwhile
        FakeRecorder reference = new FakeRecorder();
        session(config("ref", simulator.url("cam"), Duration.ofSeconds(60)), reference, high, low, FrameSink.NONE)
                .start();
        Poll.until(WAIT, "the reference records", () -> reference.frames().size() >= 1);

        recorder.block();
        Poll.until(WAIT, "reading paused", () -> s.pauses() >= 1);
        int recordedAtPause = recorder.frames().size();
        long sentAtPause = bytes(reference.frames());
        // Reading is off: what was read before the pause took effect (one read of the socket at most) is
        // all that can still queue, however much the camera sends meanwhile.
        long bound = high + 64 * 1024 + 256 * 1024;
        int referenceAtPause = reference.frames().size();
        Poll.until(WAIT, "the camera sent well past the bound, for longer than the stall timeout",
                () -> bytes(reference.frames()) - sentAtPause > 2 * bound
                        && reference.frames().size() - referenceAtPause > 2 * 25);
        assertTrue(s.mostQueuedBytes() <= bound, "queued " + s.mostQueuedBytes() + " > " + bound);
        assertTrue(s.queuedBytes() > high, "the backlog stays at the bound: " + s.queuedBytes());

        recorder.unblock();
        Poll.until(WAIT, "reading resumed", () -> recorder.frames().size() >= recordedAtPause + 100);
        assertFalse(result.isDone(), "the session goes on: " + result.getNow(null));
        assertTrue(s.mostQueuedBytes() <= bound, "queued " + s.mostQueuedBytes() + " > " + bound);
        List<Frame> frames = recorder.frames();
        for (int i = 1; i < frames.size(); i++) {
            assertEquals(3600, frames.get(i).dts() - frames.get(i - 1).dts(), "none dropped, at frame " + i);
        }
    }

    /**
     * Over UDP there is no TCP to make the camera wait: while the writer is behind, the datagram channels
     * are not read either, so the backlog stays bounded (the kernel drops what does not fit in its buffer,
     * counted as loss, and pictures that lost a packet are dropped whole, never written damaged).
     */
    @Test
    void aSlowRecorderBoundsTheBacklogOverUdpToo() throws Exception {
        FakeRecorder recorder = new FakeRecorder();
        long high = 96 * 1024;
        long low = 24 * 1024;
        RtspSource source = new RtspSource(group, RtspSessionOptions.defaults(), (c, o, w) -> recorder,
                c -> FrameSink.NONE, high, low);
        RtspCameraSession s = source.session(config("cam", simulator.url("cam"), Duration.ofSeconds(1)),
                Transport.UDP, lanes.lane(), CameraObserver.NONE, new StreamWarnings(), codec -> { });
        sessions.add(s);
        CompletableFuture<SessionResult> result = s.start().toCompletableFuture();
        Poll.until(WAIT, "frames recorded", () -> recorder.frames().size() >= 5);

        FakeRecorder reference = new FakeRecorder();
        session(config("ref", simulator.url("cam"), Duration.ofSeconds(60)), reference, high, low, FrameSink.NONE)
                .start();
        Poll.until(WAIT, "the reference records", () -> reference.frames().size() >= 1);

        recorder.block();
        Poll.until(WAIT, "reading paused", () -> s.pauses() >= 1);
        int recordedAtPause = recorder.frames().size();
        long sentAtPause = bytes(reference.frames());
        long bound = high + 64 * 1024 + 256 * 1024;
        int referenceAtPause = reference.frames().size();
        Poll.until(WAIT, "the camera sent well past the bound, for longer than the stall timeout",
                () -> bytes(reference.frames()) - sentAtPause > 2 * bound
                        && reference.frames().size() - referenceAtPause > 2 * 25);
        assertTrue(s.mostQueuedBytes() <= bound, "queued " + s.mostQueuedBytes() + " > " + bound);

        recorder.unblock();
        Poll.until(WAIT, "reading resumed", () -> recorder.frames().size() >= recordedAtPause + 50);
        assertFalse(result.isDone(), "the session goes on: " + result.getNow(null));
        assertTrue(s.mostQueuedBytes() <= bound, "queued " + s.mostQueuedBytes() + " > " + bound);
    }

    private static long bytes(List<Frame> frames) {
        return frames.stream().mapToLong(Frame::size).sum();
    }

    @Test
    void aFullDiskEndsTheSessionAsDiskFullWithTeardown() throws Exception {
        FakeRecorder recorder = new FakeRecorder();
        recorder.failAt(10, new IOException("write failed: No space left on device"));
        RtspCameraSession s = session(recorder);
        SessionResult r = s.start().toCompletableFuture().get(20, TimeUnit.SECONDS);

        assertEquals(FailureReason.DISK_FULL, r.reason(), r.detail());
        assertEquals(List.of("disk_full"), recorder.ends);
        assertEquals(9, recorder.frames().size(), "nothing written after the failure");
        assertTrue(s.exchange().stream().anyMatch(l -> l.startsWith("> TEARDOWN ")), String.valueOf(s.exchange()));
        Poll.until(WAIT, "the session gone from the camera", () -> camera.sessionCount() == 0);
    }
}
