package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * One compound RTCP packet (RFC 3550 section 6.1) as a camera sends it on a track's RTCP channel or
 * port: the sender reports it holds are read; receiver reports (201), SDES (202), BYE (203), APP (204)
 * and any unknown type are skipped by their length field, and counted.
 *
 * <p>A malformed packet is never an exception: {@link #parse} returns null and {@link #rejection} says
 * why (not version 2, a length running past the end, a sender report too short for its sender info,
 * trailing bytes). The first packet is not required to be SR or RR, as RFC 3550 asks: cameras send what
 * they send. Immutable; the reports are copied out of the buffer, which the caller keeps owning.
 */
public final class RtcpPacket {

    public static final int SR = 200;
    public static final int RR = 201;
    public static final int SDES = 202;
    public static final int BYE = 203;
    public static final int APP = 204;
    /** Header (4 bytes), SSRC (4) and sender info (20). */
    private static final int SR_LENGTH = 28;

    private final List<SenderReport> senderReports;
    private final int skipped;

    private RtcpPacket(List<SenderReport> senderReports, int skipped) {
        this.senderReports = List.copyOf(senderReports);
        this.skipped = skipped;
    }

    /**
     * Parses the readable bytes of {@code buffer} as one compound RTCP packet, leaving its indexes alone.
     *
     * @return the packet, or null when it is malformed ({@link #rejection} says why)
     */
    public static RtcpPacket parse(ByteBuf buffer) {
        Object result = read(buffer);
        return result instanceof RtcpPacket packet ? packet : null;
    }

    /** Parses a whole array; see {@link #parse(ByteBuf)}. */
    public static RtcpPacket parse(byte[] packet) {
        return parse(Unpooled.wrappedBuffer(packet));
    }

    /** Why {@link #parse} rejects {@code buffer}, or null when it is a well-formed compound RTCP packet. */
    public static String rejection(ByteBuf buffer) {
        Object result = read(buffer);
        return result instanceof String reason ? reason : null;
    }

    /** The packet, or a String saying what is wrong with it: one parser for both questions. */
    private static Object read(ByteBuf buffer) {
        int offset = buffer.readerIndex();
        int end = offset + buffer.readableBytes();
        if (offset == end) {
            return "empty RTCP packet";
        }
        List<SenderReport> reports = new ArrayList<>();
        int skipped = 0;
        for (int index = 0; offset < end; index++) {
            int left = end - offset;
            if (left < 4) {
                return left + " bytes after packet " + index + ", too few for an RTCP header";
            }
            int first = buffer.getUnsignedByte(offset);
            if (first >> 6 != 2) {
                return "packet " + index + ": RTCP version " + (first >> 6) + ", not 2";
            }
            int type = buffer.getUnsignedByte(offset + 1);
            int length = 4 * (buffer.getUnsignedShort(offset + 2) + 1);
            if (length > left) {
                return "packet " + index + " (type " + type + "): length " + length + " bytes runs past the end ("
                        + left + " left)";
            }
            if (type == SR) {
                if (length < SR_LENGTH) {
                    return "packet " + index + ": sender report of " + length + " bytes, shorter than its "
                            + SR_LENGTH + "-byte sender info";
                }
                reports.add(new SenderReport(buffer.getInt(offset + 4), buffer.getLong(offset + 8),
                        buffer.getInt(offset + 16), buffer.getUnsignedInt(offset + 20), buffer.getUnsignedInt(offset + 24)));
            } else {
                skipped++; // RR, SDES, BYE, APP or a type we do not know: its length is all we need
            }
            offset += length;
        }
        return new RtcpPacket(reports, skipped);
    }

    /** The sender reports, in the order sent (usually one, first). */
    public List<SenderReport> senderReports() {
        return senderReports;
    }

    /** Packets of the compound skipped: every type but SR. */
    public int skipped() {
        return skipped;
    }

    @Override
    public String toString() {
        return "RtcpPacket[" + senderReports.size() + " SR, " + skipped + " skipped]";
    }
}
