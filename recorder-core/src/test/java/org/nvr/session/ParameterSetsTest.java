package org.nvr.session;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class ParameterSetsTest {
    static final byte[] SPS = {0x67, 0x42, (byte) 0xc0, 0x1e};
    static final byte[] PPS = {0x68, (byte) 0xce, 0x3c, (byte) 0x80};
    static final byte[] IDR = {0x65, (byte) 0x88, (byte) 0x84, 0x00, 0x10};

    static byte[] annexB(byte[]... nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            out.writeBytes(new byte[] {0, 0, 0, 1});
            out.writeBytes(n);
        }
        return out.toByteArray();
    }

    @Test
    void extractsH264SpsAndPpsButNotSlices() {
        assertArrayEquals(annexB(SPS, PPS), ParameterSets.parameterSets(annexB(SPS, PPS, IDR), AV_CODEC_ID_H264));
        assertEquals(0, ParameterSets.parameterSets(annexB(IDR), AV_CODEC_ID_H264).length);
    }

    @Test
    void duplicatesAndOrderDoNotReadAsAChange() {
        byte[] once = ParameterSets.parameterSets(annexB(SPS, PPS, IDR), AV_CODEC_ID_H264);
        byte[] twice = ParameterSets.parameterSets(annexB(PPS, SPS, SPS, PPS, IDR), AV_CODEC_ID_H264);
        assertArrayEquals(once, twice);
    }

    @Test
    void threeByteStartCodesAndHevcTypes() {
        byte[] vps = {0x40, 0x01, 0x0c};
        byte[] sps = {0x42, 0x01, 0x01};
        byte[] pps = {0x44, 0x01, (byte) 0xc0};
        byte[] idr = {0x26, 0x01, (byte) 0xaf};
        byte[] au = {0, 0, 1, 0x40, 0x01, 0x0c, 0, 0, 1, 0x42, 0x01, 0x01, 0, 0, 1, 0x44, 0x01, (byte) 0xc0, 0, 0, 1,
            0x26, 0x01, (byte) 0xaf};
        assertArrayEquals(annexB(vps, sps, pps), ParameterSets.parameterSets(au, AV_CODEC_ID_HEVC));
    }
}
