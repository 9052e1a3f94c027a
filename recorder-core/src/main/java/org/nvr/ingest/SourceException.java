package org.nvr.ingest;

import org.nvr.config.KnownSecrets;

/**
 * A camera session could not be opened or ended abnormally. The message never carries credentials:
 * it is redacted on construction, whatever the caller passed in.
 */
public final class SourceException extends Exception {
    private final FailureReason reason;

    public SourceException(FailureReason reason, String message) {
        this(reason, message, null);
    }

    public SourceException(FailureReason reason, String message, Throwable cause) {
        super(KnownSecrets.redact(message), cause == null ? null : new RedactedCause(cause));
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }

    /** Wraps a third-party exception, keeping its type name and stack but not its raw message. */
    private static final class RedactedCause extends Exception {
        RedactedCause(Throwable t) {
            super(t.getClass().getName() + ": " + KnownSecrets.redact(String.valueOf(t.getMessage())));
            setStackTrace(t.getStackTrace());
        }
    }
}
