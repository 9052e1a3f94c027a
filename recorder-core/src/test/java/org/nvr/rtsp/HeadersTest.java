package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** {@link TransportHeader}, {@link SessionHeader}, {@link RtpInfo} and {@link PublicMethods}. */
class HeadersTest {

    @Test
    void transportInterleaved() {
        TransportHeader t = TransportHeader.parse("RTP/AVP/TCP;unicast;interleaved=0-1;mode=\"PLAY\"");
        assertTrue(t.tcp());
        assertTrue(t.unicast());
        assertEquals(new TransportHeader.Pair(0, 1), t.interleaved());
        assertEquals("PLAY", t.mode());
        assertNull(t.clientPorts());
    }

    @Test
    void transportUdpWithPortsAndSsrc() {
        TransportHeader t = TransportHeader.parse(
                "RTP/AVP;unicast;client_port=5000-5001;server_port=6970-6971;ssrc=1A2B3C4D;mode=play");
        assertFalse(t.tcp());
        assertEquals(new TransportHeader.Pair(5000, 5001), t.clientPorts());
        assertEquals(new TransportHeader.Pair(6970, 6971), t.serverPorts());
        assertEquals(OptionalLong.of(0x1A2B3C4DL), t.ssrc());
        assertEquals("PLAY", t.mode());
    }

    @Test
    void transportSsrcWithSpacesOrFirst() {
        TransportHeader spaced = TransportHeader.parse("RTP/AVP/TCP; unicast; interleaved = 2-3 ; ssrc = 0A0B0C0D ");
        assertEquals(new TransportHeader.Pair(2, 3), spaced.interleaved());
        assertEquals(OptionalLong.of(0x0A0B0C0DL), spaced.ssrc());
        TransportHeader first = TransportHeader.parse("ssrc=FFFFFFFF;RTP/AVP/TCP;interleaved=0-1");
        assertEquals(OptionalLong.of(0xFFFFFFFFL), first.ssrc());
        assertEquals("RTP/AVP/TCP", first.protocol());
        assertEquals(OptionalLong.empty(), TransportHeader.parse("RTP/AVP;ssrc=zz").ssrc());
    }

    @Test
    void transportAlternativesAndErrors() {
        List<TransportHeader> all = TransportHeader.parseAll("RTP/AVP/TCP;interleaved=0-1, RTP/AVP;client_port=5000-5001");
        assertEquals(2, all.size());
        assertTrue(all.get(0).tcp());
        assertFalse(all.get(1).tcp());
        assertThrows(IllegalArgumentException.class, () -> TransportHeader.parse("unicast;interleaved=0-1"));
        assertThrows(IllegalArgumentException.class, () -> TransportHeader.parse("RTP/AVP/TCP;interleaved=a-b"));
    }

    @Test
    void sessionWithTimeoutOddCaseAndWhitespace() {
        SessionHeader s = SessionHeader.parse(" AbC12xYz ; Timeout = 30 ");
        assertEquals("AbC12xYz", s.id());
        assertEquals(Optional.of(Duration.ofSeconds(30)), s.timeout());
        assertEquals(Duration.ofSeconds(15), s.keepAliveInterval());
        assertEquals(Optional.of(Duration.ofSeconds(60)), SessionHeader.parse("12345678;timeout=60").timeout());
        assertEquals(Optional.of(Duration.ofSeconds(90)), SessionHeader.parse("1;TIMEOUT=90").timeout());
    }

    @Test
    void sessionWithoutTimeoutKeepsAliveEvery30Seconds() {
        assertEquals(Duration.ofSeconds(30), SessionHeader.parse("12345678").keepAliveInterval());
        assertEquals(Duration.ofSeconds(30), SessionHeader.parse("12345678;timeout=soon").keepAliveInterval());
        assertThrows(IllegalArgumentException.class, () -> SessionHeader.parse(" ;timeout=60"));
    }

    @Test
    void rtpInfoWithTrailingSemicolon() {
        List<RtpInfo> info = RtpInfo.parse("url=rtsp://cam/track1;seq=4711;rtptime=3450012345;, url=rtsp://cam/track2;seq=1;");
        assertEquals(2, info.size());
        assertEquals("rtsp://cam/track1", info.get(0).url());
        assertEquals(OptionalInt.of(4711), info.get(0).seq());
        assertEquals(OptionalLong.of(3450012345L), info.get(0).rtptime());
        assertEquals(OptionalInt.of(1), info.get(1).seq());
        assertEquals(OptionalLong.empty(), info.get(1).rtptime());
    }

    @Test
    void rtpInfoUnparseableRtptimeAndSeqAreAbsent() {
        RtpInfo info = RtpInfo.parse("url=rtsp://cam/trackID=0;seq=;rtptime=-12").get(0);
        assertEquals(OptionalInt.empty(), info.seq());
        assertEquals(OptionalLong.empty(), info.rtptime());
        RtpInfo big = RtpInfo.parse("url=rtsp://cam/a,b;seq=70000;rtptime=99999999999").get(0);
        assertEquals("rtsp://cam/a,b", big.url(), "a comma inside the URL does not start a new entry");
        assertEquals(OptionalInt.empty(), big.seq());
        assertEquals(OptionalLong.empty(), big.rtptime());
    }

    @Test
    void publicMethodsChooseTheKeepAlive() {
        assertEquals(List.of("OPTIONS"), PublicMethods.parse("OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN").keepAliveMethods());
        assertEquals(List.of("OPTIONS", "GET_PARAMETER", "SET_PARAMETER"),
                PublicMethods.parse("OPTIONS,DESCRIBE,SETUP,PLAY,TEARDOWN,set_parameter, GET_PARAMETER ").keepAliveMethods());
        assertEquals(List.of("OPTIONS"), PublicMethods.parse(null).keepAliveMethods());
        assertTrue(PublicMethods.parse("OPTIONS, get_parameter").supports("GET_PARAMETER"));
    }
}
