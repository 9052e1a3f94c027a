package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.nvr.media.Codec;
import org.nvr.media.Track;

/**
 * H.264 over RTP (RFC 6184, packetization modes 0 and 1): single NAL unit packets, STAP-A aggregates
 * and FU-A fragments, into whole pictures. What pictures are and how loss, parameter sets and
 * timestamps are handled is {@link NalUnitDepacketizer}'s; this class reads the packet types.
 *
 * <p>Tolerated as cameras send them (CAMERA-QUIRKS.md): Annex B start codes inside a single NAL unit
 * packet (split into NAL units), an FU-A whose type field changes after the first fragment (the first
 * fragment's type is used), the FU header's reserved bit set (ignored), empty fragments (skipped).
 * STAP-B, MTAP and FU-B (interleaved mode, never seen from cameras) are skipped and counted.
 * A keyframe is a picture with an IDR slice.
 *
 * <p>Not thread-safe; one per track, on its event loop.
 */
public final class H264Depacketizer extends NalUnitDepacketizer {

    static final int NAL_SLICE = 1;
    static final int NAL_IDR = 5;
    static final int NAL_SEI = 6;
    static final int NAL_SPS = 7;
    static final int NAL_PPS = 8;
    static final int NAL_AUD = 9;
    static final int STAP_A = 24;
    static final int FU_A = 28;

    /** @param track the video track as the SDP describes it, its SPS and PPS if {@code sprop-parameter-sets} had them */
    public H264Depacketizer(Track track) {
        super(requireH264(track), 2);
    }

    private static Track requireH264(Track track) {
        if (track.codec() != Codec.H264) {
            throw new IllegalArgumentException("not an H.264 track: " + track.codec());
        }
        return track;
    }

    @Override
    void depacketize(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length == 0) {
            return;
        }
        int at = payload.readerIndex();
        int first = payload.getUnsignedByte(at);
        int type = first & 0x1F;
        if (type <= 23) { // 0 is no NAL type, but a payload opening with a 00 00 00 01 start code starts so
            nalUnitOrAnnexB(payload);
        } else if (type == STAP_A) {
            aggregate(payload, at + 1, at + length);
        } else if (type == FU_A) {
            if (length < 2) {
                return; // an FU indicator and nothing else: empty
            }
            int header = payload.getUnsignedByte(at + 1);
            boolean start = (header & 0x80) != 0;
            boolean end = (header & 0x40) != 0;
            ByteBuf rest = payload.slice(at + 2, length - 2);
            if (start) {
                fragmentStart(new byte[] {(byte) ((first & 0xE0) | (header & 0x1F))}, rest);
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
                skip(true); // a unit that runs past the packet: what it held is lost
                return;
            }
            nalUnit(payload, at, size);
            at += size;
        }
    }

    @Override
    int parameterSetKind(byte[] nal, int at, int length) {
        int type = nal[at] & 0x1F;
        return type == NAL_SPS ? 0 : type == NAL_PPS ? 1 : -1;
    }

    @Override
    boolean isNalUnit(byte[] nal, int at, int length) {
        return (nal[at] & 0x80) == 0 && (nal[at] & 0x1F) != 0;
    }

    @Override
    boolean isSlice(byte[] nal, int at, int length) {
        int type = nal[at] & 0x1F;
        return type >= NAL_SLICE && type <= NAL_IDR;
    }

    /** first_mb_in_slice, the slice header's first field, is ue(v): 0 is the single bit 1. */
    @Override
    boolean startsPicture(byte[] nal, int at, int length) {
        return length > 1 && (nal[at + 1] & 0x80) != 0;
    }

    @Override
    boolean isKeyframeSlice(byte[] nal, int at, int length) {
        return (nal[at] & 0x1F) == NAL_IDR;
    }
}
