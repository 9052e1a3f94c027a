package org.nvr.rtp;

/**
 * Extends one track's 32-bit RTP timestamps to a {@code long} that keeps counting past the wrap (at
 * 90 kHz the 32-bit timestamp wraps every 13 hours). Each timestamp is read as the nearest value to the
 * previous one, so timestamps that go back a little (B-frames are sent in decoding order with their
 * presentation times) come out a little smaller instead of 2^32 larger.
 *
 * <p>The first timestamp is taken as it is, unsigned: frames' times are absolute in the track's clock,
 * and whoever writes them subtracts the first. Not thread-safe; one per track, on its event loop.
 */
public final class TimestampExtender {

    private boolean started;
    /** The last timestamp unwrapped, in the sender's own numbering. */
    private long unwrapped;
    /** Added to {@link #unwrapped}: zero until the sender restarts. */
    private long base;

    /** The extended value of {@code timestamp}, an RTP timestamp as sent (unsigned, in an int). */
    public long extend(int timestamp) {
        if (!started) {
            started = true;
            unwrapped = Integer.toUnsignedLong(timestamp);
        } else {
            unwrapped += timestamp - (int) unwrapped; // two's complement: the nearest way round the circle
        }
        return unwrapped + base;
    }

    /**
     * The value {@link #extend}{@code (timestamp)} would give now, without moving on: for a timestamp that
     * is not a frame's, such as an RTCP sender report's. Before the first frame, the timestamp unsigned.
     */
    public long peek(int timestamp) {
        if (!started) {
            return Integer.toUnsignedLong(timestamp);
        }
        return unwrapped + (timestamp - (int) unwrapped) + base;
    }

    /**
     * Continues after a restart of the sender (a new SSRC, a sequence jump) whose timestamps bear no
     * relation to the old ones: the next {@link #extend}{@code (timestamp)} gives one tick after the last
     * value given, so times never go backwards for the writer, and later timestamps follow from there.
     */
    public void restart(int timestamp) {
        if (!started) {
            return;
        }
        long next = unwrapped + base + 1;
        unwrapped = Integer.toUnsignedLong(timestamp);
        base = next - unwrapped;
    }
}
