package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_S16;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;

import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.ShortPointer;
import org.nvr.ffmpeg.FfmpegRuntime;

/**
 * A camera's G.711 audio for tests: a 440 Hz sine, 8 kHz mono, encoded packet by packet with
 * FFmpeg's own {@code pcm_alaw} or {@code pcm_mulaw} encoder, stamped as the test says (so tests
 * can lose packets or make the clock jump). Owns its encoder, frame and packet; one thread.
 */
final class G711Tone implements AutoCloseable {
    static final int RATE = 8000;
    static final double FREQUENCY = 440;

    private final int samplesPerPacket;
    private final AVCodecContext encoder;
    private final AVFrame pcm = av_frame_alloc();
    private final AVPacket pkt = av_packet_alloc();
    private final AVCodecParameters parameters = avcodec_parameters_alloc();
    private final AVRational timeBase = new AVRational().num(1).den(RATE);
    private final short[] samples;
    private long phase;

    /** @param codec {@code pcm_alaw} or {@code pcm_mulaw} */
    G711Tone(String codec, int samplesPerPacket) {
        FfmpegRuntime.init();
        this.samplesPerPacket = samplesPerPacket;
        this.samples = new short[samplesPerPacket];
        encoder = avcodec_alloc_context3(avcodec_find_encoder_by_name(codec));
        encoder.sample_rate(RATE).sample_fmt(AV_SAMPLE_FMT_S16).time_base(timeBase);
        av_channel_layout_default(encoder.ch_layout(), 1);
        check(avcodec_open2(encoder, encoder.codec(), (AVDictionary) null), "open G.711 encoder");
        check(avcodec_parameters_from_context(parameters, encoder), "parameters");
        pcm.format(AV_SAMPLE_FMT_S16).sample_rate(RATE).nb_samples(samplesPerPacket);
        av_channel_layout_default(pcm.ch_layout(), 1);
        check(av_frame_get_buffer(pcm, 0), "frame buffer");
    }

    AVCodecParameters parameters() {
        return parameters;
    }

    AVRational timeBase() {
        return timeBase;
    }

    int samplesPerPacket() {
        return samplesPerPacket;
    }

    /** The next packet of tone, stamped {@code pts}; valid until the next call. */
    AVPacket next(long pts) {
        for (int i = 0; i < samples.length; i++, phase++) {
            samples[i] = (short) (12_000 * Math.sin(2 * Math.PI * FREQUENCY * phase / RATE));
        }
        check(av_frame_make_writable(pcm), "writable");
        new ShortPointer(pcm.data(0)).put(samples);
        pcm.pts(pts);
        av_packet_unref(pkt);
        check(avcodec_send_frame(encoder, pcm), "encode");
        check(avcodec_receive_packet(encoder, pkt), "receive");
        pkt.pts(pts).dts(pts);
        return pkt;
    }

    @Override
    public void close() {
        av_packet_free(pkt);
        av_frame_free(pcm);
        avcodec_free_context(encoder);
        avcodec_parameters_free(parameters);
    }

    private static void check(int ret, String what) {
        if (ret < 0) {
            throw new IllegalStateException(what + ": " + ret);
        }
    }
}
