package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReorderBufferTest {

    private static final long MS = 1_000_000L;
    private final List<Integer> out = new ArrayList<>();
    private final ReorderBuffer buffer = new ReorderBuffer(8, Duration.ofMillis(100));

    private void push(int sequence, long nowNanos) {
        buffer.push(Packets.rtp(sequence, 0, false, new byte[] {1}), nowNanos, p -> out.add(p.sequence()));
    }

    @Test
    void swappedPacketsComeOutInOrder() {
        push(10, 0);
        push(12, 1);
        push(11, 2);
        push(14, 3);
        push(13, 4);
        assertEquals(List.of(10, 11, 12, 13, 14), out);
        assertEquals(2, buffer.reordered());
        assertEquals(0, buffer.gapsGivenUp());
        assertEquals(0, buffer.held());
    }

    @Test
    void heldPacketsAreCopiesThatOutliveTheCallersBuffer() {
        List<RtpPacket> packets = new ArrayList<>();
        byte[] first = Packets.bytes(96, Packets.SSRC, 1, 0, false, new byte[] {7});
        byte[] later = Packets.bytes(96, Packets.SSRC, 3, 0, false, new byte[] {9});
        buffer.push(RtpPacket.parse(first), 0, packets::add);
        buffer.push(RtpPacket.parse(later), 0, packets::add);
        later[12] = 0; // the caller reuses its buffer
        buffer.push(Packets.rtp(2, 0, false, new byte[] {8}), 0, packets::add);
        assertEquals(9, packets.get(2).payload().getByte(0));
    }

    @Test
    void aGapIsGivenUpAfterTheMaximumDelay() {
        push(1, 0);
        push(3, 10 * MS);
        push(4, 20 * MS);
        assertEquals(List.of(1), out);
        assertEquals(110 * MS, buffer.deadlineNanos());
        buffer.expire(109 * MS, p -> out.add(p.sequence()));
        assertEquals(List.of(1), out);
        buffer.expire(110 * MS, p -> out.add(p.sequence()));
        assertEquals(List.of(1, 3, 4), out);
        assertEquals(1, buffer.gapsGivenUp());
        assertEquals(Long.MAX_VALUE, buffer.deadlineNanos());
        push(2, 120 * MS); // too late: passed on for the tracker to count and skip
        assertEquals(List.of(1, 3, 4, 2), out);
    }

    @Test
    void neverHoldsMoreThanItsCapacity() {
        push(1, 0);
        for (int sequence = 3; sequence <= 9; sequence++) {
            push(sequence, 0);
        }
        assertEquals(7, buffer.held(), "capacity - 1 packets ahead of the gap");
        assertEquals(List.of(1), out);
        push(10, 0); // one more would not fit: the gap is given up
        assertEquals(0, buffer.held());
        assertEquals(List.of(1, 3, 4, 5, 6, 7, 8, 9, 10), out);
        assertEquals(1, buffer.gapsGivenUp());
    }

    @Test
    void sequenceNumbersWrap() {
        push(65534, 0);
        push(0, 0);
        push(65535, 0);
        push(1, 0);
        assertEquals(List.of(65534, 65535, 0, 1), out);
    }

    @Test
    void aNewSsrcOrAHugeJumpStartsAgainHandingOutWhatWasHeld() {
        push(1, 0);
        push(3, 0);
        buffer.push(Packets.rtp(96, 0x0BAD, 500, 0, false, new byte[] {1}), 0, p -> out.add(p.sequence()));
        assertEquals(List.of(1, 3, 500), out);
        buffer.push(Packets.rtp(96, 0x0BAD, 501, 0, false, new byte[] {1}), 0, p -> out.add(p.sequence()));
        buffer.push(Packets.rtp(96, 0x0BAD, 9000, 0, false, new byte[] {1}), 0, p -> out.add(p.sequence()));
        assertEquals(List.of(1, 3, 500, 501, 9000), out);
    }

    @Test
    void duplicatesOfHeldPacketsAreDropped() {
        push(1, 0);
        push(3, 0);
        push(3, 0);
        push(2, 0);
        assertEquals(List.of(1, 2, 3), out);
        assertEquals(1, buffer.duplicates());
    }

    @Test
    void capacityMustBeAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new ReorderBuffer(6, Duration.ofMillis(1)));
    }
}
