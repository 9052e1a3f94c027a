package org.nvr.camera;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

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

    /**
     * What our RTSP client received since its previous report (about once a second while a session
     * runs, and once when it ends): amounts to add, never totals.
     *
     * @param packets       RTP packets received
     * @param lost          packets the camera sent that never came
     * @param reordered     packets that came out of order and were put back in place
     * @param framesDropped pictures dropped whole for a loss (never written damaged)
     */
    default void rtpReceived(long packets, long lost, long reordered, long framesDropped) {
    }

    /**
     * The camera clock's offset from ours (camera minus ours), from its RTCP sender reports; reported
     * by our RTSP client while a session runs. Not cleared when the session ends: the last known offset
     * is what a technician setting the camera's clock needs.
     */
    default void cameraClockOffset(Duration offset) {
    }

    /** A segment file is complete, durable and indexed. */
    default void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
    }
}
