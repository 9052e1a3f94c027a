package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.av_parser_close;
import static org.bytedeco.ffmpeg.global.avcodec.av_parser_init;
import static org.bytedeco.ffmpeg.global.avcodec.av_parser_parse2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVCodecParserContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * Notices when a camera changes its stream configuration mid-session (a new resolution or profile set
 * from its web page, a firmware restart of the encoder): the in-band parameter sets (H.264 SPS/PPS,
 * H.265 VPS/SPS/PPS) that precede keyframes differ from the ones the segment was opened with. One MP4
 * track holds one configuration, so the session then starts a new segment whose sample entry carries
 * the new parameter sets and resolution (read with FFmpeg's parser, no decoding).
 *
 * <p>Owned by one session (camera thread); owns the codec parameters it builds.
 */
final class ParameterChanges implements AutoCloseable {
    /** avcodec.h's PARSER_FLAG_COMPLETE_FRAMES (not exported by the presets): the input is one whole frame. */
    private static final int PARSER_FLAG_COMPLETE_FRAMES = 0x0001;

    /** Bytes first copied from a keyframe: parameter sets, SEI and the first slice header fit in it. */
    private static final int HEADER_GUESS = 1024;

    private final int codecId;
    private byte[] current;
    private byte[] pending;
    private AVCodecParameters adopted;
    private int width;
    private int height;

    ParameterChanges(int codecId) {
        this.codecId = codecId;
    }

    /**
     * Whether this keyframe's parameter sets differ from the current ones. The first keyframe only sets
     * the baseline. A keyframe without in-band parameter sets changes nothing.
     */
    boolean changed(AVPacket keyframe) {
        if (codecId != AV_CODEC_ID_H264 && codecId != AV_CODEC_ID_HEVC) {
            return false;
        }
        byte[] sets = parameterSets(header(keyframe), codecId);
        if (sets.length == 0) {
            return false;
        }
        if (current == null) {
            current = sets;
            return false;
        }
        if (Arrays.equals(current, sets)) {
            return false;
        }
        pending = sets;
        byte[] data = new byte[keyframe.size()];
        keyframe.data().get(data);
        readDimensions(data);
        return true;
    }

    /**
     * The start of the picture up to its first slice: where its parameter sets are. Only that much is
     * copied out of native memory (a keyframe is some hundred kilobytes, its parameter sets some dozen
     * bytes), starting with {@link #HEADER_GUESS} bytes and more when the slices start later.
     */
    private byte[] header(AVPacket picture) {
        int size = picture.size();
        BytePointer data = picture.data();
        for (int n = Math.min(size, HEADER_GUESS); ; n = (int) Math.min(size, 4L * n)) {
            byte[] head = new byte[n];
            data.get(head, 0, n);
            int slices = firstSlice(head, codecId);
            if (slices >= 0 || n == size) {
                return slices >= 0 ? Arrays.copyOf(head, slices) : head;
            }
        }
    }

    /**
     * Codec parameters for a segment opened now: the stream's own, or, after a change, a copy carrying
     * the new parameter sets and dimensions. The result stays valid until the next call or close.
     */
    AVCodecParameters parametersFor(AVCodecParameters stream) {
        if (pending != null) {
            current = pending;
            pending = null;
            AVCodecParameters p = avcodec_parameters_alloc();
            avcodec_parameters_copy(p, stream);
            if (p.extradata() != null && !p.extradata().isNull()) {
                av_free(p.extradata());
            }
            BytePointer extradata = new BytePointer(av_mallocz(current.length + AV_INPUT_BUFFER_PADDING_SIZE));
            extradata.put(current);
            p.extradata(extradata);
            p.extradata_size(current.length);
            if (width > 0 && height > 0) {
                p.width(width);
                p.height(height);
            }
            release();
            adopted = p;
        }
        return adopted != null ? adopted : stream;
    }

    /** The dimensions after a change, or 0 when unchanged. */
    int width() {
        return adopted != null ? adopted.width() : 0;
    }

    int height() {
        return adopted != null ? adopted.height() : 0;
    }

    /** Parses the keyframe with FFmpeg's bitstream parser to learn the new picture size. */
    private void readDimensions(byte[] data) {
        width = 0;
        height = 0;
        AVCodecParserContext parser = av_parser_init(codecId);
        if (parser == null) {
            return;
        }
        AVCodecContext ctx = avcodec_alloc_context3(null);
        try (BytePointer in = new BytePointer(data.length + AV_INPUT_BUFFER_PADDING_SIZE);
             BytePointer out = new BytePointer((BytePointer) null);
             IntPointer outSize = new IntPointer(1)) {
            parser.flags(parser.flags() | PARSER_FLAG_COMPLETE_FRAMES);
            in.put(data);
            av_parser_parse2(parser, ctx, out, outSize, in, data.length, Long.MIN_VALUE, Long.MIN_VALUE, 0);
            width = parser.width() > 0 ? parser.width() : ctx.width();
            height = parser.height() > 0 ? parser.height() : ctx.height();
        } finally {
            av_parser_close(parser);
            avcodec_free_context(ctx);
        }
    }

    /**
     * The distinct parameter-set NAL units of an Annex-B access unit, ordered by type then content,
     * each behind a 4-byte start code. Duplicates are common (the camera's own headers plus the RTP
     * payloader's re-insertion) and must not read as a change. Only the NAL units before the first slice
     * are read: parameter sets never follow a picture's first slice (FFmpeg's parser, which cuts the
     * stream into pictures, starts a new picture at any parameter set that follows a slice).
     */
    static byte[] parameterSets(byte[] au, int codecId) {
        int first = firstSlice(au, codecId);
        int limit = first >= 0 ? first : au.length;
        java.util.TreeMap<String, byte[]> distinct = new java.util.TreeMap<>();
        int i = nextStart(au, 0, limit);
        while (i >= 0) {
            int payload = i + (au[i + 2] == 1 ? 3 : 4);
            int next = nextStart(au, payload, limit);
            int end = next < 0 ? limit : next;
            while (end > payload && au[end - 1] == 0) {
                end--; // trailing zero bytes belong to the next start code
            }
            if (payload < end && isParameterSet(au[payload], codecId)) {
                byte[] nal = Arrays.copyOfRange(au, payload, end);
                distinct.put(java.util.HexFormat.of().formatHex(nal), nal);
            }
            i = next;
        }
        ByteArrayOutputStream sets = new ByteArrayOutputStream();
        for (byte[] nal : distinct.values()) {
            sets.write(0);
            sets.write(0);
            sets.write(0);
            sets.write(1);
            sets.write(nal, 0, nal.length);
        }
        return sets.toByteArray();
    }

    /** Index of the start code of the first slice (VCL NAL unit) in {@code au}, or -1 when it holds none. */
    static int firstSlice(byte[] au, int codecId) {
        int i = nextStart(au, 0, au.length);
        while (i >= 0) {
            int payload = i + (au[i + 2] == 1 ? 3 : 4);
            if (payload < au.length && isSlice(au[payload], codecId)) {
                return i;
            }
            i = nextStart(au, payload, au.length);
        }
        return -1;
    }

    private static boolean isSlice(byte header, int codecId) {
        if (codecId == AV_CODEC_ID_H264) {
            int type = header & 0x1f;
            return type >= 1 && type <= 5;
        }
        return ((header >> 1) & 0x3f) <= 31;
    }

    private static boolean isParameterSet(byte header, int codecId) {
        if (codecId == AV_CODEC_ID_H264) {
            int type = header & 0x1f;
            return type == 7 || type == 8;
        }
        int type = (header >> 1) & 0x3f;
        return type >= 32 && type <= 34;
    }

    /** Index of the next {@code 00 00 01} or {@code 00 00 00 01} at or after {@code from} and before {@code limit}, or -1. */
    private static int nextStart(byte[] b, int from, int limit) {
        for (int i = from; i + 2 < limit; i++) {
            if (b[i] == 0 && b[i + 1] == 0) {
                if (b[i + 2] == 1) {
                    return i;
                }
                if (b[i + 2] == 0 && i + 3 < limit && b[i + 3] == 1) {
                    return i;
                }
            }
        }
        return -1;
    }

    private void release() {
        if (adopted != null) {
            avcodec_parameters_free(adopted);
            adopted = null;
        }
    }

    @Override
    public void close() {
        release();
    }
}
