package org.nvr.index;

/**
 * How the daemon last said it records a camera: {@code source} is {@code rtsp} or {@code ffmpeg};
 * {@code fallback} is the codec that moved a camera configured for the RTSP client to FFmpeg, else null.
 */
public record CameraSourceRow(String camera, String source, String fallback) {
}
