package org.nvr.store;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.media.CameraTime;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * Records one session of one camera from the media-neutral model: the owner of the segment/index
 * invariant for sources that deliver {@link Frame}s (the Netty RTSP client). It starts the run at the
 * first keyframe, cuts segments at keyframes, opens and closes their index rows, hands closed files to
 * the finisher and reports progress to the camera's observer.
 *
 * <p>Threads: called by one thread at a time (the camera's writer lane), never on a network event loop:
 * its calls may block on the disk and on the index, each for a bounded time.
 */
public interface FrameRecorder {

    /** The tracks of the frames that follow, before the first frame and whenever they change. */
    void tracks(List<Track> tracks) throws IOException, SourceException, InterruptedException;

    /**
     * One access unit in arrival order.
     *
     * @throws IOException     the segment cannot be written (a full disk among others); the session ends
     * @throws SourceException the index refused or did not answer in time; the session ends
     */
    void frame(Frame frame) throws IOException, SourceException, InterruptedException;

    /**
     * As {@link #frame(Frame)}, for a frame made from what arrived {@code held} earlier (an AAC frame out of
     * a transcoder, which holds up to two frames of audio): a recorder that places tracks by arrival
     * dates it that much earlier.
     */
    default void frame(Frame frame, Duration held) throws IOException, SourceException, InterruptedException {
        frame(frame);
    }

    /**
     * The camera's clock at a timestamp of one of the tracks (from an RTCP sender report), for placing the
     * tracks against each other as the camera captured them; the newest one of each track counts. A
     * recorder that places tracks only by arrival ignores it.
     */
    default void cameraTime(CameraTime time) throws IOException, SourceException, InterruptedException {
    }

    /**
     * Ends the session: the open segment is closed and handed to the finisher, the run's row ended with
     * {@code reason}. Never throws; safe to call once only.
     *
     * @return how much footage this session recorded
     */
    Duration end(FailureReason reason, String detail);
}
