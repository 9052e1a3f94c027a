package org.nvr.media;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parameter sets (H.264 SPS/PPS, H.265 VPS/SPS/PPS) of an MP4 track's sample entry
 * ({@code avcC}/{@code hvcC}), as the length-prefixed NAL units an export puts in front of the
 * keyframes of a segment whose parameters differ from the export's first segment (a camera whose
 * resolution or profile was changed). One MP4 track has one sample entry; decoders take parameter sets
 * found in band over it, so the picture after the change decodes.
 *
 * <p>Immutable; thread-safe.
 */
public final class ParameterSets {
    private final byte[] inBand;

    private ParameterSets(byte[] inBand) {
        this.inBand = inBand;
    }

    /** Bytes to prepend to a keyframe: each NAL unit with a {@code lengthSize}-byte big-endian length. */
    public byte[] inBand() {
        return inBand.clone();
    }

    /**
     * Parses {@code extradata} (the sample entry's {@code avcC}/{@code hvcC}) of {@code codec}; null when
     * the format is not understood or the codec has no parameter sets (the caller then refuses to join
     * footage it cannot make decodable).
     */
    public static ParameterSets parse(Codec codec, byte[] extradata, int lengthSize) {
        List<byte[]> nals = codec == Codec.H264 ? avcC(extradata)
                : codec == Codec.H265 ? hvcC(extradata) : null;
        if (nals == null || nals.isEmpty()) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] nal : nals) {
            for (int i = lengthSize - 1; i >= 0; i--) {
                out.write((nal.length >>> (8 * i)) & 0xff);
            }
            out.writeBytes(nal);
        }
        return new ParameterSets(out.toByteArray());
    }

    /** The NAL length size an {@code avcC}/{@code hvcC} declares, or 4. */
    public static int lengthSize(Codec codec, byte[] extradata) {
        if (codec == Codec.H264 && extradata.length > 4 && extradata[0] == 1) {
            return (extradata[4] & 3) + 1;
        }
        if (codec == Codec.H265 && extradata.length > 22 && extradata[0] == 1) {
            return (extradata[21] & 3) + 1;
        }
        return 4;
    }

    public static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    private static List<byte[]> avcC(byte[] d) {
        if (d.length < 7 || d[0] != 1) {
            return null;
        }
        List<byte[]> out = new ArrayList<>();
        int p = 5;
        int sps = d[p++] & 0x1f;
        for (int i = 0; i < sps; i++) {
            p = take(d, p, out);
            if (p < 0) {
                return null;
            }
        }
        if (p >= d.length) {
            return null;
        }
        int pps = d[p++] & 0xff;
        for (int i = 0; i < pps; i++) {
            p = take(d, p, out);
            if (p < 0) {
                return null;
            }
        }
        return out;
    }

    private static List<byte[]> hvcC(byte[] d) {
        if (d.length < 23 || d[0] != 1) {
            return null;
        }
        List<byte[]> out = new ArrayList<>();
        int p = 22;
        int arrays = d[p++] & 0xff;
        for (int a = 0; a < arrays; a++) {
            if (p + 3 > d.length) {
                return null;
            }
            p++; // array_completeness, NAL unit type
            int n = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
            p += 2;
            for (int i = 0; i < n; i++) {
                p = take(d, p, out);
                if (p < 0) {
                    return null;
                }
            }
        }
        return out;
    }

    private static int take(byte[] d, int p, List<byte[]> out) {
        if (p + 2 > d.length) {
            return -1;
        }
        int len = ((d[p] & 0xff) << 8) | (d[p + 1] & 0xff);
        p += 2;
        if (p + len > d.length) {
            return -1;
        }
        out.add(Arrays.copyOfRange(d, p, p + len));
        return p + len;
    }
}
