package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Compound RTCP packets: sender reports read, every other type skipped by its length, malformed ones named. */
class RtcpPacketTest {

    private static final int SSRC = 0x1234_5678;

    @Test
    void readsASenderReportFollowedBySdes() {
        byte[] compound = concat(sr(SSRC, 0xE7A1_2345_8000_0000L, 0xDEAD_BEEF, 4_000_000_000L, 3_000_000_000L),
                sdes(SSRC, "cam@192.168.1.10"));

        RtcpPacket rtcp = RtcpPacket.parse(compound);

        assertNotNull(rtcp, String.valueOf(RtcpPacket.rejection(Unpooled.wrappedBuffer(compound))));
        assertEquals(List.of(new SenderReport(SSRC, 0xE7A1_2345_8000_0000L, 0xDEAD_BEEF, 4_000_000_000L,
                3_000_000_000L)), rtcp.senderReports());
        assertEquals(1, rtcp.skipped());
    }

    /** RR, SDES, BYE, APP and types no RFC gives are stepped over by their length, the SR after them read. */
    @ParameterizedTest
    @ValueSource(ints = {RtcpPacket.RR, RtcpPacket.SDES, RtcpPacket.BYE, RtcpPacket.APP, 195, 205, 207, 255})
    void skipsEveryOtherTypeByItsLength(int type) {
        byte[] other = packet(type, 3, new byte[4 * 5]); // five words of body, some of them looking like an SR
        other[8] = (byte) 0x80;
        other[9] = (byte) RtcpPacket.SR;
        byte[] compound = concat(other, sr(SSRC, 1L << 63, 7, 1, 2), other);

        RtcpPacket rtcp = RtcpPacket.parse(compound);

        assertNotNull(rtcp, String.valueOf(RtcpPacket.rejection(Unpooled.wrappedBuffer(compound))));
        assertEquals(1, rtcp.senderReports().size());
        assertEquals(7, rtcp.senderReports().get(0).rtpTimestamp());
        assertEquals(2, rtcp.skipped());
    }

    @Test
    void readsAReceiverReportAloneAsNoSenderReport() {
        RtcpPacket rtcp = RtcpPacket.parse(packet(RtcpPacket.RR, 0, new byte[4]));

        assertNotNull(rtcp);
        assertTrue(rtcp.senderReports().isEmpty());
    }

    @Test
    void rejectsMalformedPacketsNamingWhatIsWrong() {
        byte[] sr = sr(SSRC, 1, 2, 3, 4);
        byte[] version1 = sr.clone();
        version1[0] = 0x40;
        byte[] tooLong = sr.clone();
        tooLong[3] = 7; // 32 bytes claimed, 28 there
        byte[] shortSr = packet(RtcpPacket.SR, 0, new byte[4 * 3]);

        assertRejected(new byte[0], "empty");
        assertRejected(version1, "version 1");
        assertRejected(tooLong, "runs past the end");
        assertRejected(shortSr, "shorter than its 28-byte sender info");
        assertRejected(concat(sr, new byte[] {(byte) 0x80, (byte) 200}), "too few for an RTCP header");
        assertRejected(new byte[] {(byte) 0x80}, "too few for an RTCP header");
    }

    /** The NTP fraction is a binary fraction of a second: 0x80000000 is exactly half a second, and so on. */
    @Test
    void convertsTheNtpFractionExactly() {
        long seconds2026 = 1_796_000_000L + SenderReport.NTP_UNIX_OFFSET; // an instant in 2026
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 500_000_000), ntp(seconds2026, 0x8000_0000L));
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 250_000_000), ntp(seconds2026, 0x4000_0000L));
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 0), ntp(seconds2026, 0));
        // 2^-32 s is 0.23 ns: rounded down to whole nanoseconds; the largest fraction is just under a second
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 0), ntp(seconds2026, 1));
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 999_999_999), ntp(seconds2026, 0xFFFF_FFFFL));
        assertEquals(Instant.ofEpochSecond(1_796_000_000L, 1), ntp(seconds2026, 5)); // 1.16 ns
    }

    /** A camera set to 1970 reads as 1970; one past 2036 (NTP seconds wrapped) as 2036 and later, not 1900. */
    @Test
    void readsWrongYearsAndTheNextNtpEra() {
        assertEquals(Instant.EPOCH, ntp(SenderReport.NTP_UNIX_OFFSET, 0));
        assertEquals(Instant.parse("2036-02-07T06:28:16Z"), ntp(0, 0));
        assertEquals(Instant.parse("2036-02-07T06:28:26Z"), ntp(10, 0));
        assertEquals(Instant.parse("1968-01-20T03:14:08Z"), ntp(1L << 31, 0));
    }

    private static Instant ntp(long seconds, long fraction) {
        return new SenderReport(SSRC, seconds << 32 | fraction, 0, 0, 0).ntpTime();
    }

    private static void assertRejected(byte[] bytes, String why) {
        ByteBuf buffer = Unpooled.wrappedBuffer(bytes);
        assertNull(RtcpPacket.parse(buffer));
        String rejection = RtcpPacket.rejection(buffer);
        assertTrue(rejection != null && rejection.contains(why), rejection);
    }

    static byte[] sr(int ssrc, long ntp, int rtp, long packets, long octets) {
        ByteBuf body = Unpooled.buffer(24);
        body.writeInt(ssrc).writeLong(ntp).writeInt(rtp).writeInt((int) packets).writeInt((int) octets);
        return packet(RtcpPacket.SR, 0, body.array());
    }

    private static byte[] sdes(int ssrc, String cname) {
        byte[] name = cname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int chunk = 4 + 2 + name.length;
        ByteBuf body = Unpooled.buffer();
        body.writeInt(ssrc).writeByte(1).writeByte(name.length).writeBytes(name).writeZero(4 - chunk % 4);
        return packet(RtcpPacket.SDES, 1, java.util.Arrays.copyOf(body.array(), body.writerIndex()));
    }

    /** One RTCP packet: version 2, {@code count} in the low bits, a body of whole words. */
    private static byte[] packet(int type, int count, byte[] body) {
        ByteBuf out = Unpooled.buffer(4 + body.length);
        out.writeByte(0x80 | count).writeByte(type).writeShort(body.length / 4).writeBytes(body);
        return out.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteBuf out = Unpooled.buffer();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return java.util.Arrays.copyOf(out.array(), out.writerIndex());
    }
}
