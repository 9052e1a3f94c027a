package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_ALAW;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_PCM_MULAW;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;

import java.io.IOException;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * The {@link AudioTranscoder} for sources that deliver {@link Frame}s: G.711 A-law or mu-law frames of
 * one track in, AAC frames of {@link #output()} out, on the input's timeline (the output track's clock
 * is the AAC sample rate). Timing, resync and priming are the transcoder's (see its class comment).
 *
 * <p>Owns its transcoder and packet. Not thread-safe: the camera's writer lane opens, uses and closes
 * it; {@link #close()} is idempotent.
 */
public final class FrameTranscoder implements AutoCloseable {

    /** Receives each AAC frame as it is completed. */
    @FunctionalInterface
    public interface AacSink {
        void accept(Frame aac) throws IOException, InterruptedException, org.nvr.camera.SourceException;
    }

    private final AudioTranscoder transcoder;
    private final Track output;
    private final AVPacket in = av_packet_alloc();
    private boolean closed;

    private FrameTranscoder(AudioTranscoder transcoder, Track output) {
        this.transcoder = transcoder;
        this.output = output;
    }

    /** Whether {@code codec} is what this transcoder takes (G.711). */
    public static boolean transcodes(Codec codec) {
        return codec == Codec.PCMA || codec == Codec.PCMU;
    }

    /**
     * Opens a transcoder for {@code input}, a G.711 track.
     *
     * @throws IOException when FFmpeg cannot decode it or has no AAC encoder
     */
    public static FrameTranscoder open(Track input) throws IOException {
        if (!transcodes(input.codec())) {
            throw new IllegalArgumentException("not G.711: " + input.codec());
        }
        FfmpegRuntime.init();
        AVCodecParameters parameters = avcodec_parameters_alloc();
        if (parameters == null) {
            throw new OutOfMemoryError("avcodec_parameters_alloc");
        }
        AudioTranscoder transcoder;
        try {
            int rate = input.sampleRate() > 0 ? input.sampleRate() : input.clockRate();
            parameters.codec_type(AVMEDIA_TYPE_AUDIO)
                    .codec_id(input.codec() == Codec.PCMA ? AV_CODEC_ID_PCM_ALAW : AV_CODEC_ID_PCM_MULAW)
                    .sample_rate(rate);
            av_channel_layout_default(parameters.ch_layout(), Math.max(1, input.channels()));
            transcoder = AudioTranscoder.open(parameters, new AVRational().num(1).den(input.clockRate()));
        } finally {
            avcodec_parameters_free(parameters);
        }
        AVCodecParameters out = transcoder.outputParameters();
        byte[] config = new byte[Math.max(0, out.extradata_size())];
        if (config.length > 0) {
            out.extradata().get(config);
        }
        int outRate = transcoder.outputTimeBase().den();
        Track aac = Track.audio(input.index(), Codec.AAC, outRate, config, outRate, out.ch_layout().nb_channels());
        return new FrameTranscoder(transcoder, aac);
    }

    /** The AAC track the output frames belong to (its AudioSpecificConfig included). */
    public Track output() {
        return output;
    }

    /**
     * Transcodes one G.711 frame, handing every AAC frame it completes to {@code sink}. A corrupt frame
     * is skipped. An exception of the sink propagates as it was thrown (and stops the output).
     *
     * @throws Failed the transcoder failed; it must not be used again
     */
    public void transcode(Frame g711, AacSink sink) throws Failed, IOException, InterruptedException,
            org.nvr.camera.SourceException {
        byte[] data = g711.data();
        if (data.length == 0) {
            return;
        }
        if (av_new_packet(in, data.length) < 0) {
            throw new Failed("cannot allocate an audio packet");
        }
        SinkFailure failure = new SinkFailure();
        try {
            in.data().put(data, 0, data.length);
            in.pts(g711.pts()).dts(g711.dts());
            transcoder.transcode(in, aac -> failure.pass(sink, frame(aac)));
        } catch (IOException e) {
            failure.rethrow();
            throw new Failed(e.getMessage());
        } finally {
            av_packet_unref(in);
        }
        failure.rethrow();
    }

    /** Drains what the transcoder holds (the last fraction of a second) into {@code sink}. */
    public void flush(AacSink sink) throws Failed, IOException, InterruptedException,
            org.nvr.camera.SourceException {
        SinkFailure failure = new SinkFailure();
        try {
            transcoder.flush(aac -> failure.pass(sink, frame(aac)));
        } catch (IOException e) {
            failure.rethrow();
            throw new Failed(e.getMessage());
        }
        failure.rethrow();
    }

    private Frame frame(AVPacket aac) {
        byte[] bytes = new byte[aac.size()];
        aac.data().get(bytes);
        return new Frame(output, aac.pts(), aac.dts(), true, bytes);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        transcoder.close();
        av_packet_free(in);
    }

    /** The transcoder itself failed (not its sink): audio stops, video goes on. */
    public static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    /**
     * Carries the sink's exceptions through the transcoder, whose packet sink may only throw
     * IOException: the first one stops the transcoder's output and is rethrown as it was.
     */
    private static final class SinkFailure {
        private Exception thrown;

        void pass(AacSink sink, Frame aac) throws IOException {
            try {
                sink.accept(aac);
            } catch (IOException | InterruptedException | org.nvr.camera.SourceException | RuntimeException e) {
                thrown = e;
                throw new IOException("the AAC frame's consumer failed", e);
            }
        }

        void rethrow() throws IOException, InterruptedException, org.nvr.camera.SourceException {
            if (thrown instanceof IOException e) {
                throw e;
            }
            if (thrown instanceof InterruptedException e) {
                Thread.currentThread().interrupt();
                throw e;
            }
            if (thrown instanceof org.nvr.camera.SourceException e) {
                throw e;
            }
            if (thrown instanceof RuntimeException e) {
                throw e;
            }
        }
    }
}
