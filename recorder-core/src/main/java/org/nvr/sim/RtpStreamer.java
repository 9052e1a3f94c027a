package org.nvr.sim;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a camera's clip to one session in real time, forever: frame {@code n} is sent at
 * {@code start + n / fps}, each send time computed from the session start so that scheduling
 * jitter never accumulates. The clip loops; frame numbers, and so RTP timestamps and sequence
 * numbers, keep counting across the loop.
 *
 * <p>While the camera is paused or the transport cannot take more data, frames are skipped but the
 * clock runs on, as with a real encoder; sending resumes at the next keyframe so the client never
 * sees a picture whose references it missed.
 *
 * <p>Before each frame the streamer applies the camera's stream faults: a {@link
 * SimulatedCamera#switchClip clip switch} starts a new segment (the new clip from its first
 * picture, timed from where the old one was), {@link SimulatedCamera#injectGarbage injected
 * garbage} goes out before the frame, {@link SimulatedCamera#jumpTimestamps timestamp jumps} made
 * since the session started are added to the frame's timestamp, and {@link
 * SimulatedCamera#setRtpLossEvery packet loss} is applied by a {@link LossyRtpSink}.
 *
 * <p>Runs on, and is confined to, the event loop of its RTSP connection: {@link #start()} and
 * {@link #stop()} must be called there. One scheduled task at a time; no thread of its own.
 */
final class RtpStreamer {

    private static final Logger log = LoggerFactory.getLogger(RtpStreamer.class);
    private static final long SENDER_REPORT_NANOS = TimeUnit.SECONDS.toNanos(5);
    /** Behind schedule by more than this (a stalled loop), the stream skips ahead instead of bursting. */
    private static final long MAX_LAG_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final SimulatedCamera camera;
    private final RtpSink sink;
    private final H264Packetizer packetizer;
    private final EventExecutor executor;
    private final Clock clock;
    private final int firstTimestamp;

    /*
     * The current segment: one clip played from its first picture. Frame numbers count from the
     * session start across segments; a segment starts at frame segmentFrame, due at segmentNanos,
     * with RTP timestamp firstTimestamp + segmentTicks (before jumps).
     */
    private SyntheticClip clip;
    private long segmentFrame;
    private long segmentNanos;
    private long segmentTicks;

    private long frameNumber;
    private long nextReportNanos;
    private long jumpTicksAtStart;
    private long garbageSeen;
    private boolean waitForKeyframe;
    private ScheduledFuture<?> pending;
    private boolean stopped;

    RtpStreamer(SimulatedCamera camera, RtpSink sink, H264Packetizer packetizer, int firstTimestamp,
            EventExecutor executor, Clock clock) {
        this.camera = camera;
        this.clip = camera.clip();
        this.sink = new LossyRtpSink(new ReorderingRtpSink(sink, camera::rtpSwapEvery), camera::rtpLossEvery);
        this.packetizer = packetizer;
        this.firstTimestamp = firstTimestamp;
        this.executor = executor;
        this.clock = clock;
    }

    void start() {
        segmentNanos = executor.ticker().nanoTime();
        nextReportNanos = segmentNanos;
        // Faults already in place when the session starts are the camera's normal state.
        jumpTicksAtStart = camera.timestampJumpTicks();
        garbageSeen = camera.garbageInjections();
        pending = executor.schedule(this::tick, 0, TimeUnit.NANOSECONDS);
    }

    void stop() {
        stopped = true;
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void tick() {
        if (stopped) {
            return;
        }
        try {
            sendFrame();
        } catch (RuntimeException e) {
            // A task that throws is never run again; log, and let the session end cleanly.
            log.warn("camera {}: RTP send failed, stopping the stream", camera.path(), e);
            stop();
            return;
        }
        frameNumber++;
        long now = executor.ticker().nanoTime();
        long due = dueNanos(frameNumber);
        if (now - due > MAX_LAG_NANOS) {
            long behind = (now - due) * clip.fps() / 1_000_000_000L;
            log.debug("camera {}: {} frames behind schedule, skipping ahead", camera.path(), behind);
            frameNumber += behind;
            waitForKeyframe = true;
            due = dueNanos(frameNumber);
        }
        pending = executor.schedule(this::tick, Math.max(0, due - now), TimeUnit.NANOSECONDS);
    }

    private void sendFrame() {
        SyntheticClip current = camera.clip();
        if (current != clip) {
            switchTo(current);
        }
        long injections = camera.garbageInjections();
        if (injections != garbageSeen) {
            garbageSeen = injections;
            sink.sendGarbage(camera.garbageShared());
            sink.flush();
        }
        AccessUnit unit = clip.frame((int) ((frameNumber - segmentFrame) % clip.frameCount()));
        if (camera.isStreamPaused() || !sink.isWritable()) {
            waitForKeyframe = true;
            return;
        }
        if (waitForKeyframe && !unit.keyframe()) {
            return;
        }
        waitForKeyframe = false;
        int timestamp = timestamp(frameNumber);
        if (unit.delimited() && camera.takeHangUpMidPicture()) {
            packetizer.sendDelimiter(unit, timestamp, sink);
            sink.flush();
            log.debug("camera {}: hanging up after the delimiter of frame {}", camera.path(), frameNumber);
            camera.dropSessions();
            return;
        }
        packetizer.send(unit, clip.spsShared(), clip.ppsShared(), timestamp, sink);
        long now = executor.ticker().nanoTime();
        if (now - nextReportNanos >= 0) {
            RtcpSenderReport.send(sink, packetizer.ssrc(), clock.millis(), timestamp,
                    packetizer.packetCount(), packetizer.octetCount(), "nvr-sim@127.0.0.1");
            nextReportNanos = now + SENDER_REPORT_NANOS;
        }
        sink.flush();
    }

    /** Starts a segment of {@code next} at the current frame, which the old clip would have sent. */
    private void switchTo(SyntheticClip next) {
        segmentTicks = ticksAt(frameNumber);
        segmentNanos = dueNanos(frameNumber);
        segmentFrame = frameNumber;
        log.debug("camera {}: switching from {} to {} at frame {}", camera.path(), clip, next, frameNumber);
        clip = next;
    }

    private long dueNanos(long frame) {
        return segmentNanos + (frame - segmentFrame) * 1_000_000_000L / clip.fps();
    }

    /** 90 kHz ticks from the session's first frame to {@code frame}, without jumps. */
    private long ticksAt(long frame) {
        return segmentTicks + (frame - segmentFrame) * H264Packetizer.CLOCK_RATE / clip.fps();
    }

    /** RTP timestamp of a frame, jumps included; wraps at 2^32 as RTP timestamps do. */
    int timestamp(long frame) {
        return (int) (firstTimestamp + ticksAt(frame) + camera.timestampJumpTicks() - jumpTicksAtStart);
    }
}
