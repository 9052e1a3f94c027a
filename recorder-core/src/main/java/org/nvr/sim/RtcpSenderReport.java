package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes an RTCP compound packet of a sender report and an SDES CNAME (RFC 3550 sections 6.4.1 and
 * 6.5), which lets a client map RTP timestamps to wall-clock time. Stateless; any thread.
 */
final class RtcpSenderReport {

    private static final int SR = 200;
    private static final int SDES = 202;
    private static final int CNAME = 1;
    /** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
    private static final long NTP_UNIX_OFFSET = 2_208_988_800L;

    private RtcpSenderReport() {
    }

    static void send(RtpSink sink, int ssrc, long unixMillis, int rtpTimestamp, long packetCount,
            long octetCount, String cname) {
        byte[] name = cname.getBytes(StandardCharsets.US_ASCII);
        // SDES chunk: SSRC, item type, length, text, then at least one zero byte up to a 32-bit boundary.
        int chunkLength = 4 + 2 + name.length;
        int sdesPadding = 4 - (chunkLength % 4);
        int sdesLength = 4 + chunkLength + sdesPadding;
        ByteBuf buf = sink.newPacket(28 + sdesLength);

        long seconds = unixMillis / 1000 + NTP_UNIX_OFFSET;
        long fraction = ((unixMillis % 1000) << 32) / 1000;
        buf.writeByte(0x80);
        buf.writeByte(SR);
        buf.writeShort(6); // length in 32-bit words minus one
        buf.writeInt(ssrc);
        buf.writeInt((int) seconds);
        buf.writeInt((int) fraction);
        buf.writeInt(rtpTimestamp);
        buf.writeInt((int) packetCount);
        buf.writeInt((int) octetCount);

        buf.writeByte(0x81); // one chunk
        buf.writeByte(SDES);
        buf.writeShort(sdesLength / 4 - 1);
        buf.writeInt(ssrc);
        buf.writeByte(CNAME);
        buf.writeByte(name.length);
        buf.writeBytes(name);
        buf.writeZero(sdesPadding);
        sink.send(buf, true);
    }
}
