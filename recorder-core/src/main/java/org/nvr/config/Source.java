package org.nvr.config;

import java.util.Locale;

/**
 * Which client pulls a camera's stream ({@code source:} in the config): {@code RTSP} is the recorder's
 * own RTSP client on Netty, {@code FFMPEG} is FFmpeg's RTSP reader on a thread of its own.
 */
public enum Source {
    RTSP, FFMPEG;

    /** The source of a camera whose config names none: our own client. */
    public static final Source DEFAULT = RTSP;

    /** The config's and the CLI's spelling: {@code rtsp}, {@code ffmpeg}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
