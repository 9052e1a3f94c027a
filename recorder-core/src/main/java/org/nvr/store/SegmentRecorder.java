package org.nvr.store;

import java.time.Duration;
import java.util.List;
import org.nvr.config.CameraConfig;
import org.nvr.ingest.FailureReason;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.session.CameraObserver;
import org.nvr.session.RecordingSession;
import org.nvr.session.StreamWarnings;

/**
 * The {@link FrameRecorder} of the recorder: fragmented MP4 segments written from {@link Frame}s.
 * TODO: being written (issue 14); this placeholder fixes the constructor sources code against.
 */
public final class SegmentRecorder implements FrameRecorder {

    public SegmentRecorder(CameraConfig camera, RecordingSession.Context ctx, CameraObserver observer,
                           StreamWarnings warnings) {
    }

    @Override
    public void tracks(List<Track> tracks) {
        throw new UnsupportedOperationException("not written yet");
    }

    @Override
    public void frame(Frame frame) {
        throw new UnsupportedOperationException("not written yet");
    }

    @Override
    public Duration end(FailureReason reason, String detail) {
        return Duration.ZERO;
    }
}
