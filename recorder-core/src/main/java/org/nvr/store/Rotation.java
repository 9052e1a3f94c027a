package org.nvr.store;

/**
 * When to start a new segment: at the first keyframe once the current segment has reached its target
 * length, or at any keyframe after the stream's parameters changed (codec, resolution, parameter sets),
 * because one MP4 track holds one configuration. The keyframe that triggers a cut opens the new
 * segment, so no frame is lost or written twice across a cut.
 *
 * <p>Pure decision logic in microseconds of stream time; not thread-safe.
 */
public final class Rotation {
    private final long targetMicros;
    private long segmentStart = Long.MIN_VALUE;

    public Rotation(long targetMicros) {
        this.targetMicros = targetMicros;
    }

    /**
     * @param keyframe        whether the packet starts a GOP
     * @param timeMicros      the packet's stream time
     * @param parametersChanged whether the stream configuration differs from the current segment's
     * @return true when this packet must open a new segment (the caller then calls {@link #started})
     */
    public boolean shouldCut(boolean keyframe, long timeMicros, boolean parametersChanged) {
        if (!keyframe) {
            return false;
        }
        return segmentStart == Long.MIN_VALUE || parametersChanged || timeMicros - segmentStart >= targetMicros;
    }

    public void started(long timeMicros) {
        segmentStart = timeMicros;
    }

    public void reset() {
        segmentStart = Long.MIN_VALUE;
    }
}
