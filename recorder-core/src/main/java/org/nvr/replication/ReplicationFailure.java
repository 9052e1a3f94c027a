package org.nvr.replication;

import java.io.IOException;
import java.util.Locale;
import org.nvr.config.KnownSecrets;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Why one copy failed, with a bounded {@link #reason()} for {@code nvr_replication_failures_total{reason}}:
 * {@code auth} (key or secret wrong, access denied), {@code no_bucket}, {@code network} (no answer,
 * refused, reset, timed out), {@code server} (5xx), {@code rejected} (another 4xx), {@code verify} (the
 * stored object is not the file), {@code local_io} (the file cannot be read), {@code local_mismatch}
 * (the file no longer has the SHA-256 recorded at close), {@code index} (the queue cannot be written,
 * e.g. the disk is full). Messages pass through {@link KnownSecrets}.
 */
final class ReplicationFailure extends Exception {
    private static final long serialVersionUID = 1L;

    private final String reason;

    ReplicationFailure(String reason, String message, Throwable cause) {
        super(KnownSecrets.redact(message), cause);
        this.reason = reason;
    }

    String reason() {
        return reason;
    }

    /** A local file could not be read while it was being sent (not the network's fault). */
    static final class LocalReadException extends IOException {
        private static final long serialVersionUID = 1L;

        LocalReadException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Classifies what the SDK threw. */
    static ReplicationFailure of(String what, RuntimeException e) {
        if (e instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorCode();
            String text = what + ": " + (code == null ? "HTTP " + s3.statusCode() : code + " (HTTP " + s3.statusCode() + ")")
                    + (s3.awsErrorDetails() != null && s3.awsErrorDetails().errorMessage() != null
                    ? ": " + s3.awsErrorDetails().errorMessage() : "");
            return new ReplicationFailure(reason(code, s3.statusCode()), text, e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof LocalReadException local) {
                return new ReplicationFailure("local_io", what + ": cannot read the file: " + local.getMessage(), e);
            }
        }
        if (e instanceof SdkClientException) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            return new ReplicationFailure("network", what + ": " + root.getClass().getSimpleName()
                    + (root.getMessage() == null ? "" : ": " + root.getMessage()), e);
        }
        return new ReplicationFailure("rejected", what + ": " + e, e);
    }

    static String reason(String code, int status) {
        String c = code == null ? "" : code.toLowerCase(Locale.ROOT);
        if (c.equals("nosuchbucket")) {
            return "no_bucket";
        }
        if (status == 401 || status == 403 || c.equals("invalidaccesskeyid") || c.equals("signaturedoesnotmatch")
                || c.equals("accessdenied") || c.equals("expiredtoken") || c.equals("invalidtoken")) {
            return "auth";
        }
        if (status >= 500) {
            return "server";
        }
        return "rejected";
    }
}
