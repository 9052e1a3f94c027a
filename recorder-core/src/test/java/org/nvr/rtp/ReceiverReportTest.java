package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReceiverReportTest {

    private static final long MS = 1_000_000L;

    @Test
    void lossJitterAndSenderReportTimesAreReported() {
        ReceptionStats stats = new ReceptionStats(90_000);
        // 65534 .. 10 with 3 and 4 missing: 13 expected, 11 received, across the wrap; packets 40 ms apart, 3600 ticks
        int timestamp = 1000;
        long arrival = 0;
        for (int s = 65534; s != 11; s = (s + 1) & 0xFFFF) {
            if (s != 3 && s != 4) {
                stats.packet(Packets.SSRC, s, timestamp, arrival);
            }
            timestamp += 3600;
            arrival += 40 * MS;
        }
        stats.senderReport(new SenderReport(Packets.SSRC, 0x1234_5678_9ABC_DEF0L, 0, 0, 0), arrival);
        ReceptionStats.ReportBlock block = stats.reportBlock(arrival + 500 * MS);

        assertEquals(Packets.SSRC, block.ssrc());
        assertEquals(2, block.cumulativeLost());
        assertEquals(2 * 256 / 13, block.fractionLost());
        assertEquals(0x1_000AL, block.highestSequence(), "one cycle, then 10");
        assertEquals(0, block.jitter(), "perfectly paced");
        assertEquals(0x5678_9ABCL, block.lastSenderReport());
        assertEquals(32768, block.delaySinceLastSenderReport(), "half a second in 1/65536 s");

        stats.packet(Packets.SSRC, 11, timestamp, arrival + 20 * MS); // 20 ms late: 1800 ticks
        ReceptionStats.ReportBlock next = stats.reportBlock(arrival + MS);
        assertEquals(0, next.fractionLost(), "nothing lost since the last report");
        assertEquals(1800 / 16, next.jitter());
    }

    @Test
    void theCompoundPacketIsAReceiverReportWithACname() {
        ReceptionStats.ReportBlock block = new ReceptionStats.ReportBlock(0xCAFE, 12, -3, 0x1_0005L, 77, 0x1111_2222L, 5);
        ByteBuf packet = ReceiverReport.write(ByteBufAllocator.DEFAULT, 0xABCD, "nvr", List.of(block));
        try {
            RtcpPacket parsed = RtcpPacket.parse(packet);
            assertNotNull(parsed, RtcpPacket.rejection(packet));
            assertEquals(2, parsed.skipped(), "RR and SDES");
            assertEquals(8 + 24 + 16, packet.readableBytes(), "SDES padded to 32 bits");
            assertEquals(0x81, packet.getUnsignedByte(0));
            assertEquals(RtcpPacket.RR, packet.getUnsignedByte(1));
            assertEquals(7, packet.getUnsignedShort(2));
            assertEquals(0xABCD, packet.getInt(4));
            assertEquals(0xCAFE, packet.getInt(8));
            assertEquals(12, packet.getUnsignedByte(12));
            assertEquals(-3, packet.getMedium(13));
            assertEquals(0x1_0005, packet.getInt(16));
            assertEquals(77, packet.getInt(20));
            assertEquals(0x1111_2222, packet.getInt(24));
            assertEquals(5, packet.getInt(28));
            assertEquals(RtcpPacket.SDES, packet.getUnsignedByte(33));
        } finally {
            packet.release();
        }
    }
}
