package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nvr.config.AudioPolicy;

/** Which cameras the RTSP client hands to FFmpeg: by what their SDP offers. */
class UnsupportedCodecsTest {
    private static final String H264 = """
            v=0
            s=cam
            m=video 0 RTP/AVP 96
            a=rtpmap:96 H264/90000
            a=control:track1
            """;

    @Test
    void h264WithAacOrG711IsReceived() {
        assertEquals(Optional.empty(), UnsupportedCodecs.find(H264 + """
                m=audio 0 RTP/AVP 97
                a=rtpmap:97 mpeg4-generic/16000/1
                a=fmtp:97 streamtype=5; mode=AAC-hbr; config=1408; sizelength=13; indexlength=3; indexdeltalength=3
                a=control:track2
                """, AudioPolicy.TRANSCODE));
        assertEquals(Optional.empty(), UnsupportedCodecs.find(H264 + """
                m=audio 0 RTP/AVP 8
                a=control:track2
                """, AudioPolicy.TRANSCODE));
    }

    @Test
    void motionJpegOpusAndLatmAreNot() {
        assertEquals(Optional.of("mjpeg"), UnsupportedCodecs.find("""
                v=0
                m=video 0 RTP/AVP 26
                a=control:track1
                """, AudioPolicy.TRANSCODE));
        assertEquals(Optional.of("opus"), UnsupportedCodecs.find(H264 + """
                m=audio 0 RTP/AVP 111
                a=rtpmap:111 opus/48000/2
                a=control:track2
                """, AudioPolicy.TRANSCODE));
        assertEquals(Optional.of("aac-latm"), UnsupportedCodecs.find(H264 + """
                m=audio 0 RTP/AVP 98
                a=rtpmap:98 MP4A-LATM/44100/2
                a=fmtp:98 profile-level-id=1;cpresent=0;config=400024203fc0
                a=control:track2
                """, AudioPolicy.TRANSCODE));
    }

    @Test
    void audioTheCameraDropsAnywayAndMetadataDoNotCount() {
        assertEquals(Optional.empty(), UnsupportedCodecs.find(H264 + """
                m=audio 0 RTP/AVP 111
                a=rtpmap:111 opus/48000/2
                a=control:track2
                """, AudioPolicy.DROP));
        assertEquals(Optional.empty(), UnsupportedCodecs.find(H264 + """
                m=application 0 RTP/AVP 107
                a=rtpmap:107 vnd.onvif.metadata/90000
                a=control:track3
                """, AudioPolicy.TRANSCODE));
    }
}
