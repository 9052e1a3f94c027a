package org.nvr.sim;

import io.netty.buffer.ByteBuf;

/**
 * Turns access units into RTP packets as RFC 6184 describes for packetization-mode 1: a NAL unit
 * that fits goes as a single NAL unit packet, a larger one is cut into FU-A fragments, and the last
 * packet of an access unit carries the marker bit. SPS and PPS go in front of every IDR picture
 * (after its access unit delimiter, if it has one) so a client can start decoding at any keyframe.
 *
 * <p>Owns one RTP stream's SSRC and sequence numbers and counts what it sent for RTCP sender
 * reports. Not thread-safe; used on its session's event loop.
 */
final class H264Packetizer {

    static final int PAYLOAD_TYPE = 96;
    static final int CLOCK_RATE = 90_000;
    /** Largest RTP payload; keeps packets, headers included, under a 1500-byte Ethernet MTU. */
    static final int MAX_PAYLOAD = 1400;

    private static final int RTP_HEADER = 12;
    private static final int FU_A = 28;

    /** SEI user_data_unregistered with a 16-byte UUID: a NAL unit a picture may open with. */
    private static final byte[] SEI = {0x06, 0x05, 0x10, 'n', 'v', 'r', '-', 's', 'i', 'm', '-', 's', 'e', 'i', '-', 'u',
        'u', 'i', 'd', (byte) 0x80};

    private final int ssrc;
    private boolean annexB;
    private boolean markerOnSei;
    private int sequence;
    private long packetCount;
    private long octetCount;

    H264Packetizer(int ssrc, int firstSequence) {
        this.ssrc = ssrc;
        this.sequence = firstSequence & 0xFFFF;
    }

    int ssrc() {
        return ssrc;
    }

    /**
     * Camera quirks: start codes inside single NAL unit packets, SPS and PPS in one ({@link
     * Quirk#ANNEX_B_IN_SINGLE_NAL_PACKETS}); an SEI with the marker bit opening every picture ({@link
     * Quirk#MARKER_ON_SEI}).
     */
    void quirks(boolean startCodes, boolean seiWithMarker) {
        this.annexB = startCodes;
        this.markerOnSei = seiWithMarker;
    }

    /** Sequence number the next packet will carry. */
    int nextSequence() {
        return sequence;
    }

    long packetCount() {
        return packetCount;
    }

    /** Payload bytes sent, RTP headers excluded, as RTCP counts them. */
    long octetCount() {
        return octetCount;
    }

    /** Queues the packets of one access unit on {@code sink}; the caller flushes. */
    void send(AccessUnit unit, byte[] sps, byte[] pps, int timestamp, RtpSink sink) {
        int first = 0;
        if (unit.delimited()) {
            sendNal(unit.nalUnits().get(0), timestamp, false, sink); // the delimiter opens the access unit
            first = 1;
        }
        if (markerOnSei) {
            sendNal(SEI, timestamp, true, sink);
        }
        if (unit.keyframe() && annexB && sps.length + pps.length + 8 <= MAX_PAYLOAD) {
            ByteBuf packet = header(sink, 8 + sps.length + pps.length, timestamp, false);
            packet.writeInt(1).writeBytes(sps).writeInt(1).writeBytes(pps);
            emit(packet, 8 + sps.length + pps.length, sink);
        } else if (unit.keyframe()) {
            sendNal(sps, timestamp, false, sink);
            sendNal(pps, timestamp, false, sink);
        }
        int last = unit.nalUnits().size() - 1;
        for (int i = first; i <= last; i++) {
            sendNal(unit.nalUnits().get(i), timestamp, i == last, sink);
        }
    }

    /** Queues only the access unit delimiter of {@code unit} (which must have one): a picture cut short. */
    void sendDelimiter(AccessUnit unit, int timestamp, RtpSink sink) {
        sendNal(unit.nalUnits().get(0), timestamp, false, sink);
    }

    private void sendNal(byte[] nal, int timestamp, boolean lastOfAccessUnit, RtpSink sink) {
        if (annexB && nal.length + 4 <= MAX_PAYLOAD) {
            ByteBuf packet = header(sink, 4 + nal.length, timestamp, lastOfAccessUnit);
            packet.writeInt(1).writeBytes(nal);
            emit(packet, 4 + nal.length, sink);
            return;
        }
        if (nal.length <= MAX_PAYLOAD) {
            ByteBuf packet = header(sink, nal.length, timestamp, lastOfAccessUnit);
            packet.writeBytes(nal);
            emit(packet, nal.length, sink);
            return;
        }
        // FU-A: the NAL header is replaced by an FU indicator (NRI from the NAL, type 28) and an FU
        // header (start/end bits and the original type); the rest of the NAL is cut into pieces.
        int indicator = (nal[0] & 0xE0) | FU_A;
        int type = nal[0] & 0x1F;
        int chunk = MAX_PAYLOAD - 2;
        for (int offset = 1; offset < nal.length; offset += chunk) {
            int length = Math.min(chunk, nal.length - offset);
            boolean first = offset == 1;
            boolean end = offset + length == nal.length;
            ByteBuf packet = header(sink, 2 + length, timestamp, end && lastOfAccessUnit);
            packet.writeByte(indicator);
            packet.writeByte((first ? 0x80 : 0) | (end ? 0x40 : 0) | type);
            packet.writeBytes(nal, offset, length);
            emit(packet, 2 + length, sink);
        }
    }

    private ByteBuf header(RtpSink sink, int payloadLength, int timestamp, boolean marker) {
        ByteBuf packet = sink.newPacket(RTP_HEADER + payloadLength);
        packet.writeByte(0x80); // version 2, no padding, no extension, no CSRC
        packet.writeByte((marker ? 0x80 : 0) | PAYLOAD_TYPE);
        packet.writeShort(sequence);
        packet.writeInt(timestamp);
        packet.writeInt(ssrc);
        sequence = (sequence + 1) & 0xFFFF;
        return packet;
    }

    private void emit(ByteBuf packet, int payloadLength, RtpSink sink) {
        packetCount++;
        octetCount += payloadLength;
        sink.send(packet, false);
    }
}
