package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nvr.rtp.SequenceTracker.Verdict.AFTER_GAP;
import static org.nvr.rtp.SequenceTracker.Verdict.NEXT;
import static org.nvr.rtp.SequenceTracker.Verdict.RESTARTED;
import static org.nvr.rtp.SequenceTracker.Verdict.SKIP_FOREIGN;
import static org.nvr.rtp.SequenceTracker.Verdict.SKIP_LATE_OR_DUPLICATE;

import org.junit.jupiter.api.Test;

class SequenceTrackerTest {

    private static final int SSRC = 7;

    /**
     * CAMERA-QUIRKS: {@code seq=0}/{@code seq=1} in RTP-Info that are simply wrong: the tracker takes no
     * expected sequence number at all; the first packet starts the count, and no loss is reported.
     */
    @Test
    void rtpInfoSeqIsNotTrustedTheFirstPacketStartsTheCount() {
        SequenceTracker tracker = new SequenceTracker();

        assertEquals(NEXT, tracker.accept(SSRC, 40_000));
        assertEquals(NEXT, tracker.accept(SSRC, 40_001));
        assertEquals(0, tracker.lost());
    }

    @Test
    void wrapFrom65535To0IsNoLoss() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 65_534);

        assertEquals(NEXT, tracker.accept(SSRC, 65_535));
        assertEquals(NEXT, tracker.accept(SSRC, 0));
        assertEquals(NEXT, tracker.accept(SSRC, 1));
        assertEquals(0, tracker.lost());
    }

    @Test
    void gapIsCountedAsLostAlsoAcrossTheWrap() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 65_533);

        assertEquals(AFTER_GAP, tracker.accept(SSRC, 1)); // 65534, 65535 and 0 missing
        assertEquals(3, tracker.lost());
        assertEquals(NEXT, tracker.accept(SSRC, 2));
    }

    @Test
    void duplicatesAndLatePacketsAreSkippedAndCountedApart() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 100);
        tracker.accept(SSRC, 102); // 101 lost... for now

        assertEquals(SKIP_LATE_OR_DUPLICATE, tracker.accept(SSRC, 102));
        assertEquals(SKIP_LATE_OR_DUPLICATE, tracker.accept(SSRC, 100));
        assertEquals(SKIP_LATE_OR_DUPLICATE, tracker.accept(SSRC, 101)); // ...and late: its picture is gone
        assertEquals(2, tracker.duplicates());
        assertEquals(1, tracker.late());
        assertEquals(1, tracker.lost());
        assertEquals(NEXT, tracker.accept(SSRC, 103));
    }

    @Test
    void duplicateIsRecognisedAcrossTheWrap() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 65_535);
        tracker.accept(SSRC, 0);

        assertEquals(SKIP_LATE_OR_DUPLICATE, tracker.accept(SSRC, 65_535));
        assertEquals(1, tracker.duplicates());
    }

    @Test
    void strayPacketsFromAnotherSsrcAreIgnored() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 10);

        for (int i = 0; i < SequenceTracker.SSRC_SWITCH_PACKETS - 1; i++) {
            assertEquals(SKIP_FOREIGN, tracker.accept(99, 5000 + i));
        }
        assertEquals(NEXT, tracker.accept(SSRC, 11));
        assertEquals(SKIP_FOREIGN, tracker.accept(99, 6000)); // the run starts again
        assertEquals(SequenceTracker.SSRC_SWITCH_PACKETS, tracker.foreign());
        assertEquals(SSRC, tracker.ssrc());
        assertEquals(0, tracker.lost());
    }

    /** A camera whose encoder restarts continues under a new SSRC: followed once it persists. */
    @Test
    void ssrcChangeIsFollowedWhenTheNewOnePersists() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 10);

        for (int i = 0; i < SequenceTracker.SSRC_SWITCH_PACKETS - 1; i++) {
            assertEquals(SKIP_FOREIGN, tracker.accept(99, 5000 + i));
        }
        assertEquals(RESTARTED, tracker.accept(99, 5000 + SequenceTracker.SSRC_SWITCH_PACKETS - 1));
        assertEquals(NEXT, tracker.accept(99, 5000 + SequenceTracker.SSRC_SWITCH_PACKETS));
        assertEquals(99, tracker.ssrc());
        assertEquals(1, tracker.restarts());
        assertEquals(SKIP_FOREIGN, tracker.accept(SSRC, 11));
    }

    @Test
    void aJumpBeyondAnyPlausibleLossIsARestart() {
        SequenceTracker tracker = new SequenceTracker();
        tracker.accept(SSRC, 10);

        assertEquals(AFTER_GAP, tracker.accept(SSRC, 11 + SequenceTracker.MAX_JUMP)); // the most that is loss
        assertEquals(RESTARTED, tracker.accept(SSRC, 12 + 2 * SequenceTracker.MAX_JUMP + 1));
        assertEquals(SequenceTracker.MAX_JUMP, tracker.lost());
        assertEquals(1, tracker.restarts());
        assertEquals(NEXT, tracker.accept(SSRC, 12 + 2 * SequenceTracker.MAX_JUMP + 2));
    }
}
