package org.nvr.mp4;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.PointerPointer;
import org.nvr.ffmpeg.FfmpegRuntime;

/**
 * Reads what a segment file really holds by walking its packets (no decoding): the video duration,
 * frame and keyframe counts. Used to close segments a crash left open and to index stray files; a
 * fragmented MP4 cut short by a kill is readable up to its last complete fragment.
 *
 * <p>Stateless and thread-safe.
 */
public final class Mp4Probe {
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    /** What a file holds. */
    public record Contents(Duration duration, long frames, long keyframes, String videoCodec, int width, int height) {
    }

    private Mp4Probe() {
    }

    /** Empty when the file cannot be opened or holds no video frame. */
    public static Optional<Contents> probe(Path file) {
        FfmpegRuntime.init();
        AVFormatContext ic = new AVFormatContext(null);
        if (avformat_open_input(ic, file.toString(), null, null) < 0) {
            return Optional.empty();
        }
        AVPacket pkt = av_packet_alloc();
        try {
            if (avformat_find_stream_info(ic, (PointerPointer<?>) null) < 0) {
                return Optional.empty();
            }
            int video = -1;
            for (int i = 0; i < ic.nb_streams(); i++) {
                if (ic.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                    video = i;
                    break;
                }
            }
            if (video < 0) {
                return Optional.empty();
            }
            AVStream st = ic.streams(video);
            long first = Long.MAX_VALUE;
            long end = Long.MIN_VALUE;
            long frames = 0;
            long keyframes = 0;
            long lastDelta = 0;
            long lastDts = Long.MIN_VALUE;
            while (av_read_frame(ic, pkt) >= 0) {
                try {
                    if (pkt.stream_index() != video || pkt.dts() == Long.MIN_VALUE) {
                        continue;
                    }
                    frames++;
                    if ((pkt.flags() & AV_PKT_FLAG_KEY) != 0) {
                        keyframes++;
                    }
                    long dur = pkt.duration() > 0 ? pkt.duration() : lastDelta;
                    if (lastDts != Long.MIN_VALUE && pkt.dts() > lastDts) {
                        lastDelta = pkt.dts() - lastDts;
                    }
                    lastDts = pkt.dts();
                    // presentation times: with B-frames a picture is shown after it is decoded, and the
                    // segment lasts from its first picture shown to the end of its last
                    long shown = pkt.pts() != Long.MIN_VALUE ? pkt.pts() : pkt.dts();
                    first = Math.min(first, shown);
                    end = Math.max(end, shown + dur);
                } finally {
                    av_packet_unref(pkt);
                }
            }
            if (frames == 0) {
                return Optional.empty();
            }
            long micros = av_rescale_q(end - first, st.time_base(), MICROS);
            return Optional.of(new Contents(Duration.ofNanos(micros * 1000), frames, keyframes,
                    avcodec_get_name(st.codecpar().codec_id()).getString(), st.codecpar().width(),
                    st.codecpar().height()));
        } finally {
            av_packet_free(pkt);
            avformat_close_input(ic);
        }
    }
}
