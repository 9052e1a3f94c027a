package org.nvr.source.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraState;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.SourceException;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.config.Transport;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.index.IndexWriter;
import org.nvr.media.FrameSink;
import org.nvr.store.Rotation;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentLedger;
import org.nvr.store.SegmentStore;
import org.nvr.store.TrackClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connect-read-write attempt for one camera: opens the stream, waits for a keyframe with a
 * timestamp, then copies packets into segments until the stream ends, stalls, fails or a stop is
 * requested. It never retries; it returns (or throws {@link InterruptedException}) and the
 * {@link CameraSupervisor} decides what happens next.
 *
 * <p><b>Time.</b> Segment and run times come from the recorder's clock read once, at the run's first
 * keyframe, then advanced by stream time (camera wall clocks are often wrong; stream time is smooth).
 * With B-frames a picture is shown after it is decoded; run times are presentation times (see
 * {@link #presentationDelay}), so a segment's recorded start is when its first picture is shown and the
 * export and the index agree with what players show.
 *
 * <p><b>Live view.</b> What is written is also handed to the camera's live fan-out ({@link Context#live()})
 * through {@link LiveFrames}, which copies nothing while nobody watches.
 * <p>The segment/index invariant (rows before files, the finisher, empty and failed segments) is
 * {@link SegmentLedger}'s, shared with the Java writer of the Netty client.
 *
 * <p>Runs on the camera's own thread, which owns the source, the stream plan (and with it the audio
 * transcoder), the open segment writer and the packet; all are released before {@link #run()} returns.
 */
public final class RecordingSession implements CameraSupervisor.Blocking {
    private static final Logger LOG = LoggerFactory.getLogger(RecordingSession.class);
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    /**
     * Everything a session needs that outlives it. {@code live} gives each camera's live fan-out (what
     * browsers watching it receive); {@link FrameSink#NONE} where nobody can watch.
     */
    public record Context(Path root, Duration segmentTarget, IndexWriter index, SegmentFinisher finisher,
                          CameraOpener opener, Clock clock, Function<CameraConfig, FrameSink> live) {
        public Context(Path root, Duration segmentTarget, IndexWriter index, SegmentFinisher finisher,
                       CameraOpener opener, Clock clock) {
            this(root, segmentTarget, index, finisher, opener, clock, camera -> FrameSink.NONE);
        }

        /** What the segment ledger (and the Java writer of our RTSP client) needs of this context. */
        public SegmentStore store() {
            return new SegmentStore(root, segmentTarget, index, finisher, clock);
        }
    }

    private final CameraConfig camera;
    private final Transport transport;
    private final Context ctx;
    private final CameraObserver observer;
    private final BooleanSupplier stopRequested;
    private final StreamWarnings streamWarnings;
    private final LiveFrames live;
    private final SegmentLedger ledger;

    // Per-run state, all owned by the camera thread.
    private StreamPlan plan;
    private TrackClock[] clocks;
    private Rotation rotation;
    private long originMicros;
    private long lastVideoEndMicros;
    /**
     * How long after its decoding a keyframe is shown (video time base): 0 without B-frames. A picture's
     * run time is its decoding time plus this, so a segment starts where its first keyframe is shown and
     * its samples are written with that keyframe at presentation time 0.
     */
    private long presentationDelay;
    private long recordedMicros;
    /** The current segment's writer and each track's timestamp at its start; null / unused without one. */
    private Mp4SegmentWriter writer;
    private long[] baseTs;
    private AccessUnits pictures;
    private final HeldPictures held = new HeldPictures();
    private final PendingAudio audio = new PendingAudio();

    public RecordingSession(CameraConfig camera, Transport transport, Context ctx, CameraObserver observer,
                            BooleanSupplier stopRequested, StreamWarnings streamWarnings) {
        this.camera = camera;
        this.transport = transport;
        this.ctx = ctx;
        this.observer = observer;
        this.stopRequested = stopRequested;
        this.streamWarnings = streamWarnings;
        this.live = new LiveFrames(ctx.live().apply(camera), camera.id());
        this.ledger = new SegmentLedger(camera, ctx.store(), observer);
    }

    @Override
    public SessionResult run() throws InterruptedException {
        CameraSource source;
        try {
            source = ctx.opener().open(camera, transport);
        } catch (SourceException e) {
            return new SessionResult(e.reason(), e.getMessage(), Duration.ZERO, e.isTransportRefused());
        }
        AVPacket pkt = av_packet_alloc();
        FailureReason reason = FailureReason.ERROR;
        String detail = "";
        try {
            plan = StreamPlan.of(source.context(), camera, streamWarnings);
            clocks = plan.clocks();
            pictures = new AccessUnits(plan.videoCodecId(), plan.videoFrameTicks());
            rotation = new Rotation(ctx.segmentTarget().toNanos() / 1000);
            observer.state(CameraState.CONNECTING, ctx.clock().instant(), null, "stream opened");
            while (true) {
                if (stopRequested.getAsBoolean()) {
                    reason = FailureReason.SHUTDOWN;
                    detail = "recorder stopping";
                    break;
                }
                int ret = source.read(pkt);
                if (ret < 0) {
                    reason = AvErrors.classifyRead(ret);
                    detail = reason == FailureReason.STALLED
                            ? "no packet for " + camera.stallTimeout().toSeconds() + " s"
                            : "stream ended: " + AvErrors.text(ret);
                    break;
                }
                try {
                    observer.received(pkt.size());
                    accept(pkt);
                } finally {
                    av_packet_unref(pkt);
                }
            }
        } catch (SourceException e) {
            reason = e.reason();
            detail = e.getMessage();
        } catch (Mp4SegmentWriter.MuxException e) {
            reason = -e.code() == 28 ? FailureReason.DISK_FULL : FailureReason.ERROR;
            detail = e.getMessage();
        } catch (IOException e) {
            reason = FailureReason.ofWrite(e);
            detail = e.getMessage();
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected failure while recording", camera.id(), e);
            reason = FailureReason.ERROR;
            detail = e.toString();
        } finally {
            try {
                flushTranscoder();
                flushPictures();
            } catch (IOException | SourceException e) {
                LOG.error("{}: cannot write the last pictures: {}", camera.id(), e.getMessage());
            } finally {
                try {
                    endRun(reason, detail); // even when the last pictures could not be written
                } finally {
                    if (pictures != null) {
                        pictures.close();
                    }
                    held.close();
                    audio.close();
                    if (plan != null) {
                        plan.close();
                    }
                    av_packet_free(pkt);
                    source.close();
                }
            }
        }
        return new SessionResult(reason, detail, Duration.ofNanos(recordedMicros * 1000));
    }

    /** Routes a packet: video is assembled into whole pictures first, audio is queued (after transcoding). */
    private void accept(AVPacket pkt) throws IOException, SourceException, InterruptedException {
        int track = plan.trackOf(pkt.stream_index());
        if (track == 0) {
            pictures.add(pkt);
            takePictures();
        } else if (plan.transcoder(track) != null) {
            transcodeAudio(pkt, track);
            releasePictures(false);
        } else if (track > 0) {
            queueAudio(pkt, track);
        }
    }

    /** Hands on the pictures {@link AccessUnits} has completed. */
    private void takePictures() throws IOException, SourceException, InterruptedException {
        AVPacket picture;
        while ((picture = pictures.poll()) != null) {
            if (plan.transcodedTrack() < 0 && held.isEmpty()) {
                handlePicture(picture);
            } else {
                long ts = picture.dts() != TrackClock.NO_TS ? picture.dts() : picture.pts();
                held.add(picture, av_rescale_q(ts, plan.timeBase(0), MICROS));
                releasePictures(false);
            }
        }
    }

    /**
     * Audio that MP4 cannot hold goes through the AAC transcoder, whose packets are then queued like
     * copied audio; pictures are held until it catches up (see {@link HeldPictures}). If the transcoder
     * fails, audio stops for the rest of the session; video goes on.
     */
    private void transcodeAudio(AVPacket pkt, int track) {
        try {
            plan.transcoder(track).transcode(pkt, aac -> queueTranscoded(aac, track));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: audio transcoder failed", camera.id(), e);
            streamWarnings.dropped(camera.id(), plan.transcodedFrom(), "transcoding it to AAC failed mid-session ("
                    + (e instanceof IOException ? e.getMessage() : e.toString()) + ")");
            plan.stopTranscoding();
            held.audioUntil(Long.MAX_VALUE);
        }
    }

    private void queueTranscoded(AVPacket aac, int track) {
        held.audioUntil(av_rescale_q(aac.pts() + aac.duration(), plan.timeBase(track), MICROS));
        queueAudio(aac, track);
    }

    /** Drains the transcoder at the end of the session: the last fraction of a second of audio. */
    private void flushTranscoder() {
        int track = plan == null ? -1 : plan.transcodedTrack();
        AudioTranscoder transcoder = track < 0 ? null : plan.transcoder(track);
        if (transcoder != null) {
            try {
                transcoder.flush(aac -> queueTranscoded(aac, track));
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: cannot drain the audio transcoder", camera.id(), e);
            }
        }
    }

    /** Hands on the held pictures that audio has caught up with (all of them when {@code all}). */
    private void releasePictures(boolean all) throws IOException, SourceException, InterruptedException {
        AVPacket picture;
        while ((picture = held.poll(all)) != null) {
            try {
                handlePicture(picture);
            } finally {
                held.release(picture);
            }
        }
    }

    /** At the end of the session: the held pictures, then the ones still being assembled, then their audio. */
    private void flushPictures() throws IOException, SourceException, InterruptedException {
        if (plan == null) {
            return;
        }
        releasePictures(true);
        pictures.finish();
        AVPacket picture;
        while ((picture = pictures.poll()) != null && ledger.current() != null) {
            handlePicture(picture);
        }
        drainAudio(lastVideoEndMicros);
    }

    private void handlePicture(AVPacket pkt) throws IOException, SourceException, InterruptedException {
        boolean key = (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
        if (!ledger.running()) {
            // Drop until a video keyframe with a timestamp: nothing before it can be decoded.
            if (!key || (pkt.dts() == TrackClock.NO_TS && pkt.pts() == TrackClock.NO_TS)) {
                return;
            }
        }
        TrackClock.Stamp stamp = clocks[0].next(pkt.dts(), pkt.pts(), arrivalMicros());
        if (stamp == null) {
            return;
        }
        AVRational tb = plan.timeBase(0);
        if (key) {
            presentationDelay = Math.max(0, stamp.pts() - stamp.dts());
        }
        long micros = av_rescale_q(stamp.dts() + presentationDelay, tb, MICROS);
        if (!ledger.running()) {
            startRun(micros);
        }
        long runMicros = micros - originMicros;
        ledger.settle(runMicros, ctx.clock().instant());
        // Audio up to this picture belongs with the pictures before it (and so in the old segment
        // if this picture opens a new one); later audio waits for the next picture.
        drainAudio(runMicros);
        boolean changed = ledger.current() != null && plan.parametersChanged(pkt);
        if (ledger.current() == null && key) {
            plan.parametersChanged(pkt); // the first keyframe sets the baseline
        }
        if (changed) {
            LOG.info("{}: stream parameters changed; starting a new segment", camera.id());
        }
        if (rotation.shouldCut(key, runMicros, changed)) {
            cut(runMicros);
        }
        if (ledger.current() == null) {
            return;
        }
        long frameMicros = Math.max(1, av_rescale_q(clocks[0].typicalDelta(), tb, MICROS));
        write(pkt, 0, stamp);
        ledger.current().frameWritten();
        // With B-frames a stream that stops between a reference picture and the B-frames shown before
        // it ends where that reference picture is shown, not where the last picture decoded is.
        long shownMicros = av_rescale_q(stamp.pts(), tb, MICROS) - originMicros;
        lastVideoEndMicros = Math.max(lastVideoEndMicros, Math.max(runMicros, shownMicros) + frameMicros);
        recordedMicros += frameMicros;
        observer.frameWritten(ledger.wall(runMicros), Duration.ofNanos(frameMicros * 1000), pkt.size(), key);
    }

    /** Queues an audio packet (copied, or from the transcoder) until the pictures it goes with are written. */
    private void queueAudio(AVPacket pkt, int track) {
        if (!ledger.running()) {
            return; // nothing is recorded before the run's first keyframe
        }
        TrackClock.Stamp stamp = clocks[track].next(pkt.dts(), pkt.pts(), arrivalMicros());
        if (stamp == null) {
            return;
        }
        long runMicros = av_rescale_q(stamp.dts(), plan.timeBase(track), MICROS) - originMicros;
        SegmentLedger.Segment segment = ledger.current();
        if (segment == null || runMicros < segment.startMicros()) {
            return; // audio from before the segment's first keyframe has no picture to go with
        }
        audio.add(pkt, track, stamp, runMicros);
    }

    /** Writes queued audio older than {@code beforeMicros} (everything when it is Long.MAX_VALUE). */
    private void drainAudio(long beforeMicros) throws IOException {
        PendingAudio.Entry e;
        while ((e = audio.poll(beforeMicros)) != null) {
            SegmentLedger.Segment segment = ledger.current();
            if (segment != null && e.runMicros() >= segment.startMicros()) {
                write(e.packet(), e.track(), e.stamp());
            }
            audio.release(e);
        }
    }

    private void write(AVPacket pkt, int track, TrackClock.Stamp stamp) throws IOException {
        live.accept(pkt, track, stamp); // what is recorded is what browsers watching it see
        SegmentLedger.Segment segment = ledger.current();
        if (segment.isFailed()) {
            return; // nothing more goes into a file whose last fragment may be torn
        }
        long base = baseTs[track];
        pkt.dts(stamp.dts() - base);
        pkt.pts(stamp.pts() - base);
        try {
            writer.write(pkt, track);
        } catch (IOException e) {
            segment.failed();
            throw e;
        }
    }

    private void startRun(long micros) throws InterruptedException, SourceException {
        originMicros = micros;
        live.start(plan, originMicros);
        ledger.startRun(ctx.clock().instant(), description(), plan.describe());
    }

    private SegmentLedger.Description description() {
        return new SegmentLedger.Description(plan.videoCodec(), plan.width(), plan.height(), plan.audioCodec());
    }

    /** Closes the current segment at {@code runMicros} and opens the next one starting there. */
    private void cut(long runMicros) throws IOException, InterruptedException, SourceException {
        finishSegment(runMicros);
        List<Mp4SegmentWriter.Track> tracks = plan.tracks(); // adopts changed parameters, if any
        ledger.open(runMicros, description(), file -> {
            Mp4SegmentWriter w = Mp4SegmentWriter.create(file, tracks);
            writer = w;
            return new SegmentLedger.SegmentFile() {
                @Override
                public void close() throws IOException {
                    w.close();
                }

                @Override
                public void abandon() {
                    w.abandon();
                }
            };
        });
        baseTs = new long[plan.trackCount()];
        for (int t = 0; t < baseTs.length; t++) {
            baseTs[t] = av_rescale_q(runMicros + originMicros, MICROS, plan.timeBase(t));
        }
        rotation.started(runMicros);
    }

    /**
     * Closes the current segment (see {@link SegmentLedger#close}): a segment whose writing failed (or whose
     * trailer cannot be written) is closed without a trailer and recovered.
     *
     * @throws IOException the trailer could not be written (after the segment was handed over anyway)
     */
    private void finishSegment(long endMicros) throws IOException {
        try {
            ledger.close(endMicros);
        } finally {
            writer = null;
        }
    }

    private void endRun(FailureReason reason, String detail) {
        live.end();
        try {
            ledger.endRun(reason, detail, lastVideoEndMicros);
        } finally {
            writer = null;
        }
    }

    /** Now, for telling camera clock jumps from real gaps (see {@link TrackClock}). */
    private long arrivalMicros() {
        return ctx.clock().millis() * 1000;
    }
}
