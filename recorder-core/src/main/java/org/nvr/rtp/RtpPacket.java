package org.nvr.rtp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One RTP packet's fixed header (RFC 3550 section 5.1) and its payload, parsed without copying: the
 * payload is a slice of the buffer the packet was read from. CSRCs and a header extension are skipped
 * (cameras send extensions, e.g. ONVIF replay timestamps; nothing here needs them); padding is removed.
 *
 * <p>A malformed packet is never an exception: {@link #parse} returns null and {@link #rejection} says
 * why, so a read loop counts and skips it. Immutable, but valid only while the buffer it was parsed
 * from is: whoever keeps payload bytes past the read copies them (the depacketizers do).
 */
public final class RtpPacket {

    /** The fixed header: flags, payload type, sequence number, timestamp, SSRC. */
    static final int HEADER_LENGTH = 12;

    private final boolean marker;
    private final int payloadType;
    private final int sequence;
    private final int timestamp;
    private final int ssrc;
    private final ByteBuf payload;

    private RtpPacket(boolean marker, int payloadType, int sequence, int timestamp, int ssrc, ByteBuf payload) {
        this.marker = marker;
        this.payloadType = payloadType;
        this.sequence = sequence;
        this.timestamp = timestamp;
        this.ssrc = ssrc;
        this.payload = payload;
    }

    /**
     * Parses the readable bytes of {@code buffer} as one RTP packet, leaving its indexes alone.
     *
     * @return the packet, or null when it is malformed ({@link #rejection} says why)
     */
    public static RtpPacket parse(ByteBuf buffer) {
        Object result = read(buffer);
        return result instanceof RtpPacket packet ? packet : null;
    }

    /** Parses a whole array as one RTP packet, without copying it; see {@link #parse(ByteBuf)}. */
    public static RtpPacket parse(byte[] packet) {
        return parse(Unpooled.wrappedBuffer(packet));
    }

    /** Why {@link #parse} rejects {@code buffer}, or null when it is a well-formed RTP packet. */
    public static String rejection(ByteBuf buffer) {
        Object result = read(buffer);
        return result instanceof String reason ? reason : null;
    }

    /** The packet, or a String saying what is wrong with it: one parser for both questions. */
    private static Object read(ByteBuf buffer) {
        int start = buffer.readerIndex();
        int length = buffer.readableBytes();
        if (length < HEADER_LENGTH) {
            return "shorter than an RTP header: " + length + " bytes";
        }
        int first = buffer.getUnsignedByte(start);
        int version = first >> 6;
        if (version != 2) {
            return "RTP version " + version + ", not 2";
        }
        int second = buffer.getUnsignedByte(start + 1);
        if (second >= 200 && second <= 204) {
            return "an RTCP packet (type " + second + "), not RTP";
        }
        int offset = HEADER_LENGTH + 4 * (first & 0x0F);
        if (offset > length) {
            return "CSRC list of " + (first & 0x0F) + " runs past the end of a " + length + "-byte packet";
        }
        if ((first & 0x10) != 0) {
            if (offset + 4 > length) {
                return "header extension flag set but no room for its header in a " + length + "-byte packet";
            }
            int words = buffer.getUnsignedShort(start + offset + 2);
            offset += 4 + 4 * words;
            if (offset > length) {
                return "header extension of " + words + " words runs past the end of a " + length + "-byte packet";
            }
        }
        int end = length;
        if ((first & 0x20) != 0) {
            int padding = buffer.getUnsignedByte(start + length - 1);
            if (padding == 0 || offset + padding > length) {
                return "padding of " + padding + " bytes does not fit a " + length + "-byte packet";
            }
            end -= padding;
        }
        return new RtpPacket((second & 0x80) != 0, second & 0x7F, buffer.getUnsignedShort(start + 2),
                buffer.getInt(start + 4), buffer.getInt(start + 8), buffer.slice(start + offset, end - offset));
    }

    public boolean marker() {
        return marker;
    }

    public int payloadType() {
        return payloadType;
    }

    /** The 16-bit sequence number, 0 to 65535. */
    public int sequence() {
        return sequence;
    }

    /** The 32-bit RTP timestamp as sent (unsigned, held in an int); see {@link TimestampExtender}. */
    public int timestamp() {
        return timestamp;
    }

    public int ssrc() {
        return ssrc;
    }

    /** The payload, padding removed: a slice sharing the packet's buffer; read it, do not keep it. */
    public ByteBuf payload() {
        return payload;
    }

    /**
     * The same packet with its payload copied to a heap buffer of its own: for a packet kept past the read
     * of the buffer it came in (a {@link ReorderBuffer} holding it until the packets before it arrive).
     */
    public RtpPacket copy() {
        return new RtpPacket(marker, payloadType, sequence, timestamp, ssrc, Unpooled.copiedBuffer(payload));
    }

    @Override
    public String toString() {
        return "RtpPacket[pt=" + payloadType + " seq=" + sequence + " ts=" + Integer.toUnsignedString(timestamp)
                + " ssrc=" + Integer.toHexString(ssrc) + (marker ? " M" : "") + " " + payload.readableBytes() + " B]";
    }
}
