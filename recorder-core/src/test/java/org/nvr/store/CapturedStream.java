package org.nvr.store;

import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.nvr.camera.SourceException;
import org.nvr.media.CameraTime;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.rtsp.RtspSession;
import org.nvr.rtsp.RtspSessionListener;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.testing.Poll;

/**
 * What our RTSP client received from a real server: the tracks and every frame from the first video
 * keyframe on, each with its arrival (nanoseconds from the first), and the camera times of every sender
 * report. Replayed into a {@link SegmentRecorder}
 * on the test's thread, so a test sees exactly what was sent and what was written. Immutable once
 * captured.
 */
record CapturedStream(List<Track> tracks, List<Frame> frames, List<Long> arrivalNanos, List<CameraTime> cameraTimes) {

    CapturedStream(List<Track> tracks, List<Frame> frames, List<Long> arrivalNanos) {
        this(tracks, frames, arrivalNanos, List.of());
    }

    /** The newest sender report's camera time of track {@code index}. */
    CameraTime lastCameraTime(int index) {
        return cameraTimes.stream().filter(t -> t.track() == index).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no sender report of track " + index));
    }

    /** Plays {@code url} until {@code enough} holds for the frames received, then closes the session. */
    static CapturedStream capture(EventLoopGroup group, String url, Predicate<List<Frame>> enough) throws Exception {
        Listener listener = new Listener();
        RtspSession session = RtspSession.open(group, URI.create(url), Optional.empty(), RtspSessionOptions.defaults(),
                listener);
        try {
            Poll.until(Duration.ofSeconds(30), "frames from " + url, () -> enough.test(listener.frames()));
        } finally {
            session.close();
        }
        session.closeFuture().get(5, TimeUnit.SECONDS);
        return listener.captured();
    }

    /** Video frames (track 0). */
    List<Frame> video() {
        return frames.stream().filter(f -> f.track().codec().isVideo()).toList();
    }

    List<Frame> audio() {
        return frames.stream().filter(f -> !f.track().codec().isVideo()).toList();
    }

    /** How many video frames span {@code seconds} (by presentation time). */
    static Predicate<List<Frame>> videoSeconds(double seconds) {
        return frames -> {
            List<Frame> v = frames.stream().filter(f -> f.track().codec().isVideo()).toList();
            return !v.isEmpty() && (v.get(v.size() - 1).pts() - v.get(0).pts()) >= seconds * v.get(0).track().clockRate();
        };
    }

    private static final class Listener implements RtspSessionListener {
        private final List<Frame> frames = new ArrayList<>();
        private final List<Long> arrivals = new ArrayList<>();
        private final List<CameraTime> cameraTimes = new ArrayList<>();
        private volatile List<Track> tracks = List.of();
        private long first;
        private boolean keyframeSeen;

        @Override
        public void onTracks(List<Track> tracks) {
            this.tracks = tracks;
        }

        @Override
        public synchronized void onFrame(Frame frame) {
            if (!keyframeSeen) {
                if (!frame.track().codec().isVideo() || !frame.keyframe()) {
                    return;
                }
                keyframeSeen = true;
                first = System.nanoTime();
            }
            frames.add(frame);
            arrivals.add(System.nanoTime() - first);
        }

        @Override
        public synchronized void onCameraTime(CameraTime time) {
            cameraTimes.add(time);
        }

        @Override
        public void onClosed(SourceException reason) {
        }

        synchronized List<Frame> frames() {
            return List.copyOf(frames);
        }

        synchronized CapturedStream captured() {
            return new CapturedStream(tracks, List.copyOf(frames), List.copyOf(arrivals), List.copyOf(cameraTimes));
        }
    }
}
