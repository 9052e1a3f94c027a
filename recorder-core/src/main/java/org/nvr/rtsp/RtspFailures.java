package org.nvr.rtsp;

import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;

/**
 * Turns what a camera answered into the recorder's failure vocabulary: an RTSP status code into a
 * {@link SourceException} with the exact {@link FailureReason}, and junk instead of RTSP into
 * {@code protocol} (not {@code timeout}). Messages name the request and the status, never a URL
 * (it may hold credentials). Stateless; any thread.
 */
public final class RtspFailures {

    /** RFC 2326 461 Unsupported Transport. */
    public static final int UNSUPPORTED_TRANSPORT = 461;

    private RtspFailures() {
    }

    /** The reason a request answered with a non-2xx {@code status} fails the session. */
    public static FailureReason reason(int status) {
        return switch (status) {
            case 401, 403 -> FailureReason.AUTH;
            case 404, 454 -> FailureReason.NOT_FOUND;
            default -> FailureReason.PROTOCOL; // 461, 5xx and other 4xx: the camera will not serve this
        };
    }

    /**
     * The failure for a request answered with {@code status}; 461 is
     * {@link SourceException#transportRefused}, so the caller may try the other transport.
     *
     * @param method the request ({@code SETUP})
     * @param reasonPhrase the status line's text, may be empty
     */
    public static SourceException forStatus(String method, int status, String reasonPhrase) {
        String message = method + " answered " + status + (reasonPhrase == null || reasonPhrase.isBlank()
                ? "" : " " + reasonPhrase.strip());
        if (status == UNSUPPORTED_TRANSPORT) {
            return SourceException.transportRefused(message + ": the camera refused the transport");
        }
        return new SourceException(reason(status), message);
    }

    /** The failure for a connection that sent {@code junkBytes} of something that is not RTSP. */
    public static SourceException notRtsp(long junkBytes) {
        return new SourceException(FailureReason.PROTOCOL,
                "the camera sent " + junkBytes + " bytes that are not RTSP");
    }
}
