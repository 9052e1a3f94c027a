package org.nvr.source.rtsp;

import org.nvr.camera.CameraObserver;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.store.FrameRecorder;

/**
 * Makes the {@link FrameRecorder} of one RTSP session: the recorder's {@code SegmentRecorder} in
 * production, a fake in tests. Called on the camera's writer lane, once per session that got tracks.
 */
@FunctionalInterface
public interface FrameRecorderFactory {
    FrameRecorder create(CameraConfig camera, CameraObserver observer, StreamWarnings warnings);
}
