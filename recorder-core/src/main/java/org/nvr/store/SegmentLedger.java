package org.nvr.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraState;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.config.CameraConfig;
import org.nvr.index.IndexWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment/index invariant of one recording session, whichever writer makes the files (FFmpeg's
 * muxer in {@code RecordingSession}, the Java writer in {@link SegmentRecorder}):
 * <ol>
 *   <li>a run's row is opened at the run's first keyframe, dated by our clock ({@link RunClock}), and
 *       ended with the session's reason when it ends; times are run times (microseconds of stream time
 *       since that keyframe) dated through the run clock, which settles during the start-of-session burst
 *       and re-dates the first segment's row;</li>
 *   <li>a segment's row is opened before its file is created; if the file cannot be created it is
 *       deleted and the row dropped;</li>
 *   <li>a closed segment is handed to {@link SegmentFinisher}, which makes it durable (fsync of file and
 *       directory, SHA-256); only then is its row closed (bytes, frames, hash) and the observer told;</li>
 *   <li>a segment without a frame is dropped: file first, then row (a crash in between leaves an open
 *       row without a file, which startup drops);</li>
 *   <li>a segment whose write failed (a full disk) is abandoned without a trailer and recovered by the
 *       finisher: its torn tail cut off, its row closed with what the file really holds, or file and row
 *       dropped when nothing is left.</li>
 * </ol>
 * What a crash leaves half done is finished by the next start's reconciliation.
 *
 * <p>Threads: one per session, called by the session's thread only (the camera thread or writer lane);
 * the finisher's and the index's completions run on their threads and touch only the segment handed
 * over. Owns the open segment's sync registration; the caller owns its writer, which the ledger closes
 * or abandons through {@link SegmentFile}.
 */
public final class SegmentLedger {
    /** Longest fragment, whichever writer makes the file: bounds what a power cut or kill -9 can cost. */
    public static final long FRAGMENT_MICROS = 1_000_000;

    private static final Logger LOG = LoggerFactory.getLogger(SegmentLedger.class);
    private static final long INDEX_WAIT_SECONDS = 10;

    /** What the ledger needs of a segment's writer: close it whole, or give up on it after a failed write. */
    public interface SegmentFile {
        /** Writes what is pending and the trailer, if any, and closes the file. */
        void close() throws IOException;

        /** Closes the file as it is, writing nothing more (its last fragment may be torn). */
        void abandon();
    }

    /** Creates a segment's file and its writer; the file must not exist. */
    public interface FileOpener {
        SegmentFile create(Path file) throws IOException;
    }

    /** What a run or a segment records, as the index and {@code cameras} show it. */
    public record Description(String videoCodec, Integer width, Integer height, String audioCodec) {
        /** {@code h264 1920x1080 + aac}. */
        public String describe() {
            return videoCodec + (width != null ? " " + width + "x" + height : "")
                    + (audioCodec != null ? " + " + audioCodec : "");
        }
    }

    /** The segment being written. */
    public static final class Segment {
        private final long id;
        private final Path file;
        private final long startMicros;
        private final Instant start;
        private final SegmentFile writer;
        private final SegmentFinisher.Registration sync;
        private long frames;
        private boolean failed;

        private Segment(long id, Path file, long startMicros, Instant start, SegmentFile writer,
                        SegmentFinisher.Registration sync) {
            this.id = id;
            this.file = file;
            this.startMicros = startMicros;
            this.start = start;
            this.writer = writer;
            this.sync = sync;
        }

        /** Run time of its first picture. */
        public long startMicros() {
            return startMicros;
        }

        public Path file() {
            return file;
        }

        /** One more video picture went into the file. */
        public void frameWritten() {
            frames++;
        }

        public long frames() {
            return frames;
        }

        /** A write failed: nothing more goes into the file, whose last fragment may be torn. */
        public void failed() {
            failed = true;
        }

