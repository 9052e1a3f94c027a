package org.nvr.recorder;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.nvr.ingest.FailureReason;
import org.nvr.metrics.CameraMetrics;
import org.nvr.session.CameraObserver;
import org.nvr.session.CameraState;

/** Feeds a camera's events into its Prometheus meters. Thread-safe (the meters are lock-free). */
final class MetricsObserver implements CameraObserver {
    private final CameraMetrics metrics;
    private final StorageStats storage;

    MetricsObserver(CameraMetrics metrics, StorageStats storage) {
        this.metrics = metrics;
        this.storage = storage;
    }

    @Override
    public void state(CameraState state, Instant since, FailureReason reason, String detail) {
        metrics.setUp(state == CameraState.RECORDING);
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
    }

    @Override
    public void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
        metrics.segmentWritten();
        storage.added(camera, start, bytes);
        metrics.oldestFootage(storage.oldest(camera));
    }
}
