package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentLedger;

/**
 * Writes one segment file: a fragmented MP4 whose fragments are at most {@link SegmentLedger#FRAGMENT_MICROS} long
 * and flushed to the kernel as soon as they are cut, so a crash loses at most the fragment in progress.
 * Packets are copied as they are (no decoding); the caller gives them in each track's own time base,
 * relative to the segment start, with strictly increasing dts per track.
 *
 * <p>Not thread-safe; owned by the session that opened it, which closes it. {@link #close()} is safe to
 * call twice and always releases native memory, even after a failed write.
 */
public final class Mp4SegmentWriter implements AutoCloseable {

    /** HEVC must be tagged {@code hvc1} (parameter sets in the sample entry) or Apple players refuse it. */
    private static final int HVC1 = 'h' | ('v' << 8) | ('c' << 16) | ('1' << 24);

    /** One output track: codec parameters to copy and the time base the caller's timestamps use. */
    public record Track(AVCodecParameters parameters, AVRational timeBase) {
    }

    private final Path path;
    private final AVRational[] inputTimeBases;
    private AVFormatContext oc;
    private boolean headerWritten;

    private Mp4SegmentWriter(Path path, AVRational[] inputTimeBases) {
        this.path = path;
        this.inputTimeBases = inputTimeBases;
    }

    /** Creates the file and writes its header. The file must not exist yet. */
    public static Mp4SegmentWriter create(Path path, List<Track> tracks) throws IOException {
        FfmpegRuntime.init();
        AVRational[] tbs = new AVRational[tracks.size()];
        Mp4SegmentWriter w = new Mp4SegmentWriter(path, tbs);
        try {
            w.open(tracks);
            return w;
        } catch (IOException | RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private void open(List<Track> tracks) throws IOException {
        oc = new AVFormatContext(null);
        check(avformat_alloc_output_context2(oc, null, "mp4", path.toString()), "allocate muxer");
        for (int i = 0; i < tracks.size(); i++) {
            Track t = tracks.get(i);
            AVStream st = avformat_new_stream(oc, null);
            if (st == null) {
                throw new IOException("cannot add stream to " + path);
            }
            check(avcodec_parameters_copy(st.codecpar(), t.parameters()), "copy codec parameters");
            st.codecpar().codec_tag(t.parameters().codec_id() == AV_CODEC_ID_HEVC ? HVC1 : 0);
            st.time_base(t.timeBase());
            inputTimeBases[i] = new AVRational().num(t.timeBase().num()).den(t.timeBase().den());
        }
        AVIOContext pb = new AVIOContext(null);
        check(avio_open(pb, path.toString(), AVIO_FLAG_WRITE), "create file");
        oc.pb(pb);
        AVDictionary opts = new AVDictionary(null);
        try {
            av_dict_set(opts, "movflags", "frag_keyframe+empty_moov+default_base_moof+delay_moov", 0);
            av_dict_set(opts, "frag_duration", Long.toString(SegmentLedger.FRAGMENT_MICROS), 0);
            av_dict_set(opts, "flush_packets", "1", 0);
            check(avformat_write_header(oc, opts), "write header");
        } finally {
            av_dict_free(opts);
        }
        headerWritten = true;
    }

    /**
     * Writes one packet of track {@code track}. Timestamps are rescaled in place; the packet's data is
     * not consumed (the caller still unrefs it).
     */
    public void write(AVPacket pkt, int track) throws IOException {
        pkt.stream_index(track);
        pkt.pos(-1);
        av_packet_rescale_ts(pkt, inputTimeBases[track], oc.streams(track).time_base());
        check(av_write_frame(oc, pkt), "write packet");
    }

    public Path path() {
        return path;
    }

    /**
     * Closes the file without writing a trailer, after a write failed (a full disk): nothing more is
     * written into a file whose last fragment may be torn; {@link SegmentFinisher#recover} cuts it off.
     * Safe to call twice, and after {@link #close()}.
     */
    public void abandon() {
        headerWritten = false;
        try {
            close();
        } catch (IOException impossible) {
            // without a trailer there is nothing that can fail
        }
    }

    /** Writes the trailer and closes the file. Safe to call twice; releases native memory even on failure. */
    @Override
    public void close() throws IOException {
        if (oc == null) {
            return;
        }
        IOException failure = null;
        try {
            if (headerWritten) {
                int ret = av_write_trailer(oc);
                if (ret < 0) {
                    failure = new IOException(path + ": write trailer: " + AvErrors.text(ret));
                }
            }
        } finally {
            AVIOContext pb = oc.pb();
            if (pb != null && !pb.isNull()) {
                avio_close(pb);
                oc.pb(null);
            }
            avformat_free_context(oc);
            oc = null;
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void check(int ret, String what) throws IOException {
        if (ret < 0) {
            throw new MuxException(path + ": " + what + ": " + AvErrors.text(ret), ret);
        }
    }

    /** A muxer failure with FFmpeg's error code (for example {@code -28}, no space left on device). */
    public static final class MuxException extends IOException {
        private final int code;

        MuxException(String message, int code) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }
    }
}
