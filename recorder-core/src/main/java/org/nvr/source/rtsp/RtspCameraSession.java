package org.nvr.source.rtsp;

import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.SourceException;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.media.Frame;
import org.nvr.media.FrameSink;
import org.nvr.media.Track;
import org.nvr.rtsp.Credentials;
import org.nvr.rtsp.RtspSession;
import org.nvr.rtsp.RtspSessionListener;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspSessionStats;
import org.nvr.store.FrameRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one camera through our RTSP client: an {@link RtspSession} on an event loop of the
 * shared group, whose frames are written on the camera's writer lane by a {@link FrameRecorder}. No
 * thread of its own.
 *
 * <p><b>On the event loop</b> (every {@link RtspSessionListener} call): the first arrival of each track is
 * noted, then each frame is queued for the lane.
 * <b>On the lane</b>: G.711 audio is transcoded ({@link RecordedTracks}), the live view ({@link LiveTap}) and the recorder get tracks and
 * frames in arrival order, and at the end, after every queued frame, {@link FrameRecorder#end}.
 *
 * <p><b>Bounded memory.</b> The bytes queued for the lane are counted; above the high-water mark the
 * connection is no longer read (TCP makes the camera wait) until the lane has drained below the
 * low-water mark. Over TCP nothing is dropped; over UDP the kernel drops what does not fit in its
 * buffer meanwhile (counted as loss; pictures that lost a packet are dropped whole). Either way the queue
 * cannot grow without bound.
 *
 * <p><b>End.</b> The result's reason is the session's exact one (auth, not_found, protocol, stalled...;
 * 461 keeps {@code transportRefused}); a recorder that fails ends the session with its reason
 * ({@code disk_full} for a full disk) and tears the RTSP session down; a stop ends it as
 * {@code shutdown}. A camera that sends a codec the client cannot receive is reported through
 * {@code unsupported} and ends at once: it is to be recorded through FFmpeg.
 *
 * <p><b>Reception meters.</b> About once a second while the session runs ({@link #STATS_PERIOD}, a
 * timer on the session's own event loop), and once when it ends, what the session counted since the
 * previous report ({@link RtspSessionStats#since}) goes to the observer's {@code rtpReceived}, the bytes
 * the camera sent on the wire ({@link RtspSession#bytesReceived}: RTSP, framing, RTP and RTCP headers
 * included, what a technician watching a weak uplink needs) to its {@code received}, and the
 * camera clock's offset, once known, to its {@code cameraClockOffset}. The offset is not cleared when the
 * session ends: the last known one is what a technician setting the camera's clock needs.
 *
 * <p>Threads: {@link #start()} and {@link #stop()} from any thread; the listener calls on the
 * session's event loop; the recorder, the transcoder and {@link #end} on the camera's lane. Owns the
 * RTSP session and the recorder it creates.
 */
public final class RtspCameraSession implements CameraSupervisor.Session, RtspSessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(RtspCameraSession.class);
    /** How often reception counts go to the camera's meters while the session runs. */
    static final Duration STATS_PERIOD = Duration.ofSeconds(1);

    private final CameraConfig camera;
    private final RtspSource source;
    private final RtspSessionOptions options;
    private final EventExecutor lane;
    private final CameraObserver observer;
    private final StreamWarnings warnings;
    private final Consumer<String> unsupported;
    private final FrameSink live;
    /** When each track's first frame arrived (System.nanoTime), for the live view's timeline; set on the loop. */
    private final java.util.concurrent.ConcurrentHashMap<Integer, Long> firstArrival =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final CompletableFuture<SessionResult> result = new CompletableFuture<>();
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong mostQueued = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean stopRequested;
    /** Set on the loop before any listener call. */
    private volatile RtspSession session;

    // Event loop state.
    private String unsupportedCodec;
    private boolean tracksSent;
    private ScheduledFuture<?> statsTimer;
    /** The stats already reported to the observer. */
    private RtspSessionStats reported = RtspSessionStats.NONE;
    private long reportedBytes;
    private Duration reportedOffset;

    // Lane state.
    private FrameRecorder recorder;
    private RecordedTracks recorded;
    /** Set on the lane when writing failed; read on the loop to stop queuing. */
    private volatile SourceException writeFailure;

    RtspCameraSession(CameraConfig camera, RtspSource source, RtspSessionOptions options, EventExecutor lane,
                      CameraObserver observer, StreamWarnings warnings, Consumer<String> unsupported) {
        this.camera = camera;
        this.source = source;
        this.options = options;
        this.lane = lane;
        this.observer = observer;
        this.warnings = warnings;
        this.unsupported = unsupported;
        this.live = source.live().apply(camera);
    }

    @Override
    public CompletionStage<SessionResult> start() {
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("a session starts once");
        }
        IoEventLoop loop = (IoEventLoop) source.group().next();
        try {
            // Opened from the loop it runs on, so the session is known before its first callback.
            loop.execute(() -> {
                if (stopRequested) {
                    result.complete(new SessionResult(FailureReason.SHUTDOWN, "recorder stopping", Duration.ZERO));
                    return;
                }
                try {
                    // before the session exists, so that its end (which cancels the timer) comes after
                    statsTimer = loop.scheduleAtFixedRate(this::reportStats, STATS_PERIOD.toMillis(),
                            STATS_PERIOD.toMillis(), TimeUnit.MILLISECONDS);
                    session = RtspSession.open(loop, camera.url(), credentials(camera), options, this);
                    if (stopRequested) {
                        session.close(); // a stop that came while it opened
                    }
                } catch (RuntimeException e) {
                    statsTimer.cancel(false);
                    result.complete(new SessionResult(FailureReason.ERROR, e.getMessage(), Duration.ZERO));
                }
            });
        } catch (RejectedExecutionException e) {
            result.complete(new SessionResult(FailureReason.SHUTDOWN, "event loop shut down", Duration.ZERO));
        }
        return result;
    }

    private static Optional<Credentials> credentials(CameraConfig camera) {
        return camera.username().map(user -> new Credentials(user, camera.password().orElse("")));
    }

    @Override
    public void stop() {
        stopRequested = true;
        RtspSession s = session;
        if (s != null) {
            s.close();
        }
    }

    @Override
    public void onTracks(List<Track> tracks) {
        Optional<String> codec = UnsupportedCodecs.find(session.sdp(), camera.audio());
        if (codec.isPresent()) {
            unsupportedCodec = codec.get();
            session.close(); // TEARDOWN; the camera is recorded through FFmpeg
            return;
        }
        tracksSent = true;
        toLane(0, () -> writeTracks(tracks));
    }

    @Override
    public void onFrame(Frame frame) {
        if (unsupportedCodec != null || writeFailure != null) {
            return; // the session is ending
        }
        firstArrival.putIfAbsent(frame.track().index(), System.nanoTime());
        long size = frame.size();
        long now = queued.addAndGet(size);
        mostQueued.accumulateAndGet(now, Math::max);
        if (now > source.highWater() && paused.compareAndSet(false, true)) {
            pauses.incrementAndGet();
            session.setReading(false);
            // the lane may have drained before the flag was set: then nobody else would resume
            if (queued.get() < source.lowWater() && paused.compareAndSet(true, false)) {
                session.setReading(true);
            }
        }
        toLane(size, () -> writeFrame(frame));
    }

    @Override
    public void onCameraTime(org.nvr.media.CameraTime time) {
        if (unsupportedCodec != null || writeFailure != null || !tracksSent) {
            return;
        }
        toLane(0, () -> {
            if (writeFailure == null && recorder != null) {
                write(() -> recorder.cameraTime(time));
            }
        });
    }

    @Override
    public void onClosed(SourceException reason) {
        statsTimer.cancel(false);
        reportStats(); // the session refreshed its stats as it closed: the last of them
        if (unsupportedCodec == null && reason.reason() == FailureReason.NO_VIDEO && session != null) {
            unsupportedCodec = UnsupportedCodecs.find(session.sdp(), camera.audio()).orElse(null);
        }
        String codec = unsupportedCodec;
        try {
            lane.execute(() -> end(reason, codec));
        } catch (RejectedExecutionException e) {
            // the lanes are closed: the recorder is closing and waits for nobody any more
            result.complete(new SessionResult(FailureReason.SHUTDOWN, "writer lanes closed", Duration.ZERO));
        }
    }

    /** Reports what the session counted since the last report, and a new camera clock offset; on the loop. */
    private void reportStats() {
        RtspSession s = session;
        if (s == null) {
            return;
        }
        try {
            long bytes = s.bytesReceived();
            if (bytes > reportedBytes) {
                observer.received(bytes - reportedBytes);
                reportedBytes = bytes;
            }
            RtspSessionStats now = s.stats();
            RtspSessionStats delta = now.since(reported);
            reported = now;
            if (!delta.equals(RtspSessionStats.NONE)) {
                observer.rtpReceived(delta.packetsReceived(), delta.packetsLost(), delta.packetsReordered(),
                        delta.framesDropped());
            }
            Duration offset = s.cameraClockOffset().orElse(null);
            if (offset != null && !offset.equals(reportedOffset)) {
                reportedOffset = offset;
                observer.cameraClockOffset(offset);
            }
        } catch (RuntimeException e) {
            LOG.warn("{}: reporting reception counts failed", camera.id(), e); // a periodic task must not throw
        }
    }

    /** Queues {@code write} on the lane; {@code bytes} are counted until it has run. */
    private void toLane(long bytes, Runnable write) {
        try {
            lane.execute(() -> {
                try {
                    write.run();
                } finally {
                    drained(bytes);
                }
            });
        } catch (RejectedExecutionException e) {
            queued.addAndGet(-bytes);
            writeFailure = new SourceException(FailureReason.SHUTDOWN, "writer lanes closed");
            session.close();
        }
    }

    private void drained(long bytes) {
        long now = queued.addAndGet(-bytes);
        if (now < source.lowWater() && paused.compareAndSet(true, false)) {
            session.setReading(true);
        }
    }

    // Lane from here on.

    private void writeTracks(List<Track> tracks) {
        if (writeFailure != null) {
            return;
        }
        if (recorder == null) {
            // The live view is fed from the lane, with what the recorder gets (see LiveTap).
            recorder = new LiveTap(camera.id(), source.recorders().create(camera, observer, warnings), live,
                    track -> firstArrival.getOrDefault(track, System.nanoTime()));
            recorded = new RecordedTracks(camera, warnings);
        }
        write(() -> recorder.tracks(recorded.open(tracks)));
    }

    private void writeFrame(Frame frame) {
        if (writeFailure != null || recorder == null) {
            return;
        }
        write(() -> recorded.frame(frame, recorder));
    }

    @FunctionalInterface
    private interface Write {
        void run() throws IOException, SourceException, InterruptedException;
    }

    /** Runs one write; a failure ends the session with its reason and tears the RTSP session down. */
    private void write(Write write) {
        try {
            write.run();
        } catch (IOException e) {
            failed(new SourceException(FailureReason.ofWrite(e),
                    "cannot write: " + e.getMessage(), e));
        } catch (SourceException e) {
            failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failed(new SourceException(FailureReason.SHUTDOWN, "interrupted"));
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected failure while recording", camera.id(), e);
            failed(new SourceException(FailureReason.ERROR, e.toString()));
        }
    }

    private void failed(SourceException e) {
        if (writeFailure == null) {
            writeFailure = e;
            session.close();
        }
    }

    /** After every queued write: ends the recorder and completes the result with the exact reason. */
    private void end(SourceException closed, String codec) {
        FailureReason reason = closed.reason();
        String detail = closed.getMessage();
        boolean refused = closed.isTransportRefused();
        boolean nothingOverUdp = closed.isNothingOverUdp();
        if (writeFailure != null) {
            reason = writeFailure.reason();
            detail = writeFailure.getMessage();
            refused = false;
            nothingOverUdp = false;
        } else if (stopRequested) {
            reason = FailureReason.SHUTDOWN;
            detail = "recorder stopping";
        } else if (codec != null) {
            reason = FailureReason.PROTOCOL;
            detail = "the RTSP client cannot receive " + codec;
        } else if (recorder == null) {
            // as the FFmpeg source says it: which camera address could not be opened (password redacted)
            detail = "cannot open " + camera.redactedUrl() + ": " + detail;
        }
        Duration recordedTime = Duration.ZERO;
        try {
            if (recorder != null) {
                if (writeFailure == null) {
                    write(() -> recorded.flush(recorder));
                }
                recordedTime = recorder.end(reason, detail);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: ending the recording failed", camera.id(), e);
        } finally {
            if (recorded != null) {
                recorded.close();
            }
        }
        if (codec != null && writeFailure == null && !stopRequested) {
            unsupported.accept(codec);
        }
        result.complete(new SessionResult(reason, detail, recordedTime, refused, nothingOverUdp));
    }

    /** Bytes waiting for the lane now. Any thread. */
    long queuedBytes() {
        return queued.get();
    }

    /** The most bytes that ever waited for the lane. Any thread. */
    long mostQueuedBytes() {
        return mostQueued.get();
    }

    /** How often reading was paused for the lane. Any thread. */
    long pauses() {
        return pauses.get();
    }

    /** The RTSP exchange so far (credentials removed), for tests and diagnosis. Any thread. */
    List<String> exchange() {
        RtspSession s = session;
        return s == null ? List.of() : s.exchange();
    }
}
