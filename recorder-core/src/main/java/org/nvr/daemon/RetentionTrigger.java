package org.nvr.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraState;
import org.nvr.camera.FailureReason;
import org.nvr.retention.RetentionEnforcer;

/**
 * Passes a camera's events on to {@code next} (the meters and storage totals), then tells retention what
 * concerns it: a segment closed (after it is counted, so the pass sees it), or a session that ended
 * because the disk is full. Thread-safe; never blocks (the enforcer only queues a pass).
 */
final class RetentionTrigger implements CameraObserver {
    private final String camera;
    private final RetentionEnforcer retention;
    private final CameraObserver next;

    RetentionTrigger(String camera, RetentionEnforcer retention, CameraObserver next) {
        this.camera = camera;
        this.retention = retention;
        this.next = next;
    }

    @Override
    public void state(CameraState state, Instant since, FailureReason reason, String detail) {
        next.state(state, since, reason, detail);
    }

    @Override
    public void sessionEnded(FailureReason reason) {
        next.sessionEnded(reason);
        if (reason == FailureReason.DISK_FULL) {
            retention.diskFull(camera);
        }
    }

    @Override
    public void received(long bytes) {
        next.received(bytes);
    }

    @Override
    public void frameWritten(Instant at, Duration duration, int bytes, boolean keyframe) {
        next.frameWritten(at, duration, bytes, keyframe);
    }

    @Override
    public void rtpReceived(long packets, long lost, long reordered, long framesDropped) {
        next.rtpReceived(packets, lost, reordered, framesDropped);
    }

    @Override
    public void cameraClockOffset(Duration offset) {
        next.cameraClockOffset(offset);
    }

    @Override
    public void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
        next.segmentClosed(site, camera, file, start, end, bytes);
        retention.segmentClosed(camera, bytes);
    }
}
