package org.nvr.source.rtsp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.media.CameraTime;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.store.FrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the camera's live view what its recorder gets (video, and audio as AAC after the G.711
 * transcoder), then passes every call on to the recorder. Two things make RTP frames playable together
 * in a browser, which the recorder does its own way when it writes:
 * <ul>
 *   <li>one timeline: each track's RTP clock starts at a random value, so every track is re-dated to
 *       start where its first frame arrived, counted from the session's first frame (transcoded audio
 *       where its G.711 arrived); a track placed after the camera has told the time of it and of a track
 *       already placed ({@link #cameraTime}, its RTCP sender reports) is placed by the camera's clock
 *       instead, so network delay does not shift audio against video. A track's placement is set once
 *       per announcement and never moves, so the viewer's times never go backwards;</li>
 *   <li>new parameter sets: a video keyframe whose in-band SPS/PPS differ from the track's (a camera that
 *       changed its resolution) announces the tracks again, so the viewer gets a new codec and init.</li>
 * </ul>
 * A failure of the live view is logged once and ends the live view of this session; it never reaches
 * recording.
 *
 * <p>Owned by one session; used on its camera's writer lane only.
 */
final class LiveTap implements FrameRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(LiveTap.class);

    private final String camera;
    private final FrameRecorder recorder;
    private final FrameSink live;
    /** When a track's first frame arrived (nanos), by track index; filled on the event loop. */
    private final ToLongFunction<Integer> firstArrival;
    private final Map<Integer, Long> offsets = new HashMap<>();
    /** The newest camera time of each track (sender reports), by track index. */
    private final Map<Integer, CameraTime> cameraTimes = new HashMap<>();
    private long originNanos = Long.MIN_VALUE;
    private List<Track> tracks = List.of();
    private boolean broken;
    private boolean announced;

    LiveTap(String camera, FrameRecorder recorder, FrameSink live, ToLongFunction<Integer> firstArrival) {
        this.camera = camera;
        this.recorder = recorder;
        this.live = live;
        this.firstArrival = firstArrival;
    }

    @Override
    public void tracks(List<Track> tracks) throws IOException, SourceException, InterruptedException {
        this.tracks = List.copyOf(tracks);
        offsets.clear();
        originNanos = Long.MIN_VALUE;
        announce(this.tracks);
        recorder.tracks(tracks);
    }

    @Override
    public void frame(Frame frame) throws IOException, SourceException, InterruptedException {
        frame(frame, Duration.ZERO);
    }

    @Override
    public void frame(Frame frame, Duration held) throws IOException, SourceException, InterruptedException {
        if (!broken && announced) {
            try {
                if (frame.keyframe() && frame.track().codec().isVideo()) {
                    followParameterSets(frame); // also while nobody watches: a later viewer needs the right init
                }
                if (live.wantsFrames()) {
                    show(frame, held);
                }
            } catch (RuntimeException e) {
                broken = true;
                LOG.warn("{}: live view stopped for this session: {}", camera, e.toString());
            }
        }
        recorder.frame(frame, held);
    }

    @Override
    public void cameraTime(CameraTime time) throws IOException, SourceException, InterruptedException {
        cameraTimes.put(time.track(), time);
        recorder.cameraTime(time);
    }

    @Override
    public Duration end(FailureReason reason, String detail) {
        if (announced && !broken) {
            try {
                live.end();
            } catch (RuntimeException e) {
                LOG.warn("{}: ending the live view failed: {}", camera, e.toString());
            }
        }
        announced = false;
        return recorder.end(reason, detail);
    }

    private void announce(List<Track> tracks) {
        if (broken) {
            return;
        }
        try {
            live.tracks(tracks);
            announced = true;
        } catch (RuntimeException e) {
            broken = true;
            LOG.warn("{}: live view stopped for this session: {}", camera, e.toString());
        }
    }

    private void followParameterSets(Frame frame) {
        Track track = frame.track();
        List<byte[]> sets = frame.inBandParameterSets();
        if (!sets.isEmpty() && !Track.sameParameterSets(sets, current(track.index()).parameterSets())) {
            List<Track> next = new ArrayList<>();
            for (Track t : tracks) {
                next.add(t.index() == track.index() ? Track.video(t.index(), t.codec(), t.clockRate(), sets) : t);
            }
            tracks = List.copyOf(next);
            announce(tracks); // a new codec string and init; the timeline (offsets) stays
        }
    }

    private void show(Frame frame, Duration held) {
        Track track = frame.track();
        Long offset = offsets.get(track.index());
        if (offset == null) {
            long arrived = firstArrival.applyAsLong(track.index()) - held.toNanos();
            if (originNanos == Long.MIN_VALUE) {
                originNanos = arrived;
            }
            long since = Math.max(0, arrived - originNanos);
            offset = Math.round(since * (double) track.clockRate() / 1e9) - frame.pts();
            Long byCamera = byCameraTime(frame);
            offsets.put(track.index(), byCamera != null ? byCamera : offset);
            offset = offsets.get(track.index());
        }
        Track shown = current(track.index());
        live.frame(new Frame(shown, frame.pts() + offset, frame.dts() + offset, frame.keyframe(), frame.data()));
    }

    /**
     * The offset that places {@code frame}'s track by the camera's clock against a track already placed:
     * the frame goes where the camera says it was captured relative to that track's times. Null without
     * camera times of both, or when it would start before the timeline does.
     */
    private Long byCameraTime(Frame frame) {
        Track track = frame.track();
        CameraTime own = cameraTimes.get(track.index());
        if (own == null) {
            return null;
        }
        for (Map.Entry<Integer, Long> placed : offsets.entrySet()) {
            CameraTime other = cameraTimes.get(placed.getKey());
            if (other == null) {
                continue;
            }
            // the other track's timeline time of the camera instant at other.ticks(), then ours from there
            double otherShown = (other.ticks() + placed.getValue()) / (double) other.clockRate();
            double shown = otherShown + (own.micros(frame.pts(), track.clockRate())
                    - other.micros(other.ticks(), other.clockRate())) / 1e6;
            if (shown < 0) {
                return null;
            }
            return Math.round(shown * track.clockRate()) - frame.pts();
        }
        return null;
    }

    private Track current(int index) {
        for (Track t : tracks) {
            if (t.index() == index) {
                return t;
            }
        }
        throw new IllegalStateException("a frame of track " + index + ", which was not announced");
    }
}
