package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class H264PacketizerTest {

    /** Keeps every packet as a byte array. */
    private static final class CapturingSink implements RtpSink {
        final List<byte[]> rtp = new ArrayList<>();

        @Override
        public ByteBuf newPacket(int length) {
            return Unpooled.buffer(length);
        }

        @Override
        public void send(ByteBuf packet, boolean rtcp) {
            rtp.add(ByteBufUtil.getBytes(packet));
            packet.release();
        }

        @Override
        public void sendGarbage(byte[] bytes) {
            throw new AssertionError("the packetizer never sends garbage");
        }

        @Override
        public void flush() {
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public String transportHeader() {
            return "test";
        }
    }

    private static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, 1};
    private static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};

    @Test
    void keyframeGoesAsParameterSetsThenFuAFragments() {
        byte[] idr = new byte[3000];
        idr[0] = 0x65; // NRI 3, type 5
        for (int i = 1; i < idr.length; i++) {
            idr[i] = (byte) i;
        }
        CapturingSink sink = new CapturingSink();
        H264Packetizer packetizer = new H264Packetizer(0x11223344, 0xFFFE);
        packetizer.send(new AccessUnit(true, List.of(idr)), SPS, PPS, 12345, sink);

        // SPS, PPS, then 3000 - 1 bytes in pieces of 1398: three fragments.
        assertEquals(5, sink.rtp.size());
        assertArrayEquals(SPS, payload(sink.rtp.get(0)));
        assertArrayEquals(PPS, payload(sink.rtp.get(1)));
        ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
        for (int i = 0; i < sink.rtp.size(); i++) {
            byte[] packet = sink.rtp.get(i);
            assertEquals((0xFFFE + i) & 0xFFFF, ((packet[2] & 0xFF) << 8) | (packet[3] & 0xFF), "sequence wraps");
            assertEquals(12345, RawRtspClient.readInt(packet, 4));
            assertEquals(0x11223344, RawRtspClient.readInt(packet, 8));
            assertEquals(i == 4, (packet[1] & 0x80) != 0, "marker on the last packet only");
            assertTrue(packet.length <= 12 + H264Packetizer.MAX_PAYLOAD);
            if (i >= 2) {
                assertEquals(0x60 | 28, packet[12] & 0xFF, "FU indicator keeps NRI");
                assertEquals((i == 2 ? 0x80 : 0) | (i == 4 ? 0x40 : 0) | 5, packet[13] & 0xFF, "FU header");
                reassembled.write(packet, 14, packet.length - 14);
            }
        }
        assertArrayEquals(Arrays.copyOfRange(idr, 1, idr.length), reassembled.toByteArray());
        assertEquals(5, packetizer.packetCount());
        assertEquals(SPS.length + PPS.length + 3 * 2 + idr.length - 1, packetizer.octetCount());
    }

    @Test
    void smallSlicesGoWholeWithTheMarkerOnTheLast() {
        byte[] first = {0x41, 1, 2, 3};
        byte[] second = {0x41, 4, 5};
        CapturingSink sink = new CapturingSink();
        new H264Packetizer(1, 0).send(new AccessUnit(false, List.of(first, second)), SPS, PPS, 0, sink);
        assertEquals(2, sink.rtp.size());
        assertArrayEquals(first, payload(sink.rtp.get(0)));
        assertFalse((sink.rtp.get(0)[1] & 0x80) != 0);
        assertArrayEquals(second, payload(sink.rtp.get(1)));
        assertTrue((sink.rtp.get(1)[1] & 0x80) != 0);
    }

    private static byte[] payload(byte[] packet) {
        return Arrays.copyOfRange(packet, 12, packet.length);
    }
}
