package org.nvr.rtp;

/**
 * Follows one track's RTP sequence numbers (16 bits, wrapping) and SSRC, and says for each packet
 * whether to use it, counting what went missing, came late or came twice.
 *
 * <p><b>Where counting starts.</b> The first packet received starts the count, not the {@code seq} of
 * the PLAY reply's {@code RTP-Info}: cameras send {@code seq=0} or {@code seq=1} there whatever their
 * packets carry (CAMERA-QUIRKS.md), so trusting it would report a burst of loss at every start.
 *
 * <p><b>SSRC.</b> The first packet's SSRC is the track's. A packet from another SSRC is ignored
 * (counted as foreign): stray packets from another sender are skipped. But a camera whose encoder
 * restarts mid-session continues under a new SSRC, so when {@value #SSRC_SWITCH_PACKETS} packets in a
 * row come from one new SSRC and none from the old, the tracker follows it and says
 * {@link Verdict#RESTARTED} (the depacketizer starts again at the next keyframe). A jump of the
 * sequence number by more than {@value #MAX_JUMP} either way is taken as such a restart too.
 *
 * <p><b>Reordering.</b> Packets are used in arrival order. A gap is counted as lost when it is seen;
 * a packet that arrives after the gap was passed is counted late and skipped, since the picture it
 * belonged to has already been dropped. (Over TCP nothing is reordered; over UDP a {@link ReorderBuffer}
 * in front of this puts packets back in order, so only what it gave up on comes late.) Duplicates, recognised among the
 * last 64 sequence numbers, are counted and skipped.
 *
 * <p>Not thread-safe; one per track, on its event loop.
 */
public final class SequenceTracker {

    /** Packets in a row from one new SSRC after which the track follows it. */
    static final int SSRC_SWITCH_PACKETS = 8;
    /** A sequence jump larger than this (RFC 3550's MAX_DROPOUT) is a restart, not loss. */
    static final int MAX_JUMP = 3000;

    /** What to do with a packet. */
    public enum Verdict {
        /** The next packet in sequence: use it. */
        NEXT,
        /** Use it, but packets before it were lost: whatever they belonged to is incomplete. */
        AFTER_GAP,
        /** The sender started again (new SSRC or sequence): use it, as the start of a new stream. */
        RESTARTED,
        /** Already received, or older than packets already used: skip it. */
        SKIP_LATE_OR_DUPLICATE,
        /** From an SSRC that is not the track's: skip it. */
        SKIP_FOREIGN
    }

    private boolean started;
    private int ssrc;
    /** The sequence number expected next. */
    private int expected;
    /** Bit i set: sequence number (expected - 1 - i) was received. */
    private long received;
    private int candidateSsrc;
    private int candidatePackets;

    private long lost;
    private long late;
    private long duplicates;
    private long foreign;
    private long restarts;

    /** Classifies the next packet to arrive, given its SSRC and sequence number, and counts it. */
    public Verdict accept(int packetSsrc, int sequence) {
        if (!started) {
            start(packetSsrc, sequence);
            return Verdict.NEXT;
        }
        if (packetSsrc != ssrc) {
            if (packetSsrc == candidateSsrc && candidatePackets > 0) {
                candidatePackets++;
            } else {
                candidateSsrc = packetSsrc;
                candidatePackets = 1;
            }
            if (candidatePackets < SSRC_SWITCH_PACKETS) {
                foreign++;
                return Verdict.SKIP_FOREIGN;
            }
            restarts++;
            start(packetSsrc, sequence);
            return Verdict.RESTARTED;
        }
        candidatePackets = 0;
        int delta = (short) (sequence - expected); // signed distance on the 16-bit circle
        if (delta == 0) {
            advance(sequence, 1);
            return Verdict.NEXT;
        }
        if (delta > 0 && delta <= MAX_JUMP) {
            lost += delta;
            advance(sequence, delta + 1);
            return Verdict.AFTER_GAP;
        }
        if (delta < 0 && delta >= -MAX_JUMP) {
            int back = -delta - 1; // 0 = the last packet used
            if (back < 64 && (received & (1L << back)) != 0) {
                duplicates++;
            } else {
                late++;
            }
            return Verdict.SKIP_LATE_OR_DUPLICATE;
        }
        restarts++;
        start(packetSsrc, sequence);
        return Verdict.RESTARTED;
    }

    private void start(int packetSsrc, int sequence) {
        started = true;
        ssrc = packetSsrc;
        expected = (sequence + 1) & 0xFFFF;
        received = 1;
        candidatePackets = 0;
    }

    /** Marks {@code sequence} received, {@code step} numbers after the last one used. */
    private void advance(int sequence, int step) {
        received = step >= 64 ? 1 : (received << step) | 1;
        expected = (sequence + 1) & 0xFFFF;
    }

    /** Whether a packet arrived, so that {@link #ssrc()} is the sender's. */
    public boolean started() {
        return started;
    }

    /** The SSRC followed, or 0 before the first packet. */
    public int ssrc() {
        return ssrc;
    }

    /** Packets never received: the sizes of the gaps seen. A packet that turns up late still counts here. */
    public long lost() {
        return lost;
    }

    /** Packets that arrived after later ones had been used, and were skipped. */
    public long late() {
        return late;
    }

    public long duplicates() {
        return duplicates;
    }

    /** Packets skipped for carrying another SSRC. */
    public long foreign() {
        return foreign;
    }

    /** Times the sender started again: an SSRC change followed or a sequence jump. */
    public long restarts() {
        return restarts;
    }
}
