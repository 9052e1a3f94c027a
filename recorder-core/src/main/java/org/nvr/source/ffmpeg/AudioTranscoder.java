package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CONFIG_SAMPLE_FORMAT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CONFIG_SAMPLE_RATE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_supported_config;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_from_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_reset;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_drop_output;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;
import static org.bytedeco.ffmpeg.global.swresample.swr_inject_silence;

import java.io.IOException;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.ffmpeg.FfmpegRuntime;

/**
 * Turns camera audio that MP4 cannot hold (G.711 A-law and mu-law above all) into AAC-LC: decodes
 * it, converts and resamples it with swresample, cuts it into the encoder's 1024-sample frames with
 * an {@code AVAudioFifo}, and encodes it with FFmpeg's native {@code aac} encoder.
 *
 * <p><b>Rate.</b> The output rate is the input rate, but at least {@link #MIN_OUTPUT_RATE}: an AAC
 * frame is 1024 samples, 128 ms at 8 kHz, and a frame is the step in which audio can follow a
 * segment cut; at 16 kHz it is 64 ms. Upsampling G.711 costs little CPU and, at the same bit rate,
 * nothing in size.
 *
 * <p><b>Time.</b> Output timestamps are in {@link #outputTimeBase()} on the input's timeline, so the
 * track stays in sync with the video it came with. The input's timestamps place the first packet
 * and any jump of more than {@link #MAX_GAP_SECONDS} (either way: a camera clock reset, a long
 * outage); otherwise time advances by samples, which keeps output timestamps strictly increasing
 * whatever the input's packet sizes and jitter. When the input drifts more than
 * {@link #TOLERANCE_MILLIS} from the samples counted (lost packets, or overlapping ones), silence is
 * inserted or samples are dropped, so audio never drifts from video by more than that.
 *
 * <p><b>Priming.</b> The AAC encoder delays its output by 1024 samples of priming. Packets keep
 * FFmpeg's stamping: each is stamped where the audio it decodes to belongs, so the first packet
 * (which decodes to the priming) is stamped one frame before the first input sample. The session
 * records nothing from before the run's first keyframe, so with a camera that sends audio from the
 * start the priming packet is never written; otherwise it plays as one frame of near-silence just
 * before the audio begins, and sync is unaffected.
 *
 * <p>Owns its decoder and encoder contexts, resampler, FIFO, frames, packet and output parameters.
 * All are allocated by {@link #open} and reused, so steady-state transcoding allocates no native
 * objects. Not thread-safe: the camera thread that opens it uses it and closes it;
 * {@link #close()} is idempotent.
 */
final class AudioTranscoder implements AutoCloseable {
    /** Lowest output rate; see the class comment. */
    static final int MIN_OUTPUT_RATE = 16_000;
    /** A larger jump in input time is a new timeline, not lost samples. */
    static final int MAX_GAP_SECONDS = 1;
    /** Drift between the input's timestamps and the samples counted that is left alone. */
    static final int TOLERANCE_MILLIS = 40;

    private static final long NO_TS = Long.MIN_VALUE;
    private static final int EAGAIN = -11;

    /** Receives each AAC packet, which is only valid during the call (it is unreffed afterwards). */
    @FunctionalInterface
    interface PacketSink {
        void accept(AVPacket out) throws IOException;
    }

    private final AVRational inputTimeBase;
    private AVCodecContext decoder;
    private AVCodecContext encoder;
    private SwrContext resampler;
    private AVAudioFifo fifo;
    private AVFrame decoded;
    private AVFrame converted;
    private AVFrame frame;
    private AVPacket encoded;
    private AVCodecParameters outputParameters;
    private AVRational inputSampleTime;
    private AVRational outputTimeBase;
    private int frameSize;
    private int convertedCapacity;

    /** Input time of the next input sample, in input samples; NO_TS before the first. */
    private long nextInput = NO_TS;
    /** Output time of the FIFO's first sample, in output samples. */
    private long fifoPts;
    private long invalidPackets;
    private long resyncs;
    private boolean flushed;
    private boolean closed;

    private AudioTranscoder(AVRational inputTimeBase) {
        this.inputTimeBase = rational(inputTimeBase.num(), inputTimeBase.den());
    }

