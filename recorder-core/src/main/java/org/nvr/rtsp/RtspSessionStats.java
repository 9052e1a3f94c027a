package org.nvr.rtsp;

/**
 * What one {@link RtspSession} received so far, summed over its tracks: for the loss metrics of its
 * camera. A snapshot, refreshed by the session about once a second while it plays and when it ends.
 * Immutable; any thread.
 *
 * @param packetsReceived  RTP packets received from the camera (over UDP: from its address only)
 * @param packetsLost      packets never received: the sizes of the sequence-number gaps seen
 * @param packetsReordered packets that came after later ones and were put back in place (UDP only)
 * @param framesDropped    frames dropped whole because a packet of theirs, or of a picture they depend
 *                         on, was lost (and those before the first keyframe): never written damaged
 */
public record RtspSessionStats(long packetsReceived, long packetsLost, long packetsReordered, long framesDropped) {

    public static final RtspSessionStats NONE = new RtspSessionStats(0, 0, 0, 0);

    /** What was counted since {@code earlier}, a snapshot of the same session: the amounts to add to counters. */
    public RtspSessionStats since(RtspSessionStats earlier) {
        return new RtspSessionStats(packetsReceived - earlier.packetsReceived, packetsLost - earlier.packetsLost,
                packetsReordered - earlier.packetsReordered, framesDropped - earlier.framesDropped);
    }
}
