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
        return read(sps).sps();
    }

    /**
     * How many pictures may be decoded before a picture of this stream and shown after it
     * (max_num_reorder_frames, H.264 E.2.1): 0 without B-frames. Read from the VUI's bitstream restriction
     * when the encoder wrote it; else 0 when picture order is decode order (pic_order_cnt_type 2, the
     * intra-only profiles); else the most the level allows (MaxDpbFrames from table A-1 and the picture
     * size), which is what the standard infers. -1 when the SPS cannot be read that far.
     */
    public static int reorderDepth(byte[] sps) {
        try {
            return read(sps).reorderDepth();
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private record Read(AvcSps sps, int reorderDepth) {
    }

    private static Read read(byte[] sps) {
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
        AvcSps parsed = new AvcSps(profile, constraints, level, chroma, depthLuma, depthChroma, width, height);
        int depth;
        try {
            depth = r.flag() ? vuiReorderDepth(r) : -1;
        } catch (IllegalArgumentException e) {
            depth = -1; // a VUI cut short: the picture is still described; the depth is inferred below
        }
        if (depth < 0) {
            boolean intraOnly = (constraints & 0x10) != 0 && INTRA_CAPABLE.contains(profile);
            depth = pocType == 2 || intraOnly ? 0 : maxDpbFrames(level, constraints, widthMbs * fieldFactor * heightMapUnits);
        }
        return new Read(parsed, depth);
    }

    /** Profiles whose constraint_set3_flag means intra-only (H.264 A.2.8-A.2.11). */
    private static final java.util.Set<Integer> INTRA_CAPABLE = java.util.Set.of(44, 86, 100, 110, 122, 244);

    /** max_num_reorder_frames from vui_parameters() (H.264 E.1.1); -1 without a bitstream restriction. */
    private static int vuiReorderDepth(BitReader r) {
        if (r.flag()) { // aspect_ratio_info_present_flag
            if (r.bits(8) == 255) {
                r.skip(32); // sar_width, sar_height
            }
        }
        if (r.flag()) { // overscan_info_present_flag
            r.skip(1);
        }
        if (r.flag()) { // video_signal_type_present_flag
            r.skip(4);
            if (r.flag()) {
                r.skip(24); // colour_primaries, transfer_characteristics, matrix_coefficients
            }
        }
        if (r.flag()) { // chroma_loc_info_present_flag
            r.ue();
            r.ue();
        }
        if (r.flag()) { // timing_info_present_flag
            r.skip(65);
        }
        boolean nalHrd = r.flag();
        if (nalHrd) {
            skipHrd(r);
        }
        boolean vclHrd = r.flag();
        if (vclHrd) {
            skipHrd(r);
        }
        if (nalHrd || vclHrd) {
            r.skip(1); // low_delay_hrd_flag
        }
        r.skip(1); // pic_struct_present_flag
        if (!r.flag()) { // bitstream_restriction_flag
            return -1;
        }
        r.skip(1); // motion_vectors_over_pic_boundaries_flag
        r.ue(); // max_bytes_per_pic_denom
        r.ue(); // max_bits_per_mb_denom
        r.ue(); // log2_max_mv_length_horizontal
        r.ue(); // log2_max_mv_length_vertical
        return r.ue(); // max_num_reorder_frames
    }

    private static void skipHrd(BitReader r) {
        int count = r.ue() + 1;
        r.skip(8); // bit_rate_scale, cpb_size_scale
        for (int i = 0; i < count; i++) {
            r.ue();
            r.ue();
            r.skip(1);
        }
        r.skip(20); // four delay and offset lengths
    }

    /** MaxDpbFrames (H.264 A.3.1 h): MaxDpbMbs of the level (table A-1) over the frame size in MBs, at most 16. */
    private static int maxDpbFrames(int level, int constraints, int frameMbs) {
        int maxDpbMbs = switch (level) {
            case 9, 10 -> 396;
            case 11 -> (constraints & 0x10) != 0 ? 396 : 900; // level 1b as Baseline/Main code it
            case 12, 13, 20 -> 2376;
            case 21 -> 4752;
            case 22, 30 -> 8100;
            case 31 -> 18000;
            case 32 -> 20480;
            case 40, 41 -> 32768;
            case 42 -> 34816;
            case 50 -> 110400;
            case 51, 52 -> 184320;
            default -> 696320; // 6, 6.1, 6.2, and levels this table does not know: the most there is
        };
        return Math.min(16, maxDpbMbs / Math.max(1, frameMbs));
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
