package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TimestampExtenderTest {

    @Test
    void firstTimestampIsTakenUnsigned() {
        assertEquals(0xFFFF_FF00L, new TimestampExtender().extend(0xFFFF_FF00));
    }

    @Test
    void keepsCountingPastThe32BitWrap() {
        TimestampExtender extender = new TimestampExtender();
        extender.extend(0xFFFF_F000);

        assertEquals(0x1_0000_0000L + 0x0E00, extender.extend(0x0E00));
        assertEquals(0x1_0000_0000L + 0x4000, extender.extend(0x4000));
        // and again, a whole lap later, in steps smaller than half the circle
        extender.extend(0x8000_0000);
        extender.extend(0xF000_0000);
        assertEquals(0x2_0000_0010L, extender.extend(0x10));
    }

    /** B-frames are sent in decoding order with their presentation times: a little back is back, not 2^32 on. */
    @Test
    void aTimestampALittleBackComesOutSmaller() {
        TimestampExtender extender = new TimestampExtender();
        extender.extend(0x0000_0100);

        assertEquals(-0x100L, extender.extend(0xFFFF_FF00));
    }

    /** A sender report's timestamp is extended like a frame's, across the wrap and a restart, without moving on. */
    @Test
    void peekExtendsWithoutMovingOn() {
        TimestampExtender extender = new TimestampExtender();
        assertEquals(0xFFFF_FFF0L, extender.peek(0xFFFF_FFF0), "before any frame: unsigned");
        extender.extend(0xFFFF_F000);

        assertEquals(0x1_0000_0010L, extender.peek(0x10));
        assertEquals(0xFFFF_E000L, extender.peek(0xFFFF_E000), "peeking did not move past the wrap");
        assertEquals(0x1_0000_0010L, extender.extend(0x10));

        extender.restart(500);
        long next = extender.extend(500);
        assertEquals(next + 90_000, extender.peek(90_500), "after a restart, in the frames' numbering");
    }

    @Test
    void afterARestartTimesContinueFromTheLastOne() {
        TimestampExtender extender = new TimestampExtender();
        extender.extend(1_000_000);
        extender.extend(1_003_600);

        extender.restart(42);

        assertEquals(1_003_601, extender.extend(42));
        assertEquals(1_003_601 + 3600, extender.extend(42 + 3600));
    }
}
