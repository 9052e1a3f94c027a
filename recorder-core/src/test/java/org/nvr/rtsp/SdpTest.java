package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Track;

class SdpTest {

    private static final String SPS = "Z0IAKeKQFAe2AtwEBAaQeJEV";
    private static final String PPS = "aM48gA==";
    private static final byte[] SPS_BYTES = java.util.Base64.getDecoder().decode(SPS);
    private static final byte[] PPS_BYTES = java.util.Base64.getDecoder().decode(PPS);

    private static String sdp(String... lines) {
        return String.join("\r\n", lines) + "\r\n";
    }

    @Test
    void h264WithAacAndSessionControl() {
        Sdp sdp = Sdp.parse(sdp("v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=cam", "t=0 0", "a=control:*",
                "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000",
                "a=fmtp:96 packetization-mode=1;profile-level-id=42001f;sprop-parameter-sets=" + SPS + "," + PPS,
                "a=control:trackID=0",
                "m=audio 0 RTP/AVP 97", "a=rtpmap:97 mpeg4-generic/44100/2",
                "a=fmtp:97 streamtype=5; profile-level-id=15; mode=AAC-hbr; config=1210; SizeLength=13; IndexLength=3; IndexDeltaLength=3",
                "a=control:trackID=1"));
        assertEquals("*", sdp.control());
        assertEquals(2, sdp.media().size());
        MediaDescription video = sdp.media().get(0);
        assertEquals(96, video.payloadType());
        assertEquals(Optional.of(Codec.H264), video.codec());
        assertEquals(90000, video.clockRate());
        assertEquals("trackID=0", video.control());
        Track track = video.toTrack(0);
        assertEquals(2, track.parameterSets().size());
        assertArrayEquals(SPS_BYTES, track.parameterSets().get(0));
        assertArrayEquals(PPS_BYTES, track.parameterSets().get(1));

        MediaDescription audio = sdp.media().get(1);
        assertEquals(Optional.of(Codec.AAC), audio.codec());
        assertEquals(44100, audio.clockRate());
        assertEquals(2, audio.channels());
        assertEquals(OptionalInt.of(13), audio.fmtpInt("sizelength"));
        assertEquals(OptionalInt.of(3), audio.fmtpInt("indexlength"));
        assertEquals(OptionalInt.of(3), audio.fmtpInt("indexdeltalength"));
        assertEquals("AAC-hbr", audio.fmtp().get("mode"));
        Track aac = audio.toTrack(1);
        assertArrayEquals(new byte[] {0x12, 0x10}, aac.decoderConfig());
        assertEquals(44100, aac.sampleRate());
        assertEquals(2, aac.channels());
    }

