package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RotationTest {
    @Test
    void cutsAtTheFirstKeyframeAfterTheTarget() {
        // 25 fps, a keyframe every 2 s (50 frames), 10 s segments: cuts at 0, 10, 20 s exactly
        Rotation r = new Rotation(10_000_000);
        List<Long> cuts = new ArrayList<>();
        for (long frame = 0; frame < 25 * 31; frame++) {
            long t = frame * 40_000;
            if (r.shouldCut(frame % 50 == 0, t, false)) {
                r.started(t);
                cuts.add(t / 1_000_000);
            }
        }
        assertEquals(List.of(0L, 10L, 20L, 30L), cuts);
    }

    @Test
    void longGopCutsLateNeverEarly() {
        // keyframe every 3 s with a 10 s target: first keyframe at or after 10 s is 12 s
        Rotation r = new Rotation(10_000_000);
        assertTrue(r.shouldCut(true, 0, false));
        r.started(0);
        assertFalse(r.shouldCut(true, 9_000_000, false));
        assertFalse(r.shouldCut(false, 10_500_000, false), "never on a non-keyframe");
        assertTrue(r.shouldCut(true, 12_000_000, false));
    }

    @Test
    void parameterChangeCutsAtOnce() {
        Rotation r = new Rotation(60_000_000);
        r.started(0);
        assertTrue(r.shouldCut(true, 1_000_000, true));
        assertFalse(r.shouldCut(false, 1_000_000, true), "waits for the keyframe carrying the new parameters");
    }

    @Test
    void firstKeyframeOpensTheFirstSegment() {
        Rotation r = new Rotation(60_000_000);
        assertFalse(r.shouldCut(false, 0, false));
        assertTrue(r.shouldCut(true, 123, false));
    }
}
