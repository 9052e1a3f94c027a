package org.nvr.ingest;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avformat;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;

/**
 * Opens RTSP cameras with JavaCV's {@link FFmpegFrameGrabber}, configured for recording by copy:
 * the lock-free {@code startUnsafe()} (the locked {@code start()} would let one dead camera stall every
 * other camera's start), a socket timeout equal to the camera's stall timeout so no read blocks
 * longer, and one decoder thread (the grabber opens a decoder we never use).
 */
public final class FfmpegCameraOpener implements CameraOpener {

    @Override
    public CameraSource open(CameraConfig camera, Transport transport) throws SourceException {
        FfmpegRuntime.init();
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(urlWithCredentials(camera));
        long timeoutMicros = camera.stallTimeout().toNanos() / 1000;
        grabber.setOption("rtsp_transport", switch (transport) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case AUTO -> "udp+tcp"; // the supervisor resolves auto to one of the others; kept for callers that do not
        });
        grabber.setOption("timeout", Long.toString(timeoutMicros));
        grabber.setOption("user_agent", "nvr");
        // Probe just long enough to learn resolution when SPS/PPS are not in the SDP, and estimate the
        // frame rate from 3 frames instead of FFmpeg's default (which waits ~1 s on every reconnect).
        grabber.setOption("analyzeduration", "1000000");
        grabber.setOption("probesize", "1000000");
        grabber.setOption("fpsprobesize", "3");
        // Keep packets FFmpeg marks corrupt (a lost UDP packet): the picture is damaged but a decoder
        // conceals it, while dropping it would break every later picture of its GOP.
        grabber.setOption("fflags", "+genpts");
        grabber.setVideoOption("threads", "1");
        grabber.setAudioOption("threads", "1");
        long began = System.nanoTime();
        try {
            grabber.startUnsafe(true);
        } catch (FFmpegFrameGrabber.Exception e) {
            release(grabber);
            int code = AvErrors.codeFromMessage(e.getMessage());
            FailureReason reason = code == 0 ? FailureReason.PROTOCOL : AvErrors.classifyOpen(code);
            if (reason == FailureReason.PROTOCOL && System.nanoTime() - began >= timeoutMicros * 900) {
                // FFmpeg reports a camera that accepted the connection and then said nothing as invalid
                // data; it is a timeout, and telling it apart from garbage matters to a technician.
                reason = FailureReason.TIMEOUT;
            }
            throw new SourceException(reason, camera.id() + ": cannot open " + camera.redactedUrl() + ": "
                    + (code == 0 ? e.getMessage() : AvErrors.text(code)));
        }
        if (grabber.getFormatContext() == null || grabber.getVideoStream() < 0) {
            release(grabber);
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": no video stream in " + camera.redactedUrl());
        }
        return new Source(grabber);
    }

    /** The URL FFmpeg connects to: separate username/password keys, percent-encoded, take precedence. */
    static String urlWithCredentials(CameraConfig camera) {
        URI url = camera.url();
        if (camera.username().isEmpty() && camera.password().isEmpty()) {
            return url.toString();
        }
        String userInfo = encode(camera.username().orElse(""))
                + camera.password().map(p -> ":" + encode(p)).orElse("");
        StringBuilder sb = new StringBuilder();
        sb.append(url.getScheme()).append("://").append(userInfo).append('@').append(url.getHost());
        if (url.getPort() >= 0) {
            sb.append(':').append(url.getPort());
        }
        if (url.getRawPath() != null) {
            sb.append(url.getRawPath());
        }
        if (url.getRawQuery() != null) {
            sb.append('?').append(url.getRawQuery());
        }
        return sb.toString();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static void release(FFmpegFrameGrabber grabber) {
        try {
            grabber.releaseUnsafe();
        } catch (FFmpegFrameGrabber.Exception | RuntimeException ignored) {
            // nothing was recorded through it; the open failure is what the caller reports
        }
    }

    /**
     * Reads with {@code av_read_frame} on the grabber's context rather than {@code grabPacket()},
     * because {@code grabPacket()} returns null for every failure and we need FFmpeg's error code to
     * tell a stall from an end of stream.
     */
    private static final class Source implements CameraSource {
        private FFmpegFrameGrabber grabber;

        Source(FFmpegFrameGrabber grabber) {
            this.grabber = grabber;
        }

        @Override
        public AVFormatContext context() {
            return grabber.getFormatContext();
        }

        @Override
        public int read(AVPacket pkt) {
            return avformat.av_read_frame(grabber.getFormatContext(), pkt);
        }

        @Override
        public void close() {
            if (grabber != null) {
                release(grabber);
                grabber = null;
            }
        }

        @Override
        public String toString() {
            return "FfmpegSource[" + context().iformat().name().getString().toLowerCase(Locale.ROOT) + "]";
        }
    }
}
