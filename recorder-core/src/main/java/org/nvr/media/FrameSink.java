package org.nvr.media;

import java.util.List;

/**
 * Where one camera's media goes as it arrives, in the media-neutral model: the segment writer, the live
 * fan-out to browsers, or both through {@link #tee}. A source calls {@link #tracks} before the first
 * frame of every session (and again when the stream's description changes), then {@link #frame} for every
 * access unit in arrival order, then {@link #end} once when the session is over.
 *
 * <p>Threads: calls for one camera come one at a time from one thread at a time, in order (the source's
 * event loop or its writer lane). An implementation must not block on the network; a slow consumer
 * (a browser) drops or skips, it never holds up the caller.
 */
public interface FrameSink {

    /** The tracks the following frames belong to, with their parameter sets. */
    void tracks(List<Track> tracks);

    /** One access unit; the first video frame after {@link #tracks} is a keyframe. */
    void frame(Frame frame);

    /** The session ended; no frame follows until the next {@link #tracks}. */
    void end();

    /**
     * Whether frames are wanted now. A source may skip building frames (copying bytes out of its
     * buffers) while this is false; it still calls {@link #tracks} and {@link #end}. A sink that starts
     * wanting frames again must expect the next one to be any frame, not necessarily a keyframe.
     */
    default boolean wantsFrames() {
        return true;
    }

    /** A sink that ignores everything. */
    FrameSink NONE = new FrameSink() {
        @Override
        public void tracks(List<Track> tracks) {
        }

        @Override
        public void frame(Frame frame) {
        }

        @Override
        public void end() {
        }

        @Override
        public boolean wantsFrames() {
            return false;
        }
    };

    /** Both, in order: {@code first} then {@code second}. */
    static FrameSink tee(FrameSink first, FrameSink second) {
        if (first == NONE) {
            return second;
        }
        if (second == NONE) {
            return first;
        }
        return new FrameSink() {
            @Override
            public void tracks(List<Track> tracks) {
                first.tracks(tracks);
                second.tracks(tracks);
            }

            @Override
            public void frame(Frame frame) {
                first.frame(frame);
                second.frame(frame);
            }

            @Override
            public void end() {
                first.end();
                second.end();
            }

            @Override
            public boolean wantsFrames() {
                return first.wantsFrames() || second.wantsFrames();
            }
        };
    }
}
