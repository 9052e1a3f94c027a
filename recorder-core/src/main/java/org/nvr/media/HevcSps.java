package org.nvr.media;

import java.util.Arrays;

/**
 * What an MP4 sample entry needs from an H.265 sequence parameter set (ITU-T H.265 7.3.2.2): the
 * general profile_tier_level fields ({@code hvcC}, the codec string), the number of temporal layers,
 * the chroma format and bit depths, and the picture size after the conformance window. Immutable.
 *
 * @param profileTierLevel   the 12 bytes of general_profile_space .. general_level_idc, as coded
 * @param maxSubLayers       sps_max_sub_layers_minus1 + 1
 * @param temporalIdNested   sps_temporal_id_nesting_flag
 * @param chromaFormatIdc    1 = 4:2:0
 * @param bitDepthLuma       bits per luma sample
 * @param bitDepthChroma     bits per chroma sample
 * @param width              displayed width in pixels
 * @param height             displayed height in pixels
 */
public record HevcSps(byte[] profileTierLevel, int maxSubLayers, boolean temporalIdNested, int chromaFormatIdc,
               int bitDepthLuma, int bitDepthChroma, int width, int height) {

    /**
     * Parses {@code sps}, a NAL unit with its 2-byte header and without start code or length.
     *
     * @throws IllegalArgumentException when it is not an SPS or ends early
     */
    public static HevcSps parse(byte[] sps) {
        return read(sps, null);
    }

    /**
     * How many pictures may be decoded before a picture of this stream and shown after it: the SPS's
     * sps_max_num_reorder_pics of its highest temporal sub-layer (H.265 7.4.3.2.1); 0 without B-frames.
     * -1 when the SPS cannot be read that far.
     */
    public static int reorderDepth(byte[] sps) {
        int[] depth = {-1};
        try {
            read(sps, depth);
        } catch (IllegalArgumentException e) {
            return -1;
        }
        return depth[0];
    }

    private static HevcSps read(byte[] sps, int[] reorderDepth) {
        if (sps.length < 15 || ((sps[0] >> 1) & 0x3f) != 33) {
            throw new IllegalArgumentException("not an H.265 SPS");
        }
        BitReader r = new BitReader(sps, 2);
        r.skip(4); // sps_video_parameter_set_id
        int subLayersMinus1 = r.bits(3);
        boolean nested = r.flag();
        byte[] ptl = Arrays.copyOfRange(r.rbsp(), 1, 13);
        r.skip(96);
        boolean[] profilePresent = new boolean[subLayersMinus1];
        boolean[] levelPresent = new boolean[subLayersMinus1];
        for (int i = 0; i < subLayersMinus1; i++) {
            profilePresent[i] = r.flag();
            levelPresent[i] = r.flag();
        }
        if (subLayersMinus1 > 0) {
            r.skip(2 * (8 - subLayersMinus1));
        }
        for (int i = 0; i < subLayersMinus1; i++) {
            r.skip((profilePresent[i] ? 88 : 0) + (levelPresent[i] ? 8 : 0));
        }
        r.ue(); // sps_seq_parameter_set_id
        int chroma = r.ue();
        boolean separatePlanes = chroma == 3 && r.flag();
        int width = r.ue();
        int height = r.ue();
        if (r.flag()) {
            int subWidth = !separatePlanes && (chroma == 1 || chroma == 2) ? 2 : 1;
            int subHeight = !separatePlanes && chroma == 1 ? 2 : 1;
            width -= subWidth * (r.ue() + r.ue());
            height -= subHeight * (r.ue() + r.ue());
        }
        int depthLuma = 8 + r.ue();
        int depthChroma = 8 + r.ue();
        if (reorderDepth != null) {
            r.ue(); // log2_max_pic_order_cnt_lsb_minus4
            boolean perSubLayer = r.flag(); // sps_sub_layer_ordering_info_present_flag
            for (int i = perSubLayer ? 0 : subLayersMinus1; i <= subLayersMinus1; i++) {
                r.ue(); // sps_max_dec_pic_buffering_minus1
                reorderDepth[0] = r.ue(); // sps_max_num_reorder_pics: the highest sub-layer's is the last
                r.ue(); // sps_max_latency_increase_plus1
            }
        }
        return new HevcSps(ptl, subLayersMinus1 + 1, nested, chroma, depthLuma, depthChroma, width, height);
    }

    @Override
    public byte[] profileTierLevel() {
        return profileTierLevel.clone();
    }

    public int profileSpace() {
        return (profileTierLevel[0] >> 6) & 3;
    }

    public boolean highTier() {
        return (profileTierLevel[0] & 0x20) != 0;
    }

    public int profileIdc() {
        return profileTierLevel[0] & 0x1f;
    }

    public int levelIdc() {
        return profileTierLevel[11] & 0xff;
    }

    /**
     * The MSE/RFC 6381 codec string (ISO/IEC 14496-15 annex E): {@code hvc1.}, profile space letter and
     * profile, the compatibility flags bit-reversed in hex, tier letter and level, then the constraint
     * bytes in hex without trailing zero bytes, e.g. {@code hvc1.1.6.L93.B0}.
     */
    public String codecString() {
        StringBuilder s = new StringBuilder("hvc1.");
        if (profileSpace() > 0) {
            s.append((char) ('A' + profileSpace() - 1));
        }
        s.append(profileIdc()).append('.');
        int compat = ((profileTierLevel[1] & 0xff) << 24) | ((profileTierLevel[2] & 0xff) << 16)
                | ((profileTierLevel[3] & 0xff) << 8) | (profileTierLevel[4] & 0xff);
        s.append(Integer.toHexString(Integer.reverse(compat)).toUpperCase());
        s.append('.').append(highTier() ? 'H' : 'L').append(levelIdc());
        int last = 10;
        while (last >= 5 && profileTierLevel[last] == 0) {
            last--;
        }
        for (int i = 5; i <= last; i++) {
            s.append('.').append(String.format("%02X", profileTierLevel[i] & 0xff));
        }
        return s.toString();
    }
}
