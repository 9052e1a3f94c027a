package org.nvr.media;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One access unit of one track: a whole picture (every slice of it) or an audio frame, with its
 * timestamps in the track's clock. Video data is a sequence of NAL units each preceded by its length
 * as a 4-byte big-endian integer (the form MP4 stores), never Annex B start codes.
 *
 * <p>Immutable by convention: whoever builds a frame hands its array over and keeps no reference to it.
 *
 * @param track     the track it belongs to
 * @param pts       presentation time in {@code track.clockRate()} units, extended past RTP's 32-bit wrap
 * @param dts       decode time in the same units ({@code pts} when the stream has no reordering)
 * @param keyframe  a picture a decoder can start from (IDR/IRAP); audio frames are always key
 * @param data      the bytes, as described above
 */
public record Frame(Track track, long pts, long dts, boolean keyframe, byte[] data) {
    public Frame {
        Objects.requireNonNull(track, "track");
        Objects.requireNonNull(data, "data");
    }

    public int size() {
        return data.length;
    }

    /**
     * The parameter sets a keyframe carries in-band (H.264 SPS and PPS; H.265 VPS, SPS and PPS), one of
     * each kind in the order of {@link Track#parameterSets()}, the last one of a kind winning as in the
     * depacketizer (gst-rtsp-server and some cameras repeat them within a keyframe); empty when it
     * carries none.
     */
    public List<byte[]> inBandParameterSets() {
        boolean hevc = track.codec() == Codec.H265;
        byte[] vps = null;
        byte[] sps = null;
        byte[] pps = null;
        byte[] d = data;
        int at = 0;
        while (at + 4 <= d.length) {
            int len = ((d[at] & 0xff) << 24) | ((d[at + 1] & 0xff) << 16) | ((d[at + 2] & 0xff) << 8) | (d[at + 3] & 0xff);
            at += 4;
            if (len <= 0 || len > d.length - at) {
                break;
            }
            int type = hevc ? (d[at] >> 1) & 0x3f : d[at] & 0x1f;
            if (hevc && type == 32) {
                vps = Arrays.copyOfRange(d, at, at + len);
            } else if (hevc ? type == 33 : type == 7) {
                sps = Arrays.copyOfRange(d, at, at + len);
            } else if (hevc ? type == 34 : type == 8) {
                pps = Arrays.copyOfRange(d, at, at + len);
            }
            at += len;
        }
        if (sps == null || pps == null || (hevc && vps == null)) {
            return List.of();
        }
        return hevc ? List.of(vps, sps, pps) : List.of(sps, pps);
    }
}
