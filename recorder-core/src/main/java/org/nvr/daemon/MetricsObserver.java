package org.nvr.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraState;
import org.nvr.camera.FailureReason;
import org.nvr.metrics.CameraMetrics;

/**
 * Feeds a camera's events into its Prometheus meters. An outage is counted when the camera goes down
 * after recording (or at start-up, before it ever recorded) and lasts, with its reason kept current
 * in {@code nvr_camera_down_reason}, until it records again or the recorder stops; the retries inside
 * one outage are not new outages (they are {@code nvr_camera_reconnects_total}).
 *
 * <p>Thread-safe: the meters are lock-free and {@link #state} is synchronized (the supervisor reports
 * from the event loop, the session from the camera thread).
 */
final class MetricsObserver implements CameraObserver {
    private final CameraMetrics metrics;
    private final StorageStats storage;
    private boolean inOutage;

    MetricsObserver(CameraMetrics metrics, StorageStats storage) {
        this.metrics = metrics;
        this.storage = storage;
    }

    @Override
    public synchronized void state(CameraState state, Instant since, FailureReason reason, String detail) {
        metrics.setUp(state == CameraState.RECORDING);
        switch (state) {
            case DOWN -> {
                String label = reason == null ? FailureReason.ERROR.label() : reason.label();
                if (!inOutage) {
                    inOutage = true;
                    metrics.outage(label);
                }
                metrics.downReason(label);
            }
            case RECORDING, STOPPED -> {
                inOutage = false;
                metrics.downReason(null);
            }
            case CONNECTING -> {
                // a retry inside the current outage, or the first connection at start-up
            }
        }
    }

    @Override
    public void sessionEnded(FailureReason reason) {
        metrics.reconnect(reason.label());
    }

    @Override
    public void received(long bytes) {
        metrics.receivedBytes(bytes);
    }

    @Override
    public void frameWritten(Instant at, Duration duration, int bytes, boolean keyframe) {
        metrics.recorded(duration);
        metrics.lastFrame(at);
        metrics.pictureWritten(at, bytes, keyframe);
    }

    @Override
    public void rtpReceived(long packets, long lost, long reordered, long framesDropped) {
        metrics.rtpPackets(packets, lost, reordered, framesDropped);
    }

    @Override
    public void cameraClockOffset(Duration offset) {
        metrics.cameraClockOffset(offset);
    }

    @Override
    public void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
        metrics.segmentWritten();
        storage.added(camera, start, bytes);
        metrics.oldestFootage(storage.oldest(camera));
    }
}
