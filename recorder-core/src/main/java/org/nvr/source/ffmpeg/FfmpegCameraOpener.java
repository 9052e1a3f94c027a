package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.javacpp.PointerPointer;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.config.CameraConfig;
import org.nvr.config.KnownSecrets;
import org.nvr.config.Transport;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.ffmpeg.FfmpegRuntime;

/**
 * Opens RTSP cameras with FFmpeg's demuxer alone ({@code avformat_open_input} and
 * {@code avformat_find_stream_info}), configured for recording by copy: a socket timeout equal to the
 * camera's stall timeout so no read blocks longer, and short probing. No decoder is opened: packets are
 * copied, never decoded (JavaCV's grabber would open a decoder per stream and allocate a converted
 * picture per camera that nothing uses). Each call opens its own context, with no process-wide lock, so
 * one dead camera cannot stall another camera's start.
 */
public final class FfmpegCameraOpener implements CameraOpener {

    @Override
    public CameraSource open(CameraConfig camera, Transport transport) throws SourceException {
        FfmpegRuntime.init();
        KnownSecrets.remember(camera); // FFmpeg may print the password outside a URL: its log callback removes it
        long timeoutMicros = camera.stallTimeout().toNanos() / 1000;
        AVFormatContext ic = new AVFormatContext(null);
        AVDictionary options = new AVDictionary(null);
        long began = System.nanoTime();
        int ret;
        try {
            av_dict_set(options, "rtsp_transport", switch (transport) {
                case TCP -> "tcp";
                case UDP -> "udp";
                case AUTO -> "udp+tcp"; // the supervisor resolves auto to one of the others; kept for callers that do not
            }, 0);
            av_dict_set(options, "timeout", Long.toString(timeoutMicros), 0);
            av_dict_set(options, "user_agent", "nvr", 0);
            // Probe just long enough to learn resolution when SPS/PPS are not in the SDP, and estimate the
            // frame rate from 3 frames instead of FFmpeg's default (which waits ~1 s on every reconnect).
            av_dict_set(options, "analyzeduration", "1000000", 0);
            av_dict_set(options, "probesize", "1000000", 0);
            av_dict_set(options, "fpsprobesize", "3", 0);
            // Packets without a pts get one generated from the following packets' dts.
            av_dict_set(options, "fflags", "+genpts", 0);
            ret = avformat_open_input(ic, urlWithCredentials(camera), (AVInputFormat) null, options);
        } finally {
            av_dict_free(options);
        }
        if (ret >= 0) {
            ret = avformat_find_stream_info(ic, (PointerPointer<?>) null);
        }
        if (ret < 0) {
            close(ic);
            FailureReason reason = AvErrors.classifyOpen(ret);
            if (reason == FailureReason.PROTOCOL && System.nanoTime() - began >= timeoutMicros * 900) {
                // FFmpeg reports a camera that accepted the connection and then said nothing as invalid
                // data; it is a timeout, and telling it apart from garbage matters to a technician.
                reason = FailureReason.TIMEOUT;
            }
            String message = camera.id() + ": cannot open " + camera.redactedUrl() + ": " + AvErrors.text(ret);
            if (AvErrors.isTransportRefused(ret) && transport != Transport.AUTO) {
                throw SourceException.transportRefused(message);
            }
            throw new SourceException(reason, message);
        }
        if (!hasVideo(ic)) {
            close(ic);
            throw new SourceException(FailureReason.NO_VIDEO, camera.id() + ": no video stream in " + camera.redactedUrl());
        }
        return new Source(ic);
    }

    private static boolean hasVideo(AVFormatContext ic) {
        for (int i = 0; i < ic.nb_streams(); i++) {
            if (ic.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                return true;
            }
        }
        return false;
    }

    /** Closes a context that {@code avformat_open_input} opened; nothing to do after it failed (it freed it). */
    private static void close(AVFormatContext ic) {
        if (ic != null && !ic.isNull()) {
            avformat_close_input(ic);
        }
    }

    /**
     * The URL FFmpeg connects to: the camera's credential-free URL with its user name and password put
     * back, percent-encoded. The only place a URL with credentials is built; it goes to FFmpeg only.
     */
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

    /**
     * Reads with {@code av_read_frame}, which returns FFmpeg's error code, so that a stall is told from
     * an end of stream.
     */
    private static final class Source implements CameraSource {
        private AVFormatContext ic;

        Source(AVFormatContext ic) {
            this.ic = ic;
        }

        @Override
        public AVFormatContext context() {
            return ic;
        }

        @Override
        public int read(AVPacket pkt) {
            return av_read_frame(ic, pkt);
        }

        @Override
        public void close() {
            if (ic != null) {
                FfmpegCameraOpener.close(ic);
                ic = null;
            }
        }

        @Override
        public String toString() {
            return "FfmpegSource[" + (ic == null ? "closed" : ic.iformat().name().getString().toLowerCase(Locale.ROOT)) + "]";
        }
    }
}
