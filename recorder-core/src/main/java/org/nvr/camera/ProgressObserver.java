package org.nvr.camera;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Passes a session's reports on to the camera's observer and notes, for the liveness check, that the
 * session's thread is still moving: every report (a packet received, a picture written, a state change)
 * is proof that the thread returned from its last blocking call.
 *
 * <p>Called from the camera's thread; {@code progressed} must be cheap and thread-safe.
 */
final class ProgressObserver implements CameraObserver {
    private final CameraObserver downstream;
    private final Runnable progressed;

    ProgressObserver(CameraObserver downstream, Runnable progressed) {
        this.downstream = downstream;
        this.progressed = progressed;
    }

    @Override
    public void state(CameraState state, Instant since, FailureReason reason, String detail) {
        progressed.run();
        downstream.state(state, since, reason, detail);
    }

    @Override
    public void sessionEnded(FailureReason reason) {
        progressed.run();
        downstream.sessionEnded(reason);
    }

    @Override
    public void received(long bytes) {
        progressed.run();
        downstream.received(bytes);
    }

    @Override
    public void frameWritten(Instant at, Duration duration, int bytes, boolean keyframe) {
        progressed.run();
        downstream.frameWritten(at, duration, bytes, keyframe);
    }

    /** Not progress: reported by a timer whether or not anything arrived. */
    @Override
    public void rtpReceived(long packets, long lost, long reordered, long framesDropped) {
        downstream.rtpReceived(packets, lost, reordered, framesDropped);
    }

    /** Not progress: reported by a timer. */
    @Override
    public void cameraClockOffset(Duration offset) {
        downstream.cameraClockOffset(offset);
    }

    /** Not progress: reported from the finisher and index threads, after the camera thread moved on. */
    @Override
    public void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
        downstream.segmentClosed(site, camera, file, start, end, bytes);
    }
}
