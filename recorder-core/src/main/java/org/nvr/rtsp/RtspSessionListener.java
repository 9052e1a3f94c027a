package org.nvr.rtsp;

import java.util.List;
import org.nvr.camera.SourceException;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * What an {@link RtspSession} tells its owner. Every call comes on the session's event loop, one at a
 * time; an implementation must not block (hand frames to another thread if writing them can wait on a
 * disk).
 */
public interface RtspSessionListener {

    /** After every SETUP succeeded, before PLAY: the tracks frames will belong to (in SDP order). */
    void onTracks(List<Track> tracks);

    /** One access unit of one track; the first video frame is a keyframe. */
    void onFrame(Frame frame);

    /**
     * A sender report of a track's SSRC: the camera's wall clock at one of the track's timestamps, in the
     * numbering of its frames' {@code pts}. Comes whenever the camera sends one (every few seconds), for
     * every track.
     */
    default void onCameraTime(org.nvr.media.CameraTime time) {
    }

    /**
     * Exactly once, when the connection has closed: {@code reason} says why ({@link
     * org.nvr.camera.FailureReason#SHUTDOWN} after {@link RtspSession#close()}).
     */
    void onClosed(SourceException reason);
}
