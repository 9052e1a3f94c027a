package org.nvr.camera;

import java.util.Locale;

/** A camera's state as operators and technicians see it. */
public enum CameraState {
    /** Opening the stream (first attempt or after a failure). */
    CONNECTING,
    /** Frames arrive and are written. */
    RECORDING,
    /** The last attempt failed; waiting before the next one. */
    DOWN,
    /** The recorder is stopping or stopped. */
    STOPPED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