    /** Opens a decoder for {@code input}, an AAC encoder and the buffers between them. */
    static AudioTranscoder open(AVCodecParameters input, AVRational inputTimeBase) throws IOException {
        FfmpegRuntime.init();
        AudioTranscoder t = new AudioTranscoder(inputTimeBase);
        try {
            t.openDecoder(input);
            t.openEncoder();
            t.openBuffers();
            return t;
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** The AAC track's codec parameters (with its AudioSpecificConfig); owned by this transcoder. */
    AVCodecParameters outputParameters() {
        return outputParameters;
    }

    /** 1 / output sample rate: the time base of every packet given to a sink. */
    AVRational outputTimeBase() {
        return outputTimeBase;
    }

    /** Input packets the decoder rejected as corrupt and that were skipped. */
    long invalidPackets() {
        return invalidPackets;
    }

    /** Times the input's timeline jumped and output time was taken from it again. */
    long resyncs() {
        return resyncs;
    }

    /**
     * Transcodes one input packet; hands every AAC packet this completes to {@code sink}. A packet the
     * decoder finds corrupt is skipped (its time becomes silence); any other failure throws, and the
     * transcoder must then not be used again. An exception from the sink propagates unchanged.
     */
    void transcode(AVPacket in, PacketSink sink) throws IOException {
        if (closed || flushed) {
            throw new IOException("transcoder already " + (closed ? "closed" : "flushed"));
        }
        if (in.size() <= 0) {
            return; // an empty packet would tell the decoder that the stream has ended
        }
        int ret = avcodec_send_packet(decoder, in);
        if (ret == AVERROR_INVALIDDATA) {
            invalidPackets++;
            return;
        }
        check(ret, "decode");
        decodeFrames(sink);
    }

    /** Drains the decoder, resampler, FIFO and encoder into {@code sink}: the end of the stream. */
    void flush(PacketSink sink) throws IOException {
        if (closed || flushed) {
            return;
        }
        flushed = true;
        if (nextInput == NO_TS) {
            return; // nothing was ever decoded
        }
        check(avcodec_send_packet(decoder, null), "drain decoder");
        decodeFrames(sink);
        convert(null, 0);
        encodeWholeFrames(sink);
        int rest = av_audio_fifo_size(fifo);
        if (rest > 0) {
            encode(rest, sink); // the AAC encoder takes a short last frame
        }
        check(avcodec_send_frame(encoder, null), "drain encoder");
        receivePackets(sink);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // The *_free functions take a pointer to the pointer: never hand them a null Java object.
        if (decoder != null) {
            avcodec_free_context(decoder);
        }
        if (encoder != null) {
            avcodec_free_context(encoder);
        }
        if (resampler != null) {
            swr_free(resampler);
        }
        if (fifo != null) {
            av_audio_fifo_free(fifo);
            fifo = null;
        }
        for (AVFrame f : new AVFrame[] {decoded, converted, frame}) {
            if (f != null) {
                av_frame_free(f);
            }
        }
        if (encoded != null) {
            av_packet_free(encoded);
        }
        if (outputParameters != null) {
            avcodec_parameters_free(outputParameters);
        }
    }

    private void openDecoder(AVCodecParameters input) throws IOException {
        String name = avcodec_get_name(input.codec_id()).getString();
        AVCodec codec = avcodec_find_decoder(input.codec_id());
        if (codec == null) {
            throw new IOException("no decoder for " + name);
        }
        decoder = allocContext(codec);
        check(avcodec_parameters_to_context(decoder, input), "configure " + name + " decoder");
        decoder.pkt_timebase(inputTimeBase);
        openCodec(decoder, codec, name + " decoder");
        if (decoder.sample_rate() <= 0 || decoder.ch_layout().nb_channels() <= 0) {
            throw new IOException(name + " stream has no sample rate or channel count");
        }
        inputSampleTime = rational(1, decoder.sample_rate());
    }

    private void openEncoder() throws IOException {
        AVCodec codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
        if (codec == null) {
            throw new IOException("this FFmpeg has no AAC encoder");
        }
        int rate = outputRate(decoder.sample_rate(), supported(codec, AV_CODEC_CONFIG_SAMPLE_RATE));
        int[] formats = supported(codec, AV_CODEC_CONFIG_SAMPLE_FORMAT);
        int channels = Math.min(2, decoder.ch_layout().nb_channels());
        encoder = allocContext(codec);
        encoder.sample_rate(rate);
        encoder.sample_fmt(formats.length > 0 ? formats[0] : AV_SAMPLE_FMT_FLTP);
        av_channel_layout_default(encoder.ch_layout(), channels);
        encoder.bit_rate((long) bitRatePerChannel(rate) * channels);
        outputTimeBase = rational(1, rate);
        encoder.time_base(outputTimeBase);
        // MP4 keeps the AudioSpecificConfig in the sample entry, not in the stream.
        encoder.flags(encoder.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
        openCodec(encoder, codec, "AAC encoder");
        frameSize = encoder.frame_size() > 0 ? encoder.frame_size() : 1024;
        outputParameters = avcodec_parameters_alloc();
        if (outputParameters == null) {
            throw new OutOfMemoryError("avcodec_parameters_alloc");
        }
        check(avcodec_parameters_from_context(outputParameters, encoder), "copy AAC parameters");
    }

    private void openBuffers() throws IOException {
        resampler = new SwrContext(null);
        check(swr_alloc_set_opts2(resampler, encoder.ch_layout(), encoder.sample_fmt(), encoder.sample_rate(),
                decoder.ch_layout(), decoder.sample_fmt(), decoder.sample_rate(), 0, null), "configure resampler");
        check(swr_init(resampler), "open resampler");
        fifo = av_audio_fifo_alloc(encoder.sample_fmt(), encoder.ch_layout().nb_channels(), 4 * frameSize);
        decoded = av_frame_alloc();
        converted = av_frame_alloc();
        frame = av_frame_alloc();
        encoded = av_packet_alloc();
        if (fifo == null || decoded == null || converted == null || frame == null || encoded == null) {
            throw new OutOfMemoryError("audio transcoder buffers");
        }
        allocateSamples(frame, frameSize);
        ensureConvertedCapacity(4 * frameSize);
    }

    private void decodeFrames(PacketSink sink) throws IOException {
        while (true) {
            int ret = avcodec_receive_frame(decoder, decoded);
            if (ret == EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            check(ret, "decode");
            try {
                if (decoded.format() != decoder.sample_fmt() || decoded.sample_rate() != decoder.sample_rate()
                        || decoded.ch_layout().nb_channels() != decoder.ch_layout().nb_channels()) {
                    throw new IOException("input audio format changed mid-stream");
                }
                place(decoded);
                convert(decoded.extended_data(), decoded.nb_samples());
            } finally {
                av_frame_unref(decoded);
            }
            encodeWholeFrames(sink);
        }
    }

    /** Lines a decoded frame up with the output timeline; see "Time" in the class comment. */
    private void place(AVFrame f) throws IOException {
        long ts = f.best_effort_timestamp() != NO_TS ? f.best_effort_timestamp() : f.pts();
        long at = ts == NO_TS ? NO_TS : av_rescale_q(ts, inputTimeBase, inputSampleTime);
        int rate = decoder.sample_rate();
        if (nextInput == NO_TS) {
            restartTimeline(at == NO_TS ? 0 : at);
        } else if (at != NO_TS) {
            long drift = at - nextInput;
            if (Math.abs(drift) > (long) MAX_GAP_SECONDS * rate) {
                resyncs++;
                restartTimeline(at);
            } else if (drift > (long) TOLERANCE_MILLIS * rate / 1000) {
                check(swr_inject_silence(resampler, (int) drift), "insert silence");
                nextInput = at;
            } else if (-drift > (long) TOLERANCE_MILLIS * rate / 1000) {
                check(swr_drop_output(resampler, (int) av_rescale_q(-drift, inputSampleTime, outputTimeBase)),
                        "drop overlapping samples");
                nextInput = at;
            }
        }
        nextInput += f.nb_samples();
    }

    /** Output time starts again at input time {@code at}; the unfinished frame is dropped. */
    private void restartTimeline(long at) throws IOException {
        av_audio_fifo_reset(fifo);
        check(swr_init(resampler), "reset resampler"); // forgets buffered samples of the old timeline
        nextInput = at;
        fifoPts = av_rescale_q(at, inputSampleTime, outputTimeBase);
    }

    /** Resamples {@code count} samples into the FIFO; with null input, flushes the resampler. */
    private void convert(PointerPointer<?> in, int count) throws IOException {
        int room = swr_get_out_samples(resampler, count);
        check(room, "size resampler output");
        ensureConvertedCapacity(room);
        int n = swr_convert(resampler, converted.extended_data(), convertedCapacity, in, count);
        check(n, "resample");
        if (n > 0 && av_audio_fifo_write(fifo, converted.extended_data(), n) < n) {
            throw new IOException("cannot queue " + n + " samples");
        }
    }

    private void encodeWholeFrames(PacketSink sink) throws IOException {
        while (av_audio_fifo_size(fifo) >= frameSize) {
            encode(frameSize, sink);
        }
    }

    private void encode(int samples, PacketSink sink) throws IOException {
        // The encoder may still hold a reference to the last frame's buffer; copy-on-write if so.
        check(av_frame_make_writable(frame), "reuse encoder frame");
        frame.nb_samples(samples);
        if (av_audio_fifo_read(fifo, frame.extended_data(), samples) < samples) {
            throw new IOException("cannot read " + samples + " samples from the FIFO");
        }
        frame.pts(fifoPts);
        fifoPts += samples;
        check(avcodec_send_frame(encoder, frame), "encode");
        receivePackets(sink);
    }

    private void receivePackets(PacketSink sink) throws IOException {
        while (true) {
            int ret = avcodec_receive_packet(encoder, encoded);
            if (ret == EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            check(ret, "encode");
            try {
                encoded.dts(encoded.pts()); // AAC frames are never reordered
                sink.accept(encoded);
            } finally {
                av_packet_unref(encoded);
            }
        }
    }

    /** Grows the resampler's output frame when a frame larger than any before arrives (rare). */
    private void ensureConvertedCapacity(int samples) throws IOException {
        if (samples <= convertedCapacity) {
            return;
        }
        av_frame_unref(converted);
        allocateSamples(converted, Math.max(samples, 2 * convertedCapacity));
        convertedCapacity = converted.nb_samples();
    }

    private void allocateSamples(AVFrame f, int samples) throws IOException {
        f.format(encoder.sample_fmt());
        f.sample_rate(encoder.sample_rate());
        check(av_channel_layout_copy(f.ch_layout(), encoder.ch_layout()), "copy channel layout");
        f.nb_samples(samples);
        check(av_frame_get_buffer(f, 0), "allocate " + samples + " samples");
    }

    /** The input rate, raised to {@link #MIN_OUTPUT_RATE}, rounded up to a rate the encoder supports. */
    static int outputRate(int inputRate, int[] supported) {
        int wanted = Math.max(inputRate, MIN_OUTPUT_RATE);
        int best = -1;
        int highest = -1;
        for (int r : supported) {
            if (r >= wanted && (best < 0 || r < best)) {
                best = r;
            }
            highest = Math.max(highest, r);
        }
        return best > 0 ? best : highest > 0 ? highest : wanted;
    }

    /** Enough for speech from an 8 or 16 kHz microphone; more for wideband sources. */
    static int bitRatePerChannel(int rate) {
        return rate <= 16_000 ? 32_000 : rate <= 24_000 ? 48_000 : 64_000;
    }

    /** What {@code avcodec_get_supported_config} lists (int-valued configs); empty means anything. */
    private static int[] supported(AVCodec codec, int config) throws IOException {
        try (PointerPointer<Pointer> out = new PointerPointer<>(1); IntPointer count = new IntPointer(1)) {
            check(avcodec_get_supported_config(null, codec, config, 0, out, count), "query AAC encoder");
            Pointer values = out.get(0);
            int[] result = new int[values == null || values.isNull() ? 0 : count.get()];
            if (result.length > 0) {
                new IntPointer(values).get(result);
            }
            return result;
        }
    }

    private static AVCodecContext allocContext(AVCodec codec) {
        AVCodecContext c = avcodec_alloc_context3(codec);
        if (c == null) {
            throw new OutOfMemoryError("avcodec_alloc_context3");
        }
        return c;
    }

    private static void openCodec(AVCodecContext c, AVCodec codec, String what) throws IOException {
        AVDictionary opts = new AVDictionary(null);
        try {
            av_dict_set(opts, "threads", "1", 0); // a few kB/s of audio: threads would only cost memory
            check(avcodec_open2(c, codec, opts), "open " + what);
        } finally {
            av_dict_free(opts);
        }
    }

    private static AVRational rational(int num, int den) {
        return new AVRational().num(num).den(den);
    }

    private static void check(int ret, String what) throws IOException {
        if (ret < 0) {
            throw new IOException(what + ": " + AvErrors.text(ret));
        }
    }
}
