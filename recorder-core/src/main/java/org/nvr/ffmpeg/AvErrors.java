package org.nvr.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_FORBIDDEN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_NOT_FOUND;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_UNAUTHORIZED;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import org.nvr.camera.FailureReason;

/** Turns FFmpeg's negative error codes into text and into {@link FailureReason}s. */
public final class AvErrors {
    // POSIX errno values on Linux; FFmpeg returns AVERROR(e) == -e.
    static final int EIO = 5;
    static final int EPIPE = 32;
    static final int ENETUNREACH = 101;
    static final int ECONNRESET = 104;
    static final int ETIMEDOUT = 110;
    static final int ECONNREFUSED = 111;
    static final int EHOSTDOWN = 112;
    static final int EHOSTUNREACH = 113;
    static final int ENOSPC = 28;
    static final int EPROTONOSUPPORT = 93;

    private AvErrors() {
    }

    public static String text(int err) {
        byte[] buf = new byte[256];
        av_strerror(err, buf, buf.length);
        int n = 0;
        while (n < buf.length && buf[n] != 0) {
            n++;
        }
        return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8) + " (" + err + ")";
    }

    /** Classifies an error returned while opening a session. */
    public static FailureReason classifyOpen(int err) {
        if (err == AVERROR_HTTP_UNAUTHORIZED || err == AVERROR_HTTP_FORBIDDEN) {
            return FailureReason.AUTH;
        }
        if (err == AVERROR_HTTP_NOT_FOUND) {
            return FailureReason.NOT_FOUND;
        }
        return switch (-err) {
            case ECONNREFUSED -> FailureReason.REFUSED;
            case ETIMEDOUT -> FailureReason.TIMEOUT;
            case ENETUNREACH, EHOSTUNREACH, EHOSTDOWN -> FailureReason.UNREACHABLE;
            case ECONNRESET, EPIPE -> FailureReason.EOF;
            default -> err == AVERROR_EOF ? FailureReason.EOF : FailureReason.PROTOCOL;
        };
    }

    /**
     * Whether an error of opening an RTSP session means the camera answered SETUP with 461 Unsupported
     * Transport for every transport it was offered: FFmpeg then gives up with AVERROR(EPROTONOSUPPORT).
     */
    public static boolean isTransportRefused(int err) {
        return -err == EPROTONOSUPPORT;
    }

    /** Classifies an error returned by a read of a running session. */
    public static FailureReason classifyRead(int err) {
        if (-err == ETIMEDOUT || -err == 11 /* EAGAIN after a socket timeout */) {
            return FailureReason.STALLED;
        }
        if (err == AVERROR_EOF || -err == ECONNRESET || -err == EPIPE || -err == EIO) {
            return FailureReason.EOF;
        }
        return FailureReason.PROTOCOL;
    }
}
