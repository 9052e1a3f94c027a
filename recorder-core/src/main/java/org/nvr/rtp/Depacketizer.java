package org.nvr.rtp;

import java.util.function.Consumer;
import org.nvr.media.Frame;

/**
 * Turns one track's RTP payloads into {@link Frame}s, one payload format each. Packets come in
 * sequence order, already checked by a {@link SequenceTracker}; a gap is announced with
 * {@link #discontinuity()} before the packet after it, so that nothing assembled across the gap is
 * ever handed out: a frame is whole or it is dropped (and counted).
 *
 * <p>Not thread-safe; one per track, on its event loop. Payload bytes are copied out of the packet
 * before {@link #push} returns.
 */
public interface Depacketizer {

    /**
     * Takes the next packet; hands {@code out} every frame it completes (none, one, or several).
     *
     * @param timestamp the packet's RTP timestamp extended to 64 bits ({@link TimestampExtender})
     */
    void push(RtpPacket packet, long timestamp, Consumer<Frame> out);

    /** Packets were lost (or the sender restarted) just before the next one pushed. */
    void discontinuity();

    /** Frames dropped because they were incomplete, damaged, or undecodable after a loss. */
    long droppedFrames();
}
