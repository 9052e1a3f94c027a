package org.nvr.footage;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_QSCALE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_MJPEG;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AVSEEK_FLAG_BACKWARD;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_seek_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.PointerPointer;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.mp4.Mp4Fragments;

/**
 * The picture a segment shows at one moment, as a JPEG at the camera's resolution: seeks to the
 * keyframe at or before the moment, decodes from there (only that GOP) and keeps the last picture whose
 * time is not after the moment, that is the one on screen then. A segment still being written is read
 * up to the end of its last complete fragment (its fragments are at most 2 s long), so the picture can
 * be up to a fragment older than the moment when the moment is in the fragment being written.
 *
 * <p>One call per snapshot, on the caller's thread; owns its native contexts for the call. Writes into
 * the temporary file of an {@link OutputFile}, which the caller publishes.
 */
public final class SnapshotWriter {
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    /** The picture written: its own time (at or just before the one asked for) and size. */
    public record Result(Path output, Instant pictureTime, int width, int height, long bytes) {
    }

    private SnapshotWriter() {
    }

    /**
     * @param segment      the segment file
     * @param segmentStart the wall-clock time of the segment's time zero (its indexed start)
     * @param at           the moment wanted
     */
    public static Result write(Path segment, Instant segmentStart, Instant at, OutputFile output) throws IOException {
        FfmpegRuntime.init();
        Mp4Fragments.Layout layout = Mp4Fragments.inspect(segment);
        if (layout.torn() && layout.fragments() == 0) {
            throw new IOException(segment + ": no complete fragment written yet");
        }
        // A segment still being written ends in a fragment the recorder is writing: read only the
        // complete ones (FFmpeg's subfile protocol stops the demuxer at their end).
        String url = layout.torn() ? "subfile,,start,0,end," + layout.completeLength() + ",,:" + segment
                : segment.toString();
        AVFormatContext ic = new AVFormatContext(null);
        if (avformat_open_input(ic, url, null, null) < 0) {
            throw new IOException(segment + ": cannot open");
        }
        AVCodecContext dec = null;
        AVPacket pkt = av_packet_alloc();
        AVFrame frame = av_frame_alloc();
        AVFrame best = av_frame_alloc();
        try {
            int v = -1;
            for (int i = 0; i < ic.nb_streams(); i++) {
                if (ic.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_VIDEO) {
                    v = i;
                    break;
                }
            }
            if (v < 0) {
                throw new IOException(segment + ": no video track");
            }
            AVStream st = ic.streams(v);
            AVCodec codec = avcodec_find_decoder(st.codecpar().codec_id());
            if (codec == null) {
                throw new IOException(segment + ": no decoder for its video");
            }
            dec = avcodec_alloc_context3(codec);
            check(avcodec_parameters_to_context(dec, st.codecpar()), "decoder parameters");
            dec.thread_count(1); // one GOP: no frame-thread delay to reason about
            check(avcodec_open2(dec, codec, (PointerPointer<?>) null), "open decoder");
            long atUs = (at.toEpochMilli() - segmentStart.toEpochMilli()) * 1000;
            long target = av_rescale_q(atUs, MICROS, st.time_base());
            // Seek to the keyframe at or before the target: only that GOP is decoded.
            av_seek_frame(ic, v, target, AVSEEK_FLAG_BACKWARD);
            long bestPts = AV_NOPTS_VALUE;
            boolean past = false;
            boolean eof = false;
            while (!past) {
                int ret;
                if (!eof) {
                    ret = av_read_frame(ic, pkt);
                    if (ret < 0) {
                        eof = true;
                        avcodec_send_packet(dec, null);
                    } else {
                        try {
                            if (pkt.stream_index() == v) {
                                avcodec_send_packet(dec, pkt);
                            } else {
                                continue;
                            }
                        } finally {
                            av_packet_unref(pkt);
                        }
                    }
                }
                while ((ret = avcodec_receive_frame(dec, frame)) >= 0) {
                    long pts = frame.best_effort_timestamp() != AV_NOPTS_VALUE ? frame.best_effort_timestamp()
                            : frame.pts();
                    if (bestPts != AV_NOPTS_VALUE && pts > target) {
                        past = true;
                        av_frame_unref(frame);
                        break;
                    }
                    av_frame_unref(best);
                    av_frame_move_ref(best, frame);
                    bestPts = pts;
                    if (pts >= target) {
                        past = pts == target;
                    }
                }
                if (ret == AVERROR_EOF || (eof && ret < 0)) {
                    break;
                }
            }
            if (bestPts == AV_NOPTS_VALUE) {
                throw new IOException(segment + ": no picture decodes at " + at);
            }
            byte[] jpeg = encodeJpeg(best);
            output.write(output.file(), jpeg);
            long pictureUs = av_rescale_q(bestPts, st.time_base(), MICROS);
            return new Result(output.file(), segmentStart.plusNanos(pictureUs * 1000), best.width(), best.height(),
                    jpeg.length);
        } finally {
            av_frame_free(frame);
            av_frame_free(best);
            av_packet_free(pkt);
            if (dec != null) {
                avcodec_free_context(dec);
            }
            avformat_close_input(ic);
        }
    }

    /** Full-range 4:2:0 JPEG of {@code picture} at its own size, quality close to the source. */
    private static byte[] encodeJpeg(AVFrame picture) throws IOException {
        int w = picture.width();
        int h = picture.height();
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
        if (codec == null) {
            throw new IOException("no JPEG encoder in this FFmpeg build");
        }
        AVCodecContext enc = avcodec_alloc_context3(codec);
        AVFrame yuv = av_frame_alloc();
        AVPacket out = av_packet_alloc();
        SwsContext sws = null;
        try {
            enc.width(w).height(h).pix_fmt(AV_PIX_FMT_YUVJ420P);
            enc.time_base(new AVRational().num(1).den(25));
            enc.flags(enc.flags() | AV_CODEC_FLAG_QSCALE);
            enc.global_quality(2 * 118); // FF_QP2LAMBDA * qscale 2: visually lossless
            check(avcodec_open2(enc, codec, (PointerPointer<?>) null), "open JPEG encoder");
            yuv.format(AV_PIX_FMT_YUVJ420P).width(w).height(h);
            check(av_frame_get_buffer(yuv, 0), "allocate picture");
            sws = sws_getContext(w, h, picture.format(), w, h, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, null, null,
                    (double[]) null);
            if (sws == null) {
                throw new IOException("cannot convert the picture for JPEG");
            }
            sws_scale(sws, picture.data(), picture.linesize(), 0, h, yuv.data(), yuv.linesize());
            yuv.pts(0);
            yuv.quality(enc.global_quality());
            check(avcodec_send_frame(enc, yuv), "encode JPEG");
            check(avcodec_send_frame(enc, null), "finish JPEG");
            check(avcodec_receive_packet(enc, out), "encode JPEG");
            byte[] bytes = new byte[out.size()];
            out.data().position(0).get(bytes);
            av_packet_unref(out);
            return bytes;
        } finally {
            if (sws != null) {
                sws_freeContext(sws);
            }
            av_packet_free(out);
            av_frame_free(yuv);
            avcodec_free_context(enc);
        }
    }

    private static void check(int ret, String what) throws IOException {
        if (ret < 0) {
            throw new IOException(what + ": " + AvErrors.text(ret));
        }
    }
}
