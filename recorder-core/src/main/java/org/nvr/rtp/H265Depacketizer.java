package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.nvr.media.Codec;
import org.nvr.media.Track;

/**
 * H.265 over RTP (RFC 7798) without DONL fields ({@code sprop-max-don-diff} absent or 0, what cameras
 * send): single NAL unit packets, aggregation packets (AP) and fragmentation units (FU), into whole
 * pictures. Pictures, loss, parameter sets (VPS, SPS, PPS; from {@code sprop-vps/sps/pps} and in-band,
 * or in-band only when the SDP has none) and timestamps are {@link NalUnitDepacketizer}'s.
 *
 * <p>Parameter sets are copied, never decoded, so SPS features a parser might not know cannot stop
 * recording. Annex B start codes in single NAL unit packets are split; an FU's type is the first
 * fragment's; empty fragments are skipped; PACI packets are skipped and counted. A keyframe is a
 * picture with an IRAP slice (NAL types 16 to 23: BLA, IDR, CRA).
 *
 * <p>Not thread-safe; one per track, on its event loop.
 */
public final class H265Depacketizer extends NalUnitDepacketizer {

    static final int NAL_IRAP_FIRST = 16;
    static final int NAL_IRAP_LAST = 23;
    static final int NAL_VPS = 32;
    static final int NAL_SPS = 33;
    static final int NAL_PPS = 34;
    static final int NAL_AUD = 35;
    static final int NAL_SEI_PREFIX = 39;
    static final int AP = 48;
    static final int FU = 49;

    /** @param track the video track as the SDP describes it, with VPS, SPS and PPS if it had them */
    public H265Depacketizer(Track track) {
        super(requireH265(track), 3);
    }

    private static Track requireH265(Track track) {
        if (track.codec() != Codec.H265) {
            throw new IllegalArgumentException("not an H.265 track: " + track.codec());
        }
        return track;
    }

    static int type(byte[] nal) {
        return type(nal[0]);
    }

    /** The NAL unit type from the first byte of its header. */
    static int type(byte header) {
        return (header >> 1) & 0x3F;
    }

    @Override
    void depacketize(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length == 0) {
            return;
        }
        int at = payload.readerIndex();
        int first = payload.getUnsignedByte(at);
        int type = (first >> 1) & 0x3F;
        if (type < AP) {
            nalUnitOrAnnexB(payload);
        } else if (type == AP) {
            aggregate(payload, at + 2, at + length);
        } else if (type == FU) {
            if (length < 3) {
                return; // payload header and nothing else: empty
            }
            int header = payload.getUnsignedByte(at + 2);
            boolean start = (header & 0x80) != 0;
            boolean end = (header & 0x40) != 0;
            ByteBuf rest = payload.slice(at + 3, length - 3);
            if (start) {
                byte[] nalHeader = {(byte) ((first & 0x81) | ((header & 0x3F) << 1)), payload.getByte(at + 1)};
                fragmentStart(nalHeader, rest);
                if (end) {
                    fragmentMore(Unpooled.EMPTY_BUFFER, true);
                }
            } else {
                fragmentMore(rest, end);
            }
        } else {
            skip(false);
        }
    }

    private void aggregate(ByteBuf payload, int from, int to) {
        int at = from;
        while (at + 2 <= to) {
            int size = payload.getUnsignedShort(at);
            at += 2;
            if (size == 0) {
                continue;
            }
            if (at + size > to) {
                skip(true);
                return;
            }
            nalUnit(payload, at, size);
            at += size;
        }
    }

    @Override
    int parameterSetKind(byte[] nal, int at, int length) {
        if (length < 2) {
            return -1;
        }
        int type = type(nal[at]);
        return type == NAL_VPS ? 0 : type == NAL_SPS ? 1 : type == NAL_PPS ? 2 : -1;
    }

    @Override
    boolean isNalUnit(byte[] nal, int at, int length) {
        return length >= 2 && (nal[at] & 0x80) == 0;
    }

    @Override
    boolean isSlice(byte[] nal, int at, int length) {
        return length >= 2 && type(nal[at]) <= 31;
    }

    /** first_slice_segment_in_pic_flag, the first bit after the two-byte NAL unit header. */
    @Override
    boolean startsPicture(byte[] nal, int at, int length) {
        return length > 2 && (nal[at + 2] & 0x80) != 0;
    }

    @Override
    boolean isKeyframeSlice(byte[] nal, int at, int length) {
        int type = type(nal[at]);
        return type >= NAL_IRAP_FIRST && type <= NAL_IRAP_LAST;
    }
}
