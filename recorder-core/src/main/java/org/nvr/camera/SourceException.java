package org.nvr.camera;

import org.nvr.config.KnownSecrets;

/**
 * A camera session could not be opened or ended abnormally. The message never carries credentials:
 * it is redacted on construction, whatever the caller passed in.
 */
public final class SourceException extends Exception {
    private final FailureReason reason;
    private final boolean transportRefused;
    private final boolean nothingOverUdp;

    public SourceException(FailureReason reason, String message) {
        this(reason, message, null);
    }

    public SourceException(FailureReason reason, String message, Throwable cause) {
        this(reason, message, cause, false, false);
    }

    private SourceException(FailureReason reason, String message, Throwable cause, boolean transportRefused,
                            boolean nothingOverUdp) {
        super(KnownSecrets.redact(message), cause == null ? null : new RedactedCause(cause));
        this.reason = reason;
        this.transportRefused = transportRefused;
        this.nothingOverUdp = nothingOverUdp;
    }

    /**
     * The camera answered SETUP over the requested transport with 461 Unsupported Transport: a
     * {@link FailureReason#PROTOCOL} failure after which the other transport may well work.
     */
    public static SourceException transportRefused(String message) {
        return new SourceException(FailureReason.PROTOCOL, message, null, true, false);
    }

    /**
     * The session was set up over UDP and played, and not one RTP packet arrived: a
     * {@link FailureReason#STALLED} failure that says UDP does not get through (a router or firewall
     * dropping it), so that {@code transport: auto} moves to TCP.
     */
    public static SourceException nothingOverUdp(String message) {
        return new SourceException(FailureReason.STALLED, message, null, false, true);
    }

    /** Whether UDP was set up and brought nothing; see {@link #nothingOverUdp(String)}. */
    public boolean isNothingOverUdp() {
        return nothingOverUdp;
    }

    public FailureReason reason() {
        return reason;
    }

    /** Whether the camera refused the session's transport (461); see {@link #transportRefused(String)}. */
    public boolean isTransportRefused() {
        return transportRefused;
    }

    /** Wraps a third-party exception, keeping its type name and stack but not its raw message. */
    private static final class RedactedCause extends Exception {
        RedactedCause(Throwable t) {
            super(t.getClass().getName() + ": " + KnownSecrets.redact(String.valueOf(t.getMessage())));
            setStackTrace(t.getStackTrace());
        }
    }
}
