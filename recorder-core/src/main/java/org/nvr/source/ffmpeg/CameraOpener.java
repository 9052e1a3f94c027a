package org.nvr.source.ffmpeg;

import org.nvr.camera.SourceException;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;

/** Opens a {@link CameraSource} for a camera. Real cameras use {@link FfmpegCameraOpener}; tests may fake it. */
@FunctionalInterface
public interface CameraOpener {
    /**
     * Connects, negotiates and probes the stream. Blocks up to about the camera's stall timeout per
     * network step; never holds a lock shared with other cameras.
     */
    CameraSource open(CameraConfig camera, Transport transport) throws SourceException, InterruptedException;
}
