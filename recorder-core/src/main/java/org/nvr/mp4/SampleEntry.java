package org.nvr.mp4;

import java.util.ArrayList;
import java.util.List;
import org.nvr.media.AvcSps;
import org.nvr.media.HevcSps;
import org.nvr.media.Track;

/**
 * The sample entry of one track ({@code avc1} + {@code avcC}, {@code hvc1} + {@code hvcC},
 * {@code mp4a} + {@code esds}), built from a {@link Track}'s parameter sets or AudioSpecificConfig,
 * with what the track header and a browser need alongside it: the picture size read from the SPS
 * and the MSE codec string. Immutable.
 */
final class SampleEntry {
    private final Track track;
    private final String codecString;
    private final int width;
    private final int height;
    private final byte[] box;

    private SampleEntry(Track track, String codecString, int width, int height, byte[] box) {
        this.track = track;
        this.codecString = codecString;
        this.width = width;
        this.height = height;
        this.box = box;
    }

    /**
     * Builds the entry for {@code track}.
     *
     * @throws IllegalArgumentException when the codec is not one this writer handles or the track
     *                                  lacks its parameter sets / decoder configuration
     */
    static SampleEntry of(Track track) {
        return switch (track.codec()) {
            case H264 -> avc(track);
            case H265 -> hevc(track);
            case AAC -> aac(track);
            default -> throw new IllegalArgumentException("track " + track.index() + ": " + track.codec().ffmpegName()
                    + " is not written to fragmented MP4 in Java (H.264, H.265 and AAC are)");
        };
    }

    Track track() {
        return track;
    }

