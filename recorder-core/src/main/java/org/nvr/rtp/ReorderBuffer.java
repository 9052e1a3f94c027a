package org.nvr.rtp;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Puts one track's RTP packets back into sequence order when UDP delivered them out of order: a small
 * jitter buffer keyed by sequence number. A packet that comes after a gap is held (copied) until the
 * packets before it arrive, or until it has been held for {@code maxDelay}, or until holding more than
 * {@code capacity} packets would be needed; then the gap is given up and the packets after it go on, so
 * the {@link SequenceTracker} behind it counts the loss and the {@link Depacketizer} drops the damaged
 * pictures (never writing a corrupt one). A packet that turns up after its gap was given up goes on too
 * and is skipped there as late.
 *
 * <p>Bounded twice: never more than {@code capacity} packets held, never one longer than
 * {@code maxDelay} once the owner calls {@link #expire} at {@link #deadlineNanos()}. Over TCP nothing is
 * reordered and this is not used.
 *
 * <p>What is not a reordering passes straight through in arrival order: the first packet, a packet of
 * another SSRC (the buffer starts again from it, handing out what it held), a jump of the sequence number
 * by more than {@link SequenceTracker#MAX_JUMP}, a duplicate or late packet. Those are the tracker's to
 * judge.
 *
 * <p>Not thread-safe; one per track, on its connection's event loop. Time is the caller's ticker.
 */
public final class ReorderBuffer {

    private final RtpPacket[] held;
    private final long[] heldSince;
    private final int mask;
    private final long maxDelayNanos;
    private boolean started;
    private int ssrc;
    /** The sequence number to hand out next. */
    private int expected;
    private int count;
    private long reordered;
    private long gapsGivenUp;
    private long duplicates;

    /**
     * @param capacity the most packets held, a power of two (and at most 1024)
     * @param maxDelay the longest a packet is held waiting for the ones before it
     */
    public ReorderBuffer(int capacity, Duration maxDelay) {
        if (capacity < 2 || capacity > 1024 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity must be a power of two from 2 to 1024: " + capacity);
        }
        if (maxDelay.isNegative() || maxDelay.isZero()) {
            throw new IllegalArgumentException("maxDelay must be positive: " + maxDelay);
        }
        this.held = new RtpPacket[capacity];
        this.heldSince = new long[capacity];
        this.mask = capacity - 1;
        this.maxDelayNanos = maxDelay.toNanos();
    }

    /**
     * Takes the next packet to arrive; hands {@code out} it and whatever it frees, in sequence order.
     * {@code packet} is valid only during the call (its buffer is the caller's): one that is held is copied.
     *
     * @param nowNanos the caller's ticker when the packet arrived
     */
    public void push(RtpPacket packet, long nowNanos, Consumer<RtpPacket> out) {
        if (!started || packet.ssrc() != ssrc) {
            flush(out);
            started = true;
            ssrc = packet.ssrc();
            expected = (packet.sequence() + 1) & 0xFFFF;
            out.accept(packet);
            return;
        }
        int delta = (short) (packet.sequence() - expected);
        if (delta == 0) {
            if (count > 0) {
                reordered++; // it fills a gap that later packets already went past
            }
            out.accept(packet);
            expected = (expected + 1) & 0xFFFF;
            drain(out);
            return;
        }
        if (delta < 0 || delta > SequenceTracker.MAX_JUMP) {
            if (delta > 0) { // the sender started again: what is held belongs to before
                flush(out);
                expected = (packet.sequence() + 1) & 0xFFFF;
            }
            out.accept(packet); // late, duplicate, or a restart: the tracker's to judge
            return;
        }
        while (delta >= held.length && count > 0) {
            giveUpGap(out); // no room to wait that far ahead: the oldest gap is lost
            delta = (short) (packet.sequence() - expected);
        }
        if (delta >= held.length) {
            gapsGivenUp++;
            expected = (packet.sequence() + 1) & 0xFFFF;
            out.accept(packet);
            return;
        }
        if (delta == 0) {
            out.accept(packet);
            expected = (expected + 1) & 0xFFFF;
            drain(out);
            return;
        }
        int slot = packet.sequence() & mask;
        if (held[slot] != null) {
            duplicates++;
            return;
        }
        held[slot] = packet.copy();
        heldSince[slot] = nowNanos;
        count++;
    }

    /** Gives up the gaps whose next packet has waited {@code maxDelay}; hands {@code out} what that frees. */
    public void expire(long nowNanos, Consumer<RtpPacket> out) {
        while (count > 0 && nowNanos - oldestSince() >= maxDelayNanos) {
            giveUpGap(out);
        }
    }

    /** When the oldest held packet has waited {@code maxDelay}: call {@link #expire} then; MAX_VALUE when none. */
    public long deadlineNanos() {
        return count == 0 ? Long.MAX_VALUE : oldestSince() + maxDelayNanos;
    }

    /** Hands out everything held, in order, giving up every gap. */
    public void flush(Consumer<RtpPacket> out) {
        while (count > 0) {
            giveUpGap(out);
        }
    }

    /** Packets held now. */
    public int held() {
        return count;
    }

    /** Packets that arrived after later ones and were put back in their place. */
    public long reordered() {
        return reordered;
    }

    /** Gaps waited for in vain: their packets are lost (or come too late to be used). */
    public long gapsGivenUp() {
        return gapsGivenUp;
    }

    /** Packets dropped for arriving twice while their copy was held. */
    public long duplicates() {
        return duplicates;
    }

    /** Skips to the first held packet and hands out the run from there. */
    private void giveUpGap(Consumer<RtpPacket> out) {
        for (int step = 1; step < held.length; step++) {
            int sequence = (expected + step) & 0xFFFF;
            RtpPacket packet = held[sequence & mask];
            if (packet != null && packet.sequence() == sequence) {
                gapsGivenUp++;
                expected = sequence;
                drain(out);
                return;
            }
        }
        throw new IllegalStateException("held packets out of the window"); // cannot happen: all are within it
    }

    private void drain(Consumer<RtpPacket> out) {
        while (count > 0) {
            int slot = expected & mask;
            RtpPacket packet = held[slot];
            if (packet == null || packet.sequence() != expected) {
                return;
            }
            held[slot] = null;
            count--;
            out.accept(packet);
            expected = (expected + 1) & 0xFFFF;
        }
    }

    private long oldestSince() {
        long oldest = Long.MAX_VALUE;
        boolean any = false;
        for (int i = 0; i < held.length; i++) {
            if (held[i] != null && (!any || heldSince[i] - oldest < 0)) {
                oldest = heldSince[i];
                any = true;
            }
        }
        return oldest;
    }
}