        public boolean isFailed() {
            return failed;
        }
    }

    private final CameraConfig camera;
    private final SegmentStore ctx;
    private final CameraObserver observer;
    private RunClock runClock;
    private Long runId;
    private Segment segment;
    /** Whether the run has opened a segment yet: until then its first picture is still being placed. */
    private boolean openedInRun;

    public SegmentLedger(CameraConfig camera, SegmentStore ctx, CameraObserver observer) {
        this.camera = camera;
        this.ctx = ctx;
        this.observer = observer;
    }

    /** Whether the run has started (at its first keyframe). */
    public boolean running() {
        return runClock != null;
    }

    /**
     * Starts the run: its clock anchored at {@code firstArrival} (when its first keyframe arrived), its row,
     * and the camera's state {@code RECORDING}, described by {@code summary} ({@link Description#describe()}
     * and anything the source adds).
     */
    public void startRun(Instant firstArrival, Description description, String summary)
            throws InterruptedException, SourceException {
        runClock = new RunClock(firstArrival);
        openedInRun = false;
        Instant anchor = runClock.anchor();
        runId = await(ctx.index().startRun(camera.siteId(), camera.id(), anchor, description.videoCodec(),
                description.width(), description.height(), description.audioCodec()), "start run");
        observer.state(CameraState.RECORDING, anchor, null, summary);
        LOG.info("{}: recording {}", camera.id(), summary);
    }

    /** The wall-clock time of run time {@code runMicros}. */
    public Instant wall(long runMicros) {
        return runClock.wall(runMicros);
    }

    /** The segment being written, or null. */
    public Segment current() {
        return segment;
    }

