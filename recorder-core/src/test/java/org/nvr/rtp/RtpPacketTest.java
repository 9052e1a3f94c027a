package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class RtpPacketTest {

    private static final byte[] PAYLOAD = {0x65, 1, 2, 3, 4};

    @Test
    void readsEveryHeaderField() {
        RtpPacket packet = RtpPacket.parse(Packets.bytes(97, 0xCAFEBABE, 0xFFFF, 0xFFFF_FFF0, true, PAYLOAD));

        assertTrue(packet.marker());
        assertEquals(97, packet.payloadType());
        assertEquals(0xFFFF, packet.sequence());
        assertEquals(0xFFFF_FFF0, packet.timestamp());
        assertEquals(0xCAFEBABE, packet.ssrc());
        assertArrayEquals(PAYLOAD, ByteBufUtil.getBytes(packet.payload()));
    }

    @Test
    void payloadIsASliceOfTheArrayNotACopy() {
        byte[] bytes = Packets.bytes(96, 1, 2, 3, false, PAYLOAD);
        ByteBuf payload = RtpPacket.parse(bytes).payload();

        assertSame(bytes, payload.array());
        assertEquals(12, payload.arrayOffset() + payload.readerIndex());
    }

    @Test
    void parsingFromAByteBufLeavesItsIndexesAlone() {
        ByteBuf buffer = Unpooled.wrappedBuffer(new byte[] {9, 9}, Packets.bytes(96, 1, 2, 3, false, PAYLOAD));
        buffer.readerIndex(2);

        RtpPacket packet = RtpPacket.parse(buffer);

        assertEquals(2, buffer.readerIndex());
        assertArrayEquals(PAYLOAD, ByteBufUtil.getBytes(packet.payload()));
    }

    @Test
    void csrcListIsSkipped() {
        byte[] bytes = Packets.bytes(96, 1, 2, 3, false, Packets.concat(new byte[8], PAYLOAD));
        bytes[0] = (byte) 0x82; // two CSRCs

        assertArrayEquals(PAYLOAD, ByteBufUtil.getBytes(RtpPacket.parse(bytes).payload()));
    }

    /** CAMERA-QUIRKS: RTP header extensions present: parse the length, skip the extension. */
    @Test
    void rtpHeaderExtensionIsSkipped() {
        byte[] extension = {(byte) 0xAB, (byte) 0xAC, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8}; // profile, 2 words
        byte[] bytes = Packets.bytes(96, 1, 2, 3, true, Packets.concat(extension, PAYLOAD));
        bytes[0] = (byte) 0x90;

        RtpPacket packet = RtpPacket.parse(bytes);

        assertArrayEquals(PAYLOAD, ByteBufUtil.getBytes(packet.payload()));
        assertTrue(packet.marker());
    }

    @Test
    void paddingIsRemoved() {
        byte[] bytes = Packets.bytes(96, 1, 2, 3, false, Packets.concat(PAYLOAD, new byte[] {0, 0, 3}));
        bytes[0] = (byte) 0xA0;

        assertArrayEquals(PAYLOAD, ByteBufUtil.getBytes(RtpPacket.parse(bytes).payload()));
    }

    @Test
    void malformedPacketsAreRejectedWithAReasonNotAnException() {
        assertRejected(new byte[] {(byte) 0x80, 96, 0, 1}, "shorter than an RTP header: 4 bytes");

        byte[] version1 = Packets.bytes(96, 1, 2, 3, false, PAYLOAD);
        version1[0] = 0x40;
        assertRejected(version1, "RTP version 1, not 2");

        byte[] csrcs = Packets.bytes(96, 1, 2, 3, false, PAYLOAD);
        csrcs[0] = (byte) 0x8F;
        assertRejected(csrcs, "CSRC list of 15 runs past the end of a 17-byte packet");

        byte[] extension = Packets.bytes(96, 1, 2, 3, false, new byte[] {0, 0, 0, 9, 1, 2, 3, 4});
        extension[0] = (byte) 0x90;
        assertRejected(extension, "header extension of 9 words runs past the end of a 20-byte packet");

        byte[] noRoomForExtension = Packets.bytes(96, 1, 2, 3, false, new byte[] {0, 0});
        noRoomForExtension[0] = (byte) 0x90;
        assertRejected(noRoomForExtension, "header extension flag set but no room for its header in a 14-byte packet");

        byte[] padding = Packets.bytes(96, 1, 2, 3, false, new byte[] {1, 2, 40});
        padding[0] = (byte) 0xA0;
        assertRejected(padding, "padding of 40 bytes does not fit a 15-byte packet");

        byte[] zeroPadding = Packets.bytes(96, 1, 2, 3, false, new byte[] {1, 2, 0});
        zeroPadding[0] = (byte) 0xA0;
        assertRejected(zeroPadding, "padding of 0 bytes does not fit a 15-byte packet");
    }

    /** An RTCP packet on an RTP channel (rtcp-mux, or a camera's mix-up) is not taken for RTP. */
    @Test
    void rtcpPacketIsRejected() {
        byte[] senderReport = new byte[28];
        senderReport[0] = (byte) 0x80;
        senderReport[1] = (byte) 200;

        assertRejected(senderReport, "an RTCP packet (type 200), not RTP");
    }

    @Test
    void wellFormedPacketHasNoRejection() {
        assertNull(RtpPacket.rejection(Unpooled.wrappedBuffer(Packets.bytes(96, 1, 2, 3, false, new byte[0]))));
        assertFalse(RtpPacket.parse(Packets.bytes(96, 1, 2, 3, false, new byte[0])).payload().isReadable());
    }

    private static void assertRejected(byte[] bytes, String reason) {
        assertNull(RtpPacket.parse(bytes));
        assertEquals(reason, RtpPacket.rejection(Unpooled.wrappedBuffer(bytes)));
    }
}