    /** The RFC 6381 codec string MSE's {@code addSourceBuffer} wants, e.g. {@code avc1.64001f}. */
    String codecString() {
        return codecString;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** The whole sample entry box, to go into {@code stsd}. */
    byte[] box() {
        return box.clone();
    }

    private static SampleEntry avc(Track track) {
        List<byte[]> sps = nals(track, n -> (n[0] & 0x1f) == 7);
        List<byte[]> pps = nals(track, n -> (n[0] & 0x1f) == 8);
        require(track, !sps.isEmpty() && !pps.isEmpty(), "an SPS and a PPS");
        AvcSps p = AvcSps.parse(sps.get(0));
        BoxWriter w = new BoxWriter();
        int entry = visualEntry(w, "avc1", p.width(), p.height());
        int avcc = w.begin("avcC");
        w.u8(1).u8(p.profileIdc()).u8(p.constraints()).u8(p.levelIdc());
        w.u8(0xfc | 3); // lengthSizeMinusOne: Frame data has 4-byte lengths
        w.u8(0xe0 | sps.size());
        for (byte[] n : sps) {
            w.u16(n.length).bytes(n);
        }
        w.u8(pps.size());
        for (byte[] n : pps) {
            w.u16(n.length).bytes(n);
        }
        if (p.profileIdc() == 100 || p.profileIdc() == 110 || p.profileIdc() == 122 || p.profileIdc() == 144) {
            // ISO/IEC 14496-15 5.3.3.1.2: these profiles' avcC ends with the chroma format and bit depths
            w.u8(0xfc | p.chromaFormatIdc()).u8(0xf8 | (p.bitDepthLuma() - 8)).u8(0xf8 | (p.bitDepthChroma() - 8));
            w.u8(0); // numOfSequenceParameterSetExt
        }
        w.end(avcc);
        w.end(entry);
        return new SampleEntry(track, p.codecString(), p.width(), p.height(), w.toByteArray());
    }

    private static SampleEntry hevc(Track track) {
        List<byte[]> vps = nals(track, n -> ((n[0] >> 1) & 0x3f) == 32);
        List<byte[]> sps = nals(track, n -> ((n[0] >> 1) & 0x3f) == 33);
        List<byte[]> pps = nals(track, n -> ((n[0] >> 1) & 0x3f) == 34);
        require(track, !vps.isEmpty() && !sps.isEmpty() && !pps.isEmpty(), "a VPS, an SPS and a PPS");
        HevcSps p = HevcSps.parse(sps.get(0));
        BoxWriter w = new BoxWriter();
        int entry = visualEntry(w, "hvc1", p.width(), p.height());
        int hvcc = w.begin("hvcC");
        w.u8(1).bytes(p.profileTierLevel());
        w.u16(0xf000); // min_spatial_segmentation_idc unknown
        w.u8(0xfc); // parallelismType unknown
        w.u8(0xfc | p.chromaFormatIdc()).u8(0xf8 | (p.bitDepthLuma() - 8)).u8(0xf8 | (p.bitDepthChroma() - 8));
        w.u16(0); // avgFrameRate unknown
        w.u8((p.maxSubLayers() << 3) | (p.temporalIdNested() ? 4 : 0) | 3);
        w.u8(3);
        for (List<byte[]> array : List.of(vps, sps, pps)) {
            w.u8(0x80 | ((array.get(0)[0] >> 1) & 0x3f)).u16(array.size());
            for (byte[] n : array) {
                w.u16(n.length).bytes(n);
            }
        }
        w.end(hvcc);
        w.end(entry);
        return new SampleEntry(track, p.codecString(), p.width(), p.height(), w.toByteArray());
    }

    private static SampleEntry aac(Track track) {
        byte[] asc = track.decoderConfig();
        require(track, asc.length >= 2 && track.channels() > 0 && track.sampleRate() > 0,
                "an AudioSpecificConfig, sample rate and channel count");
        int objectType = (asc[0] & 0xff) >> 3;
        if (objectType == 31) {
            objectType = 32 + (((asc[0] & 7) << 3) | ((asc[1] & 0xff) >> 5));
        }
        BoxWriter w = new BoxWriter();
        int entry = w.begin("mp4a");
        w.zeros(6).u16(1); // reserved, data_reference_index
        w.zeros(8).u16(track.channels()).u16(16).u16(0).u16(0);
        w.u32(track.sampleRate() < 65536 ? (long) track.sampleRate() << 16 : 0);
        int esds = w.beginFull("esds", 0, 0);
        int decoderSpecific = 2 + asc.length;
        int decoderConfig = 13 + decoderSpecific;
        w.u8(3).u8(3 + 2 + decoderConfig + 3).u16(0).u8(0); // ES_Descriptor: ES_ID 0, no flags
        w.u8(4).u8(decoderConfig).u8(0x40).u8(0x15); // DecoderConfigDescriptor: MPEG-4 audio, audio stream
        w.u24(0).u32(0).u32(0); // bufferSizeDB, maxBitrate, avgBitrate unknown
        w.u8(5).u8(asc.length).bytes(asc);
        w.u8(6).u8(1).u8(2); // SLConfigDescriptor: predefined MP4
        w.end(esds);
        w.end(entry);
        return new SampleEntry(track, "mp4a.40." + objectType, 0, 0, w.toByteArray());
    }

    /** Writes the fields every visual sample entry shares; returns the entry's start. */
    private static int visualEntry(BoxWriter w, String type, int width, int height) {
        int entry = w.begin(type);
        w.zeros(6).u16(1); // reserved, data_reference_index
        w.zeros(16).u16(width).u16(height);
        w.u32(0x00480000).u32(0x00480000).u32(0).u16(1); // 72 dpi, reserved, frame_count
        w.zeros(32).u16(0x18).u16(0xffff); // compressorname, depth, pre_defined
        return entry;
    }

    private static List<byte[]> nals(Track track, java.util.function.Predicate<byte[]> type) {
        List<byte[]> out = new ArrayList<>();
        for (byte[] n : track.parameterSets()) {
            if (n.length > 0 && type.test(n)) {
                out.add(n);
            }
        }
        return out;
    }

    private static void require(Track track, boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("track " + track.index() + " (" + track.codec().ffmpegName()
                    + ") lacks " + what + ": cannot write its sample entry");
        }
    }
}
