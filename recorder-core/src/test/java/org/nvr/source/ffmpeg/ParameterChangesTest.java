package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;

import java.io.ByteArrayOutputStream;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.junit.jupiter.api.Test;
import org.nvr.ffmpeg.FfmpegRuntime;

class ParameterChangesTest {
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
        assertArrayEquals(annexB(SPS, PPS), ParameterChanges.parameterSets(annexB(SPS, PPS, IDR), AV_CODEC_ID_H264));
        assertEquals(0, ParameterChanges.parameterSets(annexB(IDR), AV_CODEC_ID_H264).length);
    }

    @Test
    void duplicatesAndOrderDoNotReadAsAChange() {
        byte[] once = ParameterChanges.parameterSets(annexB(SPS, PPS, IDR), AV_CODEC_ID_H264);
        byte[] twice = ParameterChanges.parameterSets(annexB(PPS, SPS, SPS, PPS, IDR), AV_CODEC_ID_H264);
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
        assertArrayEquals(annexB(vps, sps, pps), ParameterChanges.parameterSets(au, AV_CODEC_ID_HEVC));
    }

    @Test
    void parameterSetsAfterTheFirstSliceAreNotRead() {
        byte[] otherSps = {0x67, 0x4d, 0x00, 0x28};
        assertArrayEquals(annexB(SPS, PPS), ParameterChanges.parameterSets(annexB(SPS, PPS, IDR, otherSps), AV_CODEC_ID_H264));
        assertEquals(annexB(SPS, PPS).length, ParameterChanges.firstSlice(annexB(SPS, PPS, IDR), AV_CODEC_ID_H264));
        assertEquals(-1, ParameterChanges.firstSlice(annexB(SPS, PPS), AV_CODEC_ID_H264));
    }

    @Test
    void aChangeIsSeenBehindAnSeiLongerThanTheFirstRead() {
        FfmpegRuntime.init();
        byte[] sei = new byte[5000];
        sei[0] = 0x06;
        java.util.Arrays.fill(sei, 1, sei.length, (byte) 0x55);
        byte[] otherSps = {0x67, 0x4d, 0x00, 0x28};
        try (ParameterChanges sets = new ParameterChanges(AV_CODEC_ID_H264)) {
            assertFalse(changed(sets, annexB(sei, SPS, PPS, IDR)), "the first keyframe sets the baseline");
            assertFalse(changed(sets, annexB(sei, PPS, SPS, IDR)), "same sets, other order");
            assertTrue(changed(sets, annexB(sei, otherSps, PPS, IDR)), "a new SPS behind 5000 bytes of SEI");
        }
    }

    private static boolean changed(ParameterChanges sets, byte[] keyframe) {
        AVPacket pkt = av_packet_alloc();
        try {
            assertEquals(0, av_new_packet(pkt, keyframe.length));
            pkt.data().put(keyframe);
            pkt.flags(AV_PKT_FLAG_KEY);
            return sets.changed(pkt);
        } finally {
            av_packet_free(pkt);
        }
    }
}
