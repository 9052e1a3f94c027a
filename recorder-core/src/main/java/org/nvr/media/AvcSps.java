package org.nvr.media;

/**
 * What an MP4 sample entry needs from an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1): the
 * profile, constraint flags and level ({@code avcC}, the codec string), the chroma format and bit
 * depths ({@code avcC}'s High-profile extension) and the picture size after cropping ({@code avc1}).
 * Immutable.
 *
 * @param profileIdc        profile_idc (66 Baseline, 77 Main, 100 High)
 * @param constraints       the byte of constraint_set flags
 * @param levelIdc          level_idc (31 = level 3.1)
 * @param chromaFormatIdc   1 = 4:2:0
 * @param bitDepthLuma      bits per luma sample
 * @param bitDepthChroma    bits per chroma sample
 * @param width             displayed width in pixels
 * @param height            displayed height in pixels
 */
public record AvcSps(int profileIdc, int constraints, int levelIdc, int chromaFormatIdc, int bitDepthLuma,
              int bitDepthChroma, int width, int height) {

    /** Profiles whose SPS carries chroma format and bit depth (H.264 7.3.2.1.1). */
    private static final java.util.Set<Integer> HIGH = java.util.Set.of(100, 110, 122, 244, 44, 83, 86, 118,
            128, 138, 139, 134, 135);

    /**
     * Parses {@code sps}, a NAL unit with its header and without start code or length.
     *
     * @throws IllegalArgumentException when it is not an SPS or ends early
     */
    public static AvcSps parse(byte[] sps) {
        if (sps.length < 4 || (sps[0] & 0x1f) != 7) {
            throw new IllegalArgumentException("not an H.264 SPS");
        }
        BitReader r = new BitReader(sps, 1);
        int profile = r.bits(8);
        int constraints = r.bits(8);
        int level = r.bits(8);
        r.ue(); // seq_parameter_set_id
        int chroma = 1;
        int depthLuma = 8;
        int depthChroma = 8;
        boolean separatePlanes = false;
        if (HIGH.contains(profile)) {
            chroma = r.ue();
            if (chroma == 3) {
                separatePlanes = r.flag();
            }
            depthLuma = 8 + r.ue();
            depthChroma = 8 + r.ue();
            r.skip(1); // qpprime_y_zero_transform_bypass_flag
            if (r.flag()) {
                for (int i = 0; i < (chroma != 3 ? 8 : 12); i++) {
                    if (r.flag()) {
                        skipScalingList(r, i < 6 ? 16 : 64);
                    }
                }
            }
        }
        r.ue(); // log2_max_frame_num_minus4
        int pocType = r.ue();
        if (pocType == 0) {
            r.ue();
        } else if (pocType == 1) {
            r.skip(1);
            r.se();
            r.se();
            int cycle = r.ue();
            for (int i = 0; i < cycle; i++) {
                r.se();
            }
        }
        r.ue(); // max_num_ref_frames
        r.skip(1); // gaps_in_frame_num_value_allowed_flag
        int widthMbs = r.ue() + 1;
        int heightMapUnits = r.ue() + 1;
        boolean frameMbsOnly = r.flag();
        if (!frameMbsOnly) {
            r.skip(1); // mb_adaptive_frame_field_flag
        }
        r.skip(1); // direct_8x8_inference_flag
        int left = 0;
        int right = 0;
        int top = 0;
        int bottom = 0;
        if (r.flag()) {
            left = r.ue();
            right = r.ue();
            top = r.ue();
            bottom = r.ue();
        }
        int fieldFactor = frameMbsOnly ? 1 : 2;
        int cropX = chroma == 0 || separatePlanes ? 1 : chroma == 3 ? 1 : 2;
        int cropY = (chroma == 0 || separatePlanes ? 1 : chroma == 1 ? 2 : 1) * fieldFactor;
        int width = widthMbs * 16 - cropX * (left + right);
        int height = fieldFactor * heightMapUnits * 16 - cropY * (top + bottom);
        return new AvcSps(profile, constraints, level, chroma, depthLuma, depthChroma, width, height);
    }

    /** The MSE/RFC 6381 codec string, {@code avc1.PPCCLL}. */
    public String codecString() {
        return String.format("avc1.%02x%02x%02x", profileIdc, constraints, levelIdc);
    }

    private static void skipScalingList(BitReader r, int size) {
        int last = 8;
        int next = 8;
        for (int j = 0; j < size; j++) {
            if (next != 0) {
                next = (last + r.se() + 256) % 256;
            }
            last = next == 0 ? last : next;
        }
    }
}
