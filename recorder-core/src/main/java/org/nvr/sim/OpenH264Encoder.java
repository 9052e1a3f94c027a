package org.nvr.sim;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Encodes YUV 4:2:0 pictures to H.264 with the libopenh264 encoder bundled in JavaCV's FFmpeg (this
 * build has no x264). Output is Annex-B, one packet per picture, SPS and PPS in front of every IDR.
 *
 * <p>Owns one native encoder context, frame and packet; {@link #close()} frees them and is safe to
 * call twice. Not thread-safe: one thread encodes a whole clip.
 */
final class OpenH264Encoder implements AutoCloseable {

    /** One encoded picture as the encoder returned it. */
    record Packet(byte[] annexB, boolean keyframe) {
    }

    private final byte[] luma;
    private final byte[] chromaU;
    private final byte[] chromaV;
    private AVCodecContext context;
    private AVFrame frame;
    private AVPacket packet;

    OpenH264Encoder(int width, int height, int fps, int gop, int bitrate) {
        try {
            AVCodec codec = avcodec_find_encoder_by_name("libopenh264");
            if (codec == null) {
                throw new IllegalStateException("FFmpeg has no libopenh264 encoder");
            }
            context = avcodec_alloc_context3(codec);
            context.width(width);
            context.height(height);
            context.pix_fmt(AV_PIX_FMT_YUV420P);
            context.time_base(av_make_q(1, fps));
            context.framerate(av_make_q(fps, 1));
            context.gop_size(gop);
            context.max_b_frames(0);
            context.bit_rate(bitrate);
            AVDictionary options = new AVDictionary(null);
            // Bitrate mode holds the size near the target; frame skipping would break the
            // one-packet-per-picture assumption, so it stays off.
            av_dict_set(options, "rc_mode", "bitrate", 0);
            av_dict_set(options, "allow_skip_frames", "0", 0);
            try {
                check(avcodec_open2(context, codec, options), "open libopenh264");
            } finally {
                av_dict_free(options);
            }
            frame = av_frame_alloc();
            frame.format(AV_PIX_FMT_YUV420P);
            frame.width(width);
            frame.height(height);
            check(av_frame_get_buffer(frame, 0), "allocate frame");
            packet = av_packet_alloc();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        luma = new byte[frame.linesize(0) * height];
        chromaU = new byte[frame.linesize(1) * (height / 2)];
        chromaV = new byte[frame.linesize(2) * (height / 2)];
    }

    /** Paints picture {@code index} with {@code pattern}, encodes it and hands out any packets ready. */
    void encode(int index, TestPattern pattern, Consumer<Packet> out) {
        check(av_frame_make_writable(frame), "make frame writable");
        pattern.paintLuma(index, luma, frame.linesize(0));
        pattern.paintChroma(index, chromaU, chromaV, frame.linesize(1));
        frame.data(0).put(luma, 0, luma.length);
        frame.data(1).put(chromaU, 0, chromaU.length);
        frame.data(2).put(chromaV, 0, chromaV.length);
        frame.pts(index);
        check(avcodec_send_frame(context, frame), "send frame " + index);
        drain(out);
    }

    /** Signals the end of input and hands out the packets still buffered in the encoder. */
    void flush(Consumer<Packet> out) {
        check(avcodec_send_frame(context, null), "flush encoder");
        drain(out);
    }

    private void drain(Consumer<Packet> out) {
        while (true) {
            int ret = avcodec_receive_packet(context, packet);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            check(ret, "receive packet");
            try {
                byte[] data = new byte[packet.size()];
                packet.data().get(data);
                out.accept(new Packet(data, (packet.flags() & AV_PKT_FLAG_KEY) != 0));
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    @Override
    public void close() {
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (context != null) {
            avcodec_free_context(context);
            context = null;
        }
    }

    private static void check(int ret, String what) {
        if (ret < 0) {
            byte[] buf = new byte[256];
            av_strerror(ret, buf, buf.length);
            int len = 0;
            while (len < buf.length && buf[len] != 0) {
                len++;
            }
            throw new IllegalStateException("libopenh264: cannot " + what + ": "
                    + new String(buf, 0, len, StandardCharsets.UTF_8) + " (" + ret + ")");
        }
    }
}