    /**
     * Opens the next segment at run time {@code runMicros}: its row, then its file through {@code opener}
     * (the current one must have been closed with {@link #close}).
     *
     * @throws IOException     the file cannot be created or written (row dropped, file deleted)
     * @throws SourceException the index refused or did not answer in time; or {@code opener} refused the
     *                         stream ({@link IllegalArgumentException}, as {@code protocol})
     */
    public Segment open(long runMicros, Description description, FileOpener opener)
            throws IOException, InterruptedException, SourceException {
        if (segment != null) {
            throw new IllegalStateException(camera.id() + ": a segment is still open");
        }
        Instant start = wall(runMicros);
        String rel = SegmentPaths.newSegment(ctx.root(), camera.siteId(), camera.id(), start);
        Path file = ctx.root().resolve(rel);
        long id = await(ctx.index().openSegment(runId, camera.siteId(), camera.id(), rel, start,
                description.videoCodec(), description.width(), description.height(), description.audioCodec()),
                "open segment");
        SegmentFile writer;
        try {
            SegmentPaths.createParents(ctx.root(), file);
            writer = opener.create(file);
        } catch (IOException | IllegalArgumentException e) {
            deleteQuietly(file);
            ctx.index().dropSegment(id);
            if (e instanceof IOException io) {
                throw io;
            }
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": cannot start a segment: "
                    + e.getMessage());
        }
        segment = new Segment(id, file, runMicros, start, writer, ctx.finisher().syncWhileOpen(file));
        openedInRun = true;
        return segment;
    }

    /**
     * Closes the current segment, if any, at run time {@code endMicros} and hands it to the finisher; its
     * row is closed once the file is durable (see the class comment for an empty or failed segment).
     *
     * @throws IOException the writer could not close the file whole (after the segment was handed over to
     *                     recovery anyway)
     */
    public void close(long endMicros) throws IOException {
        Segment s = segment;
        if (s == null) {
            return;
        }
        segment = null;
        s.sync.close();
        IOException failure = null;
        if (s.failed) {
            s.writer.abandon();
        } else {
            try {
                s.writer.close();
            } catch (IOException e) {
                failure = e;
                s.failed = true;
            }
        }
        if (s.frames == 0) {
            // file first, then row: a crash in between leaves an open row without a file, which startup drops
            deleteQuietly(s.file);
            ctx.index().dropSegment(s.id);
        } else if (!s.failed) {
            Instant start = wall(s.startMicros); // the anchor may have settled since the row was written
            Instant end = wall(endMicros);
            Duration duration = Duration.ofNanos((endMicros - s.startMicros) * 1000);
            long frames = s.frames;
            ctx.finisher().finish(s.file).whenComplete((durable, err) -> {
                if (err != null) {
                    LOG.error("{}: cannot make {} durable: {}", camera.id(), s.file, err.getMessage());
                    return;
                }
                indexClosed(s, start, end, duration, durable, frames);
            });
        } else {
            Instant start = wall(s.startMicros);
            ctx.finisher().recover(s.file).whenComplete((recovered, err) -> {
                if (err != null) {
                    LOG.error("{}: cannot recover {} after a failed write: {}", camera.id(), s.file, err.getMessage());
                } else if (recovered.isEmpty()) {
                    LOG.warn("{}: {} holds no complete fragment after a failed write; dropping it", camera.id(), s.file);
                    deleteQuietly(s.file);
                    ctx.index().dropSegment(s.id);
                } else {
                    Duration duration = recovered.get().contents().duration();
                    indexClosed(s, start, start.plus(duration), duration, recovered.get().durable(),
                            recovered.get().contents().frames());
                }
            });
        }
        if (failure != null) {
            throw failure;
        }
    }

    private void indexClosed(Segment s, Instant start, Instant end, Duration duration,
                             SegmentFinisher.Durable durable, long frames) {
        ctx.index().closeSegment(s.id, start, end, duration, durable.bytes(), frames, durable.sha256())
                .whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.error("{}: cannot index closed segment {}: {}", camera.id(), s.file, e.getMessage());
                    } else {
                        observer.segmentClosed(camera.siteId(), camera.id(), s.file, start, end, durable.bytes());
                    }
                });
    }

    /**
     * Ends the session: closes the current segment at {@code endMicros} (logging a failure, which recovery
     * handles) and ends the run's row, if the run started. Never throws.
     */
    public void endRun(FailureReason reason, String detail, long endMicros) {
        try {
            close(endMicros);
        } catch (IOException e) {
            LOG.error("{}: cannot close segment: {}", camera.id(), e.getMessage());
        }
        if (runId != null) {
            ctx.index().endRun(runId, runClock.anchor(), wall(endMicros), reason.label(), detail);
        }
    }

    /**
     * Takes a picture's arrival into account: see {@link RunClock}, the start-of-session burst must not
     * date footage in the future. Re-dates the run's and the first segment's rows when the clock says so.
     */
    public void settle(long runMicros, Instant arrival) {
        // The run's first picture is taken into account before its first segment opens: that is the first
        // segment too (settling used to end right there, and a start-of-session burst dated the whole run late).
        boolean inFirst = segment == null ? !openedInRun : segment.startMicros == 0;
        if (runClock.settle(runMicros, arrival, inFirst) && segment != null && inFirst
                && !runClock.anchor().equals(segment.start)) {
            ctx.index().correctStart(runId, segment.id, runClock.anchor());
        }
    }

    private <T> T await(CompletableFuture<T> f, String what) throws InterruptedException, SourceException {
        try {
            return f.get(INDEX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            FailureReason reason = IndexWriter.isDiskFull(e.getCause()) ? FailureReason.DISK_FULL : FailureReason.ERROR;
            throw new SourceException(reason, camera.id() + ": index: cannot " + what + ": "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new SourceException(FailureReason.ERROR, camera.id() + ": index did not " + what + " within "
                    + INDEX_WAIT_SECONDS + " s");
        }
    }

    /** Deletes a file whose row is about to be dropped; what is left is removed by reconciliation at the next start. */
    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // reconciliation at the next start removes what is left
        }
    }
}
