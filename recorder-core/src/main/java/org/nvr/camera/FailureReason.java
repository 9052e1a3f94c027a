package org.nvr.camera;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Why a session failed or ended: a bounded set, used as the {@code reason} label of
 * {@code nvr_camera_reconnects_total} and stored with every recording run and outage.
 */
public enum FailureReason {
    /** No route to the camera, or its name does not resolve. */
    UNREACHABLE,
    /** The camera's host answered but nothing listens on the port. */
    REFUSED,
    /** Connecting or the RTSP handshake took too long. */
    TIMEOUT,
    /** 401/403: wrong or missing credentials. */
    AUTH,
    /** 404: wrong stream path. */
    NOT_FOUND,
    /** The camera spoke something we cannot use (bad RTSP, garbage bytes, a video codec MP4 cannot hold). */
    PROTOCOL,
    /** The stream has no video (an audio-only stream, a wrong channel): nothing to record. */
    NO_VIDEO,
    /** The session was up but no packet arrived within the stall timeout. */
    STALLED,
    /** The camera ended the stream or dropped the connection. */
    EOF,
    /** Footage could not be written: the filesystem is full and retention could free nothing. */
    DISK_FULL,
    /** The recorder is stopping (not a failure; never counted as a reconnect). */
    SHUTDOWN,
    /** Anything else; the log line carries the detail. */
    ERROR;

    /** The lowercase form used in metrics, the index and JSON. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Every reason a session can fail for: all but {@link #SHUTDOWN}. These are the {@code reason}
     * label values of {@code nvr_camera_reconnects_total}, {@code nvr_camera_outages_total} and
     * {@code nvr_camera_down_reason}.
     */
    public static final List<FailureReason> FAILURES = Arrays.stream(values()).filter(r -> r != SHUTDOWN).toList();

    /**
     * The failure a writing error stands for: {@code disk_full} when it or a cause says the disk is full
     * (ENOSPC, as Java and FFmpeg word it), else {@code error}.
     */
    public static FailureReason ofWrite(java.io.IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (m.contains("No space left") || m.contains("(-28)")) {
                return DISK_FULL;
            }
        }
        return ERROR;
    }

    public static FailureReason fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }

    /**
     * The failure whose {@link #label()} equals {@code label}, ignoring case and surrounding blanks;
     * {@link #ERROR} for null, {@code shutdown} or anything unknown, so that a free-form string (an
     * exception message, a URL) can never become a metric label value.
     */
    public static FailureReason failureFromLabel(String label) {
        if (label != null) {
            String wanted = label.strip();
            for (FailureReason reason : FAILURES) {
                if (reason.name().equalsIgnoreCase(wanted)) {
                    return reason;
                }
            }
        }
        return ERROR;
    }
}
