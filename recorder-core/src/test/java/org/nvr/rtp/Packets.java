package org.nvr.rtp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.nvr.media.Frame;

/** Hand-built RTP packets and helpers for the depacketizer tests. */
final class Packets {

    static final int SSRC = 0x1234_5678;

    private Packets() {
    }

    /** A packet with payload type 96 and SSRC {@link #SSRC}. */
    static RtpPacket rtp(int sequence, int timestamp, boolean marker, byte[] payload) {
        return rtp(96, SSRC, sequence, timestamp, marker, payload);
    }

    static RtpPacket rtp(int payloadType, int ssrc, int sequence, int timestamp, boolean marker, byte[] payload) {
        return RtpPacket.parse(bytes(payloadType, ssrc, sequence, timestamp, marker, payload));
    }

    static byte[] bytes(int payloadType, int ssrc, int sequence, int timestamp, boolean marker, byte[] payload) {
        byte[] packet = new byte[12 + payload.length];
        packet[0] = (byte) 0x80;
        packet[1] = (byte) ((marker ? 0x80 : 0) | payloadType);
        packet[2] = (byte) (sequence >> 8);
        packet[3] = (byte) sequence;
        putInt(packet, 4, timestamp);
        putInt(packet, 8, ssrc);
        System.arraycopy(payload, 0, packet, 12, payload.length);
        return packet;
    }

    static void putInt(byte[] to, int at, int value) {
        to[at] = (byte) (value >>> 24);
        to[at + 1] = (byte) (value >>> 16);
        to[at + 2] = (byte) (value >>> 8);
        to[at + 3] = (byte) value;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** A NAL unit: {@code header} then {@code length - header.length} bytes counting up from 1. */
    static byte[] nal(int length, int... header) {
        byte[] nal = new byte[length];
        for (int i = 0; i < length; i++) {
            nal[i] = i < header.length ? (byte) header[i] : (byte) (i % 200 + 1);
        }
        return nal;
    }

    /** A frame's data split back into its NAL units (4-byte lengths). */
    static List<byte[]> nalUnits(Frame frame) {
        byte[] data = frame.data();
        List<byte[]> nals = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            int length = ((data[at] & 0xFF) << 24) | ((data[at + 1] & 0xFF) << 16) | ((data[at + 2] & 0xFF) << 8)
                    | (data[at + 3] & 0xFF);
            byte[] nal = new byte[length];
            System.arraycopy(data, at + 4, nal, 0, length);
            nals.add(nal);
            at += 4 + length;
        }
        return nals;
    }
}
