package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the compound RTCP packet a receiver sends (RFC 3550 section 6.1): a receiver report (RR, 201)
 * with one report block per source, then the SDES (202) with our CNAME that every compound packet must
 * carry. With no block it is an empty RR, which also serves to open a NAT or firewall towards the sender's
 * RTCP port. Stateless; any thread.
 */
public final class ReceiverReport {

    private ReceiverReport() {
    }

    /**
     * The compound packet, in a buffer of {@code alloc} that the caller owns (and hands to a write).
     *
     * @param ourSsrc the receiver's own SSRC
     * @param cname   our canonical name (ASCII, at most 255 bytes)
     */
    public static ByteBuf write(ByteBufAllocator alloc, int ourSsrc, String cname,
                                List<ReceptionStats.ReportBlock> blocks) {
        if (blocks.size() > 31) {
            throw new IllegalArgumentException("at most 31 report blocks: " + blocks.size());
        }
        byte[] name = cname.getBytes(StandardCharsets.US_ASCII);
        if (name.length > 255) {
            throw new IllegalArgumentException("CNAME longer than 255 bytes");
        }
        int rrLength = 8 + 24 * blocks.size();
        int sdesItems = 2 + name.length + 1; // CNAME item, then the END item
        int sdesLength = 8 + (sdesItems + 3) / 4 * 4;
        ByteBuf out = alloc.buffer(rrLength + sdesLength);
        out.writeByte(0x80 | blocks.size());
        out.writeByte(RtcpPacket.RR);
        out.writeShort(rrLength / 4 - 1);
        out.writeInt(ourSsrc);
        for (ReceptionStats.ReportBlock block : blocks) {
            out.writeInt(block.ssrc());
            out.writeByte(block.fractionLost());
            out.writeMedium(block.cumulativeLost() & 0xFF_FFFF);
            out.writeInt((int) block.highestSequence());
            out.writeInt((int) block.jitter());
            out.writeInt((int) block.lastSenderReport());
            out.writeInt((int) block.delaySinceLastSenderReport());
        }
        out.writeByte(0x81);
        out.writeByte(RtcpPacket.SDES);
        out.writeShort(sdesLength / 4 - 1);
        out.writeInt(ourSsrc);
        out.writeByte(1); // CNAME
        out.writeByte(name.length);
        out.writeBytes(name);
        out.writeZero(sdesLength - 8 - 2 - name.length); // END, then padding to a 32-bit boundary
        return out;
    }
}
