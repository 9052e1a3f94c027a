package org.nvr.metrics;

import java.util.Locale;

/**
 * Why a camera session failed or was lost: the bounded value set of the {@code reason} label on
 * {@code nvr_camera_reconnects_total}. Anything the recorder cannot classify is {@link #ERROR}, so a
 * free-form string (an exception message, a URL) can never become a label value.
 *
 * <p>Immutable; any thread.
 */
public enum ReconnectReason {
    /** No route, host down, DNS failure. */
    UNREACHABLE,
    /** TCP connection refused. */
    REFUSED,
    /** Connect or read timed out. */
    TIMEOUT,
    /** The camera rejected the credentials (401/403). */
    AUTH,
    /** The stream path does not exist (404). */
    NOT_FOUND,
    /** The camera spoke RTSP/RTP we could not use. */
    PROTOCOL,
    /** Connected, but no packet arrived within the stall timeout. */
    STALLED,
    /** The camera ended the stream. */
    EOF,
    /** Footage could not be written because the disk is full. */
    DISK_FULL,
    /** Anything else. */
    ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The label value, e.g. {@code not_found}. */
    public String label() {
        return label;
    }

    /**
     * The reason whose {@link #label()} equals {@code label}, ignoring case and surrounding
     * whitespace; {@link #ERROR} for null or anything unknown.
     */
    public static ReconnectReason fromLabel(String label) {
        if (label != null) {
            String wanted = label.strip();
            for (ReconnectReason reason : values()) {
                if (reason.label.equalsIgnoreCase(wanted)) {
                    return reason;
                }
            }
        }
        return ERROR;
    }
}
