package org.nvr.camera;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nvr.index.IndexWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recorded history of one camera's availability: turns the state reports of its supervisor and
 * sessions into outage rows (opened when the camera stops recording, its reason kept current, closed
 * when recording resumes or the recorder stops) and into the {@code camera_state} row that
 * {@code nvr cameras} reads from another process. Repeated reports of the same state and reason are
 * ignored, so a camera failing every 30 s for a day writes one outage, not thousands of rows.
 * Everything is also passed on to {@code downstream} (metrics).
 *
 * <p>Thread-safe: sessions report from the camera thread, the supervisor from the event loop.
 */
public final class CameraStatus implements CameraObserver {
    private static final Logger LOG = LoggerFactory.getLogger(CameraStatus.class);

    private final String site;
    private final String camera;
    private final IndexWriter index;
    private final CameraObserver downstream;

    private CameraState state;
    private FailureReason reason;
    private Instant since;
    private java.util.concurrent.CompletableFuture<Long> pendingOutage;
    /** Whether the last attempt to store the state failed; set from the index writer's thread. */
    private final AtomicBoolean storeFailing = new AtomicBoolean();

    public CameraStatus(String site, String camera, IndexWriter index, CameraObserver downstream) {
        this.site = site;
        this.camera = camera;
        this.index = index;
        this.downstream = downstream;
    }

    @Override
    public synchronized void state(CameraState next, Instant at, FailureReason why, String detail) {
        if (next == state && Objects.equals(why, reason)) {
            return;
        }
        boolean stateChanged = next != state;
        if (stateChanged) {
            since = at;
        }
        state = next;
        reason = why;
        switch (next) {
            case DOWN -> {
                if (pendingOutage == null) {
                    pendingOutage = index.openOutage(site, camera, at, why.label(), detail);
                } else {
                    pendingOutage.thenCompose(id -> index.updateOutage(id, why.label(), detail));
                }
            }
            case RECORDING, STOPPED -> closeOutage(at);
            case CONNECTING -> {
                // still inside whatever outage there is (or at start-up, none yet)
            }
        }
        index.cameraState(site, camera, next.label(), since, why == null ? null : why.label(), detail, at)
                .whenComplete((stored, e) -> {
                    // On a read-only or failing disk every change of state fails to store: say so once,
                    // and once more when it works again, not twice per retry.
                    if (e == null) {
                        if (storeFailing.compareAndSet(true, false)) {
                            LOG.info("{}: camera state stored again", camera);
                        }
                    } else if (storeFailing.compareAndSet(false, true)) {
                        LOG.warn("{}: cannot store camera state: {} (until it can again, further failures are "
                                + "logged at debug)", camera, e.getMessage());
                    } else {
                        LOG.debug("{}: still cannot store camera state: {}", camera, e.getMessage());
                    }
                });
        downstream.state(next, at, why, detail);
    }

    private void closeOutage(Instant at) {
        if (pendingOutage != null) {
            pendingOutage.thenCompose(id -> index.closeOutage(id, at));
            pendingOutage = null;
        }
    }

    public synchronized CameraState current() {
        return state;
    }

    @Override
    public void sessionEnded(FailureReason why) {
        downstream.sessionEnded(why);
    }

    @Override
    public void received(long bytes) {
        downstream.received(bytes);
    }

    @Override
    public void frameWritten(Instant at, Duration duration, int bytes, boolean keyframe) {
        downstream.frameWritten(at, duration, bytes, keyframe);
    }

    @Override
    public void rtpReceived(long packets, long lost, long reordered, long framesDropped) {
        downstream.rtpReceived(packets, lost, reordered, framesDropped);
    }

    @Override
    public void cameraClockOffset(Duration offset) {
        downstream.cameraClockOffset(offset);
    }

    @Override
    public void segmentClosed(String site, String camera, Path file, Instant start, Instant end, long bytes) {
        downstream.segmentClosed(site, camera, file, start, end, bytes);
    }
}
