package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TrackClockTest {
    static final long TPS = 90_000;
    static final long FRAME = 3600; // 40 ms
    static final long FRAME_US = 40_000;

    @Test
    void passesGoodTimestampsThrough() {
        TrackClock c = new TrackClock(TPS, FRAME);
        for (long i = 0; i < 10; i++) {
            TrackClock.Stamp s = c.next(1000 + i * FRAME, 1000 + i * FRAME + 7200, i * FRAME_US);
            assertEquals(1000 + i * FRAME, s.dts());
            assertEquals(1000 + i * FRAME + 7200, s.pts());
        }
        assertEquals(0, c.repairs());
        assertEquals(0, c.discontinuities());
    }

    @Test
    void dropsLeadingPacketsWithoutTimestampsAndFillsLaterOnes() {
        TrackClock c = new TrackClock(TPS, FRAME);
        assertNull(c.next(TrackClock.NO_TS, TrackClock.NO_TS, 0));
        assertEquals(0, c.next(0, 0, 0).dts());
        assertEquals(FRAME, c.next(FRAME, FRAME, FRAME_US).dts());
        assertEquals(2 * FRAME, c.next(TrackClock.NO_TS, TrackClock.NO_TS, 2 * FRAME_US).dts(),
                "missing dts continues by one frame");
        assertEquals(3 * FRAME, c.next(TrackClock.NO_TS, 3 * FRAME, 3 * FRAME_US).dts(), "missing dts taken from pts");
    }

    @Test
    void repeatedOrSlightlyBackwardDtsContinuesOneFrameLater() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0, 0);
        c.next(FRAME, FRAME, FRAME_US);
        assertEquals(2 * FRAME, c.next(FRAME, FRAME, 2 * FRAME_US).dts(), "a repeated dts");
        assertEquals(3 * FRAME, c.next(FRAME - 1080, FRAME - 1080, 3 * FRAME_US).dts(), "12 ms back");
        assertEquals(4 * FRAME, c.next(2 * FRAME - 1080, 2 * FRAME - 1080, 4 * FRAME_US).dts(), "then on as before");
        assertEquals(2, c.repairs());
    }

    @Test
    void clockJumpsBecomeContinuationsAfterTheTimeThatPassed() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0, 0);
        c.next(FRAME, FRAME, FRAME_US);
        // the camera's clock leaps an hour ahead while packets keep arriving every 40 ms
        long jump = 3600 * TPS;
        assertEquals(2 * FRAME, c.next(jump, jump, 2 * FRAME_US).dts());
        assertEquals(3 * FRAME, c.next(jump + FRAME, jump + FRAME, 3 * FRAME_US).dts());
        // then restarts from zero
        assertEquals(4 * FRAME, c.next(0, 0, 4 * FRAME_US).dts());
        assertEquals(5 * FRAME, c.next(FRAME, FRAME, 5 * FRAME_US).dts());
        // a backward jump of 3 s
        assertEquals(6 * FRAME, c.next(FRAME - 3 * TPS, FRAME - 3 * TPS, 6 * FRAME_US).dts());
        assertEquals(3, c.discontinuities());
    }

    @Test
    void aRealGapIsKept() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0, 0);
        c.next(FRAME, FRAME, FRAME_US);
        // nothing for 5 s, then the stream resumes with timestamps that agree: a real gap in the footage
        long later = FRAME + 5 * TPS;
        assertEquals(later, c.next(later, later, FRAME_US + 5_000_000).dts());
        assertEquals(0, c.discontinuities());
    }

    @Test
    void aJumpWhileTheStreamWasQuietContinuesAfterTheRealPause() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0, 0);
        // 3 s of silence, and the camera's clock was reset meanwhile
        assertEquals(3 * TPS, c.next(7, 7, 3_000_000).dts());
    }
}
