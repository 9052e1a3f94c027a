package org.nvr.rtsp;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the out-of-band parameter sets of an SDP fmtp line (RFC 6184 {@code sprop-parameter-sets},
 * RFC 7798 {@code sprop-vps/sps/pps}) into NAL units without start codes. Tolerates what cameras get
 * wrong: Annex B start codes inside the base64, trailing zero bytes, blanks, an entry that is not
 * base64 (dropped: the depacketizer waits for in-band parameter sets). Stateless; any thread.
 */
final class ParameterSetText {

    private static final int H264_SPS = 7;
    private static final int H264_PPS = 8;

    private ParameterSetText() {
    }

    /** H.264 SPS then PPS, whatever order the camera listed them in; other NAL types are dropped. */
    static List<byte[]> h264(String sprop) {
        List<byte[]> sps = new ArrayList<>();
        List<byte[]> pps = new ArrayList<>();
        for (byte[] nal : nalUnits(sprop)) {
            int type = nal[0] & 0x1F;
            if (type == H264_SPS) {
                sps.add(nal);
            } else if (type == H264_PPS) {
                pps.add(nal);
            }
        }
        sps.addAll(pps);
        return sps;
    }

    /** H.265 VPS, SPS, PPS; empty when any of the three is missing (a decoder needs all three). */
    static List<byte[]> h265(String vps, String sps, String pps) {
        List<byte[]> v = nalUnits(vps);
        List<byte[]> s = nalUnits(sps);
        List<byte[]> p = nalUnits(pps);
        if (v.isEmpty() || s.isEmpty() || p.isEmpty()) {
            return List.of();
        }
        List<byte[]> all = new ArrayList<>(v);
        all.addAll(s);
        all.addAll(p);
        return all;
    }

    /** Every NAL unit in a comma-separated base64 list, split further at Annex B start codes. */
    static List<byte[]> nalUnits(String commaSeparatedBase64) {
        List<byte[]> nals = new ArrayList<>();
        if (commaSeparatedBase64 == null) {
            return nals;
        }
        for (String entry : commaSeparatedBase64.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            byte[] bytes = MediaDescription.base64(entry);
            if (bytes != null) {
                splitAnnexB(bytes, nals);
            }
        }
        return nals;
    }

    /** Adds the NAL units of {@code bytes}, which may or may not hold 3- or 4-byte start codes. */
    private static void splitAnnexB(byte[] bytes, List<byte[]> out) {
        int start = 0;
        int i = 0;
        while (i + 2 < bytes.length) {
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1) {
                addTrimmed(bytes, start, i, out);
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        addTrimmed(bytes, start, bytes.length, out);
    }

    /** Adds {@code bytes[from, to)} without trailing zero bytes (trailing_zero_8bits, a 4-byte start code's first 0). */
    private static void addTrimmed(byte[] bytes, int from, int to, List<byte[]> out) {
        int end = to;
        while (end > from && bytes[end - 1] == 0) {
            end--;
        }
        if (end > from) {
            byte[] nal = new byte[end - from];
            System.arraycopy(bytes, from, nal, 0, nal.length);
            out.add(nal);
        }
    }
}
