package org.nvr.session;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.nvr.ingest.FailureReason;

/**
 * What a camera's session and supervisor report as they go: the seam between recording and what watches
 * it (metrics, the camera-state table, tests). Called from the camera's own threads; implementations
 * must be cheap and thread-safe and must not block.
 */
public interface CameraObserver {
    CameraObserver NONE = new CameraObserver() {
    };

    /** The state the supervisor moved the camera to. */
    default void state(CameraState state, Instant since, FailureReason reason, String detail) {
    }

    /** A session failed or ended and will be retried (a "reconnect"). */
    default void sessionEnded(FailureReason reason) {
    }

    /** Bytes of stream received (every packet, kept or not). */
    default void received(long bytes) {
    }

    /**
     * A video picture was written.
     *
     * @param at       its wall-clock time
     * @param duration its length in stream time
     * @param bytes    its compressed size
     * @param keyframe whether it starts a GOP
     */
    default void frameWritten(Instant at, Duration duration, int bytes, boolean keyframe) {
    }

    /** A segment file is complete, durable and indexed. */
    default void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
    }
}
