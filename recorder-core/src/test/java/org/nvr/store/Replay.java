package org.nvr.store;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.media.CameraTime;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * A {@link SegmentRecorder} on a real index and finisher under {@code root}, fed captured frames on the
 * test's thread with the clock set to each frame's arrival. {@link #close()} waits for the finisher and
 * closes the index, after which the rows can be read. Not thread-safe.
 */
final class Replay implements AutoCloseable {
    static final String CAMERA = "cam";
    static final Instant START = Instant.parse("2026-12-06T10:00:00Z");

    final Path root;
    final IndexWriter index;
    final SegmentFinisher finisher = new SegmentFinisher();
    final ManualClock clock = new ManualClock(START);
    final SegmentRecorder recorder;
    final List<Instant> closed = new ArrayList<>();
    /** Video frames handed to the recorder. */
    long videoSent;
    private long ptsShift;
    private long lastArrivalNanos;
    private long arrivalShift;

    Replay(Path root, Duration segmentTarget) throws Exception {
        this.root = root;
        this.index = IndexWriter.open(root.resolve("index.db"));
        CameraConfig camera = new CameraConfig(CAMERA, "site", CAMERA, URI.create("rtsp://127.0.0.1/cam"),
                Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.DROP, Duration.ofSeconds(5),
                Retention.NONE, Optional.empty(), Optional.empty());
        SegmentStore store = new SegmentStore(root, segmentTarget, index, finisher, clock);
        CameraObserver observer = new CameraObserver() {
            @Override
            public void segmentClosed(String site, String cam, Path file, Instant start, Instant end, long bytes) {
                synchronized (closed) {
                    closed.add(start);
                }
            }
        };
        recorder = new SegmentRecorder(camera, store, observer, new StreamWarnings());
    }

    /** Feeds {@code stream}'s tracks and its first {@code count} frames (all when negative). */
    void feed(CapturedStream stream, int count) throws Exception {
        recorder.tracks(stream.tracks());
        int n = count < 0 ? stream.frames().size() : count;
        for (int i = 0; i < n; i++) {
            frame(stream, i);
        }
    }

    void frame(CapturedStream stream, int i) throws Exception {
        if (i == cameraTimesAtFrame) {
            for (CameraTime t : cameraTimes) {
                recorder.cameraTime(t);
            }
        }
        Frame f = stream.frames().get(i);
        lastArrivalNanos = arrivalShift + stream.arrivalNanos().get(i);
        clock.set(START.plusNanos(lastArrivalNanos));
        if (f.track().codec().isVideo()) {
            videoSent++;
        }
        Frame shifted = ptsShift == 0 ? f : new Frame(f.track(), f.pts() + ptsShift, f.dts() + ptsShift, f.keyframe(),
                f.data());
        if (f.track().codec().isVideo() || audioHeld.isZero()) {
            recorder.frame(shifted);
        } else {
            recorder.frame(shifted, audioHeld);
        }
    }

    /** Camera times (sender reports) handed to the recorder just before frame {@link #cameraTimesAtFrame}. */
    List<CameraTime> cameraTimes = List.of();
    int cameraTimesAtFrame;

    /** Audio is handed over as {@link FrameRecorder#frame(Frame, Duration)} with this (as from a transcoder). */
    Duration audioHeld = Duration.ZERO;

    /**
     * Feeds a second stream after the first as if the camera had changed its parameters: its tracks, then its
     * frames with video timestamps continuing one frame after {@code previous}'s last video frame (audio
     * shifted alike) and arrivals continuing too.
     */
    void feedAfter(CapturedStream previous, CapturedStream next) throws Exception {
        feedAfter(previous, next, false);
    }

    /**
     * As {@link #feedAfter(CapturedStream, CapturedStream)}; with {@code inBand} the recorder is not told of
     * new tracks: {@code next}'s frames stay on {@code previous}'s track and its keyframes carry its
     * parameter sets in-band, as from a camera that changed its resolution without a new DESCRIBE.
     */
    void feedAfter(CapturedStream previous, CapturedStream next, boolean inBand) throws Exception {
        List<Frame> pv = previous.video();
        long lastPts = pv.stream().mapToLong(Frame::pts).max().orElseThrow();
        long frame = pv.get(1).track().clockRate() / 25;
        ptsShift = lastPts + frame - next.video().get(0).pts();
        arrivalShift = lastArrivalNanos + 40_000_000;
        List<Track> tracks = next.tracks().stream().filter(t -> t.codec().isVideo()).toList();
        if (!inBand) {
            recorder.tracks(tracks);
            for (int i = 0; i < next.frames().size(); i++) {
                if (next.frames().get(i).track().codec().isVideo()) {
                    frame(next, i);
                }
            }
            return;
        }
        Track old = previous.video().get(0).track();
        List<Frame> frames = new ArrayList<>();
        for (Frame f : next.frames()) {
            if (!f.track().codec().isVideo()) {
                frames.add(f);
                continue;
            }
            byte[] data = f.data();
            if (f.keyframe()) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                for (byte[] set : tracks.get(0).parameterSets()) {
                    out.write(new byte[] {(byte) (set.length >>> 24), (byte) (set.length >>> 16),
                            (byte) (set.length >>> 8), (byte) set.length});
                    out.write(set);
                }
                out.write(data);
                data = out.toByteArray();
            }
            frames.add(new Frame(old, f.pts(), f.dts(), f.keyframe(), data));
        }
        CapturedStream rewritten = new CapturedStream(previous.tracks(), frames, next.arrivalNanos());
        for (int i = 0; i < frames.size(); i++) {
            if (frames.get(i).track().codec().isVideo()) {
                frame(rewritten, i);
            }
        }
    }

    Duration end(FailureReason reason) {
        return recorder.end(reason, "test");
    }

    @Override
    public void close() {
        finisher.close();
        index.close();
    }

    List<SegmentRow> rows() throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments(CAMERA, Instant.EPOCH, START.plusSeconds(3600));
        }
    }

    List<RunRow> runs() throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.runs(CAMERA, Instant.EPOCH, START.plusSeconds(3600));
        }
    }
}
