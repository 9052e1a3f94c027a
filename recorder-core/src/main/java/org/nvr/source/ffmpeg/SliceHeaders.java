package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacpp.BytePointer;

/**
 * Reads just enough of an Annex-B packet to tell whether it begins a new picture: the first slice's
 * {@code first_mb_in_slice == 0} (H.264) or {@code first_slice_segment_in_pic_flag} (H.265), which are
 * the first bit after the NAL header. Stateless.
 */
final class SliceHeaders {
    private SliceHeaders() {
    }

    /**
     * True when the packet holds a slice (coded picture data); false for a packet of only an access unit
     * delimiter, parameter sets or SEI, which belongs to the picture whose slices follow it.
     */
    static boolean hasSlice(AVPacket pkt, int codecId) {
        if (codecId != AV_CODEC_ID_H264 && codecId != AV_CODEC_ID_HEVC) {
            return true;
        }
        BytePointer data = pkt.data();
        int size = pkt.size();
        if (data == null || size < 4) {
            return false;
        }
        byte[] b = new byte[Math.min(size, 4096)];
        data.get(b);
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1) {
                continue;
            }
            int h = i + 3;
            boolean slice = codecId == AV_CODEC_ID_H264
                    ? (b[h] & 0x1f) >= 1 && (b[h] & 0x1f) <= 5
                    : ((b[h] >> 1) & 0x3f) <= 31;
            if (slice) {
                return true;
            }
        }
        return size > b.length; // kilobytes of delimiters, parameter sets and SEI alone: not seen in practice
    }

    /** True when the packet's first slice starts a picture; true as well when it cannot tell. */
    static boolean startsPicture(AVPacket pkt, int codecId) {
        BytePointer data = pkt.data();
        int size = pkt.size();
        if (data == null || size < 5) {
            return true;
        }
        byte[] b = new byte[Math.min(size, 4096)];
        data.get(b);
        for (int i = 0; i + 3 < b.length; i++) {
            if (b[i] != 0 || b[i + 1] != 0 || b[i + 2] != 1) {
                continue;
            }
            int h = i + 3;
            if (codecId == AV_CODEC_ID_H264) {
                int type = b[h] & 0x1f;
                if ((type == 1 || type == 5) && h + 1 < b.length) {
                    return (b[h + 1] & 0x80) != 0;
                }
            } else if (codecId == AV_CODEC_ID_HEVC) {
                int type = (b[h] >> 1) & 0x3f;
                if (type <= 31 && h + 2 < b.length) {
                    return (b[h + 2] & 0x80) != 0;
                }
            } else {
                return true;
            }
        }
        return true;
    }
}
