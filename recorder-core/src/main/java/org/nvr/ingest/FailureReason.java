package org.nvr.ingest;

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
    /** The camera spoke something we cannot use (bad RTSP, garbage bytes, no video stream). */
    PROTOCOL,
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

    public static FailureReason fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