    @Test
    void noOriginLine() {
        Sdp sdp = Sdp.parse(sdp("v=0", "s=cam", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000"));
        assertEquals(Optional.of(Codec.H264), sdp.media().get(0).codec());
    }

    @Test
    void controlBeforeRtpmap() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=control:track1", "a=fmtp:96 packetization-mode=1",
                "a=rtpmap:96 H264/90000"));
        MediaDescription video = sdp.media().get(0);
        assertEquals("track1", video.control());
        assertEquals(90000, video.clockRate());
        assertEquals("1", video.fmtp().get("packetization-mode"));
    }

    @Test
    void trailingSpacesInRtpmap() {
        Sdp sdp = Sdp.parse("v=0\nm=video 0 RTP/AVP 96 \na=rtpmap:96 H264/90000 \na=control:trackID=1 \n");
        MediaDescription video = sdp.media().get(0);
        assertEquals("H264", video.encodingName());
        assertEquals(90000, video.clockRate());
        assertEquals("trackID=1", video.control());
    }

    @Test
    void emptyFmtp() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=fmtp:96"));
        MediaDescription video = sdp.media().get(0);
        assertEquals(Map.of(), video.fmtp());
        assertEquals(List.of(), video.toTrack(0).parameterSets());
    }

    @Test
    void unparseableExtraMediaSectionsAreSkipped() {
        Sdp sdp = Sdp.parse(sdp("v=0",
                "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=control:track1",
                "m=application 0 RTP/AVP", "a=control:track2",                 // no format at all
                "m=application 0 RTP/AVP abc", "a=control:track3",             // format not a number
                "m=audio 0 RTP/AVP 98", "a=rtpmap:98 G726-32/eight",             // clock rate not a number
                "m=audio 0 TCP/MRCPv2 1",                                        // not RTP
                "m=application 0 RTP/AVP 107", "a=rtpmap:107 vnd.onvif.metadata/90000", "a=control:track4",
                "m=audio 0 RTP/AVP 8", "a=control:track5"));
        assertEquals(List.of("track1", "track4", "track5"), sdp.media().stream().map(MediaDescription::control).toList());
        assertEquals(4, sdp.skipped().size(), sdp.skipped().toString());
        MediaDescription metadata = sdp.media().get(1);
        assertEquals(Optional.empty(), metadata.codec());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> metadata.toTrack(1));
        assertTrue(e.getMessage().contains("vnd.onvif.metadata"), e.getMessage());
        assertEquals(Codec.PCMA, sdp.media().get(2).toTrack(2).codec());
    }

    @Test
    void spropParameterSetsWithAnnexBStartCodes() {
        byte[] annexB = concat(new byte[] {0, 0, 0, 1}, SPS_BYTES, new byte[] {0, 0, 1}, PPS_BYTES);
        String sprop = java.util.Base64.getEncoder().encodeToString(annexB);
        List<byte[]> sets = h264Track("sprop-parameter-sets=" + sprop).parameterSets();
        assertEquals(2, sets.size());
        assertArrayEquals(SPS_BYTES, sets.get(0));
        assertArrayEquals(PPS_BYTES, sets.get(1));
    }

    @Test
    void spropParameterSetsWithTrailingZeroBytes() {
        String sps = java.util.Base64.getEncoder().encodeToString(concat(SPS_BYTES, new byte[] {0, 0}));
        List<byte[]> sets = h264Track("sprop-parameter-sets=" + sps + "," + PPS).parameterSets();
        assertArrayEquals(SPS_BYTES, sets.get(0));
        assertArrayEquals(PPS_BYTES, sets.get(1));
    }

    @Test
    void spropParameterSetsPpsFirstOrNotBase64() {
        List<byte[]> sets = h264Track("sprop-parameter-sets=" + PPS + ",%%%," + SPS).parameterSets();
        assertEquals(2, sets.size());
        assertArrayEquals(SPS_BYTES, sets.get(0), "SPS first whatever the camera's order");
        assertArrayEquals(PPS_BYTES, sets.get(1));
    }

    @Test
    void h265WithSpropVpsSpsPps() {
        String vps = "QAEMAf//AWAAAAMAkAAAAwAAAwBdlZgJ";
        String sps = "QgEBAWAAAAMAkAAAAwAAAwBdoAKAgC0WWVmkkyvAQAAA+kAAF3AC";
        String pps = "RAHBcrRiQA==";
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H265/90000",
                "a=fmtp:96 sprop-vps=" + vps + "; sprop-sps=" + sps + "; sprop-pps=" + pps));
        Track track = sdp.media().get(0).toTrack(0);
        assertEquals(Codec.H265, track.codec());
        assertEquals(3, track.parameterSets().size());
        assertEquals(32, (track.parameterSets().get(0)[0] >> 1) & 0x3F, "VPS");
        assertEquals(33, (track.parameterSets().get(1)[0] >> 1) & 0x3F, "SPS");
        assertEquals(34, (track.parameterSets().get(2)[0] >> 1) & 0x3F, "PPS");
    }

    @Test
    void h265WithoutSpropWaitsForInBand() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H265/90000", "a=fmtp:96 profile-id=1"));
        Track track = sdp.media().get(0).toTrack(0);
        assertEquals(Codec.H265, track.codec());
        assertEquals(List.of(), track.parameterSets());
    }

    @Test
    void staticPcmaAndPcmuWithoutRtpmap() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=audio 0 RTP/AVP 8", "m=audio 0 RTP/AVP 0"));
        Track pcma = sdp.media().get(0).toTrack(0);
        Track pcmu = sdp.media().get(1).toTrack(1);
        assertEquals(Codec.PCMA, pcma.codec());
        assertEquals(Codec.PCMU, pcmu.codec());
        assertEquals(8000, pcma.clockRate());
        assertEquals(8000, pcmu.sampleRate());
        assertEquals(1, pcmu.channels());
    }

    @Test
    void jpegStaticPayloadType26() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 26", "a=control:trackID=0"));
        Track track = sdp.media().get(0).toTrack(0);
        assertEquals(Codec.MJPEG, track.codec());
        assertEquals(90000, track.clockRate());
    }

    @Test
    void mp4aLatmConfigGivesAudioSpecificConfig() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=audio 0 RTP/AVP 97", "a=rtpmap:97 MP4A-LATM/44100/2",
                "a=fmtp:97 profile-level-id=15;object=2;cpresent=0;config=40002420"));
        MediaDescription audio = sdp.media().get(0);
        assertTrue(audio.isLatm());
        Track track = audio.toTrack(0);
        assertEquals(Codec.AAC, track.codec());
        assertArrayEquals(new byte[] {0x12, 0x10}, track.decoderConfig(), HexFormat.of().formatHex(track.decoderConfig()));
    }

    @Test
    void severalPayloadTypesInOneSectionTakeTheFirstKnown() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=audio 0 RTP/AVP 101 xyz 0 8", "a=rtpmap:101 telephone-event/8000",
                "m=audio 0 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000"));
        assertEquals(0, sdp.media().get(0).payloadType());
        assertEquals(Optional.of(Codec.PCMU), sdp.media().get(0).codec());
        assertEquals(Optional.empty(), sdp.media().get(1).codec());
        assertEquals("telephone-event", sdp.media().get(1).encodingName());
    }

    @Test
    void opus() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=audio 0 RTP/AVP 111", "a=rtpmap:111 opus/48000/2"));
        Track track = sdp.media().get(0).toTrack(0);
        assertEquals(Codec.OPUS, track.codec());
        assertEquals(48000, track.clockRate());
        assertEquals(2, track.channels());
    }

    @Test
    void aacConfigThatIsNotHexIsLeftEmpty() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=audio 0 RTP/AVP 97", "a=rtpmap:97 MPEG4-GENERIC/16000",
                "a=fmtp:97 mode=AAC-hbr;config=12x"));
        Track track = sdp.media().get(0).toTrack(0);
        assertEquals(Codec.AAC, track.codec());
        assertEquals(1, track.channels());
        assertEquals(0, track.decoderConfig().length);
    }

    @Test
    void mpeg4GenericVideoIsNotAac() {
        Sdp sdp = Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 mpeg4-generic/90000",
                "a=fmtp:96 streamtype=4;mode=generic"));
        assertEquals(Optional.empty(), sdp.media().get(0).codec());
    }

    private static Track h264Track(String fmtp) {
        return Sdp.parse(sdp("v=0", "m=video 0 RTP/AVP 96", "a=rtpmap:96 H264/90000", "a=fmtp:96 " + fmtp))
                .media().get(0).toTrack(0);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
