package org.nvr.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.nvr.rtp.Packets.rtp;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

class RtpTrackReceiverTest {

    private final List<Frame> frames = new ArrayList<>();
    private final RtpTrackReceiver receiver = new RtpTrackReceiver(8,
            new G711Depacketizer(Track.audio(1, Codec.PCMA, 8000, null, 8000, 1)));

    /** CAMERA-QUIRKS (Geovision): payload type 50 or other stray packets interleaved: skip unknown PTs. */
    @Test
    void strayPayloadTypesAreSkipped() {
        receiver.receive(rtp(8, 5, 1, 0, false, new byte[160]), frames::add);
        receiver.receive(rtp(50, 5, 2, 0, false, new byte[40]), frames::add);
        receiver.receive(rtp(8, 5, 2, 160, false, new byte[160]), frames::add);

        assertEquals(2, frames.size());
        assertEquals(1, receiver.otherPayloadTypes());
        assertEquals(0, receiver.sequence().lost(), "the stray packet's sequence number is not the track's");
    }

    @Test
    void duplicatesAndForeignSsrcsNeverReachTheDepacketizer() {
        receiver.receive(rtp(8, 5, 1, 0, false, new byte[160]), frames::add);
        receiver.receive(rtp(8, 5, 1, 0, false, new byte[160]), frames::add);
        receiver.receive(rtp(8, 6, 2, 160, false, new byte[160]), frames::add);

        assertEquals(1, frames.size());
        assertEquals(1, receiver.sequence().duplicates());
        assertEquals(1, receiver.sequence().foreign());
    }

    @Test
    void afterAnSsrcChangeTimesContinueWithoutGoingBack() {
        receiver.receive(rtp(8, 5, 1, 1_000_000, false, new byte[160]), frames::add);
        for (int i = 0; i < SequenceTracker.SSRC_SWITCH_PACKETS; i++) {
            receiver.receive(rtp(8, 6, 700 + i, 42 + 160 * i, false, new byte[160]), frames::add);
        }
        receiver.receive(rtp(8, 6, 700 + SequenceTracker.SSRC_SWITCH_PACKETS, 42 + 160 * SequenceTracker.SSRC_SWITCH_PACKETS,
                false, new byte[160]), frames::add);

        assertEquals(List.of(1_000_000L, 1_000_001L, 1_000_161L), frames.stream().map(Frame::pts).toList());
        assertEquals(1, receiver.sequence().restarts());
    }
}
