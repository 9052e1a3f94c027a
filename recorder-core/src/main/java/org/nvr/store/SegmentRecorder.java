package org.nvr.store;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SourceException;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.CameraConfig;
import org.nvr.media.AvcSps;
import org.nvr.media.CameraTime;
import org.nvr.media.Codec;
import org.nvr.media.DecodeTimes;
import org.nvr.media.Frame;
import org.nvr.media.HevcSps;
import org.nvr.media.Track;
import org.nvr.mp4.FragmentedMp4Writer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link FrameRecorder} of the recorder: fragmented MP4 segments written in Java
 * ({@link FragmentedMp4Writer}: one gathering write per fragment, fragments of at most
 * {@link SegmentLedger#FRAGMENT_MICROS}, each written whole so a killed file is readable up to its last
 * fragment; H.265 as {@code hvc1}), under the segment/index invariant of {@link SegmentLedger} that the
 * FFmpeg path ({@code RecordingSession}) shares, so footage reads the same to every footage command:
 * <ul>
 *   <li>the run starts at the first video keyframe, dated by our clock at its arrival and advanced by
 *       stream time;</li>
 *   <li>segments are cut at keyframes by {@link Rotation}: at the target length, and at the next keyframe
 *       after the video's parameter sets changed (a new {@link #tracks} call, or new ones in-band);</li>
 *   <li>times are presentation times: with B-frames (decode times derived by {@link DecodeTimes}, as RTP
 *       carries presentation times only) a segment starts where its keyframe is shown, which its edit
 *       list makes time zero of the file;</li>
 *   <li>audio (AAC) up to a picture's time is written before that picture, so a cut puts every audio
 *       frame on the same side as the pictures around it. Tracks carry unrelated RTP clocks; audio is
 *       placed against video by the arrival of each track's first frame until the camera has told the
 *       time of both tracks ({@link #cameraTime}, its RTCP sender reports); from the next segment on (or
 *       from the first audio frame, if none came before), audio is placed by the camera's own clock, so
 *       network delay and jitter no longer move it against the pictures. Each segment that opens takes the
 *       newest reports; within a segment the placement never changes, so no track's times go backwards
 *       in a file. Audio already written is moved only when off by {@link #REALIGN_MICROS} or more, since
 *       a move breaks its continuity at that cut. The footage's wall time stays our clock's (the first
 *       keyframe's arrival).</li>
 * </ul>
 * Camera clock jumps are smoothed per track by {@link TrackClock}, as on the FFmpeg path. The source
 * reports received bytes and the states before {@code RECORDING} to the observer; this class reports
 * {@code RECORDING}, each picture written and each segment closed.
 *
 * <p>Threads: one thread at a time (the camera's writer lane), see {@link FrameRecorder}. Owns the open
 * segment's writer (through the ledger, which closes it); {@link #end} releases everything.
 */
public final class SegmentRecorder implements FrameRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentRecorder.class);
    private static final Duration FRAGMENT = Duration.ofNanos(SegmentLedger.FRAGMENT_MICROS * 1000);
    /** About 10 s of AAC at 48 kHz, as on the FFmpeg path: audio waiting for pictures that stopped. */
    static final int MAX_PENDING_AUDIO = 500;
    /**
     * How far audio already written must be off the camera's clock to be moved at a cut: beyond a LAN's
     * jitter and our lane's scheduling (tens of ms), below the 125 ms of audio lag viewers notice
     * (ITU-R BT.1359).
     */
    static final long REALIGN_MICROS = 100_000;
    /** Longest a picture waits for audio, in stream time: above a transcoder's delay plus interleaving. */
    static final long MAX_HOLD_MICROS = 500_000;

    private final CameraConfig camera;
    private final SegmentStore ctx;
    private final CameraObserver observer;
    private final StreamWarnings warnings;
    private final Rotation rotation;

    // Session state; touched by the writer lane only.
    private Track video;
    private Track audio;
    private DecodeTimes decodeTimes;
    private TrackClock videoClock;
    private TrackClock audioClock;
    /** The newest parameter sets of the video (the track's, replaced by in-band ones and new tracks). */
    private List<byte[]> latestSets = List.of();
    /** The newest parameter sets as pictures are stamped (ahead of {@link #latestSets} while pictures are held). */
    private List<byte[]> stampSets = List.of();
    /** The presentation delay as pictures are stamped (ahead of {@link #presentationDelay} likewise). */
    private long stampDelay;
    /** Pictures waiting for audio to reach their time; see {@link #holdOrWrite}. */
    private final ArrayDeque<HeldPicture> heldPictures = new ArrayDeque<>();
    /** Run time up to which audio has been queued; MIN_VALUE until the run's first audio. */
    private long audioUntilMicros = Long.MIN_VALUE;
    private boolean audioChanged;
    private final ArrayDeque<PendingAudio> pendingAudio = new ArrayDeque<>();
    private final List<DecodeTimes.Decoded> decoded = new ArrayList<>();
    /** Whether video frames go to {@link #decodeTimes}: from the session's first keyframe on. */
    private boolean videoStarted;
    /** The first audio frame's stamped time and arrival (its place against the video); MIN_VALUE until then. */
    private long audioFirstTicks = Long.MIN_VALUE;
    private long audioFirstArrivalMicros;
    /** The newest camera times (sender reports) of the video and audio tracks; null until one came. */
    private CameraTime videoTime;
    private CameraTime audioTime;
    /** The newest keyframe written: its run time and its own presentation time, which tie video to run time. */
    private long keyRunMicros;
    private long keyPts = Long.MIN_VALUE;
    /** The newest audio frame queued: its stamped time, and how far its stamp is from its own timestamp. */
    private long lastAudioTicks = Long.MIN_VALUE;
    private long audioStampShift;
    private boolean audioByCameraTime;
    /** Whether audio has gone into a segment this session (its placement is then visible). */
    private boolean audioWritten;

    private final SegmentLedger ledger;
    /** What this writer keeps of the ledger's current segment; null without one. */
    private OpenSegment segment;

    // Run state: zero until the run's first keyframe.
    private long originTicks;
    private long originArrivalMicros;
    private long presentationDelay;
    private long lastVideoEndMicros;
    private long recordedMicros;
    private boolean diskFull;
    private boolean ended;

    public SegmentRecorder(CameraConfig camera, SegmentStore ctx, CameraObserver observer,
                           StreamWarnings warnings) {
        this.camera = camera;
        this.ctx = ctx;
        this.observer = observer;
        this.warnings = warnings;
        this.rotation = new Rotation(ctx.segmentTarget().toNanos() / 1000);
        this.ledger = new SegmentLedger(camera, ctx, observer);
    }

    /**
     * @throws SourceException {@code no_video} without a video track; {@code protocol} for a video codec
     *                         this writer does not handle (H.264 and H.265 are; others record through
     *                         {@code source: ffmpeg})
     */
    @Override
    public void tracks(List<Track> tracks) throws IOException, SourceException, InterruptedException {
        Track v = tracks.stream().filter(t -> t.codec().isVideo()).findFirst().orElseThrow(() ->
                new SourceException(FailureReason.NO_VIDEO, camera.id() + ": the stream has no video"));
        if (v.codec() != Codec.H264 && v.codec() != Codec.H265) {
            throw new SourceException(FailureReason.PROTOCOL, camera.id() + ": video codec " + v.codec().ffmpegName()
                    + " is not written by the Java segment writer");
        }
        releaseHeld(true); // the pictures held so far belong to the tracks they came with
        Track a = null;
        for (Track t : tracks) {
            if (t.codec().isVideo()) {
                continue;
            }
            if (t.codec() == Codec.AAC && a == null) {
                a = t;
            } else {
                warnings.dropped(camera.id(), t.codec().ffmpegName(), "it is not AAC (the source transcodes G.711 to AAC)");
            }
        }
        if (video != null && v.codec() != video.codec()) {
            latestSets = List.of(); // a new codec: its own parameter sets, from the track or in-band
            stampSets = List.of();
        }
        if (!v.parameterSets().isEmpty()) {
            latestSets = v.parameterSets();
            stampSets = latestSets;
        }
        if (video == null || v.clockRate() != video.clockRate()) {
            decodeTimes = new DecodeTimes(2L * v.clockRate());
            videoClock = new TrackClock(v.clockRate(), v.clockRate() / 25);
        }
        if (audio != null && (a == null || !sameAudio(a, audio))) {
            audioChanged = true;
        }
        if (a != null && (audio == null || a.clockRate() != audio.clockRate())) {
            audioClock = new TrackClock(a.clockRate(), 1024);
            audioFirstTicks = Long.MIN_VALUE;
            lastAudioTicks = Long.MIN_VALUE;
            audioTime = null;
            pendingAudio.clear();
        }
        video = v;
        audio = a;
    }

    @Override
    public void frame(Frame frame) throws IOException, SourceException, InterruptedException {
        frame(frame, Duration.ZERO);
    }

    @Override
    public void frame(Frame frame, Duration held) throws IOException, SourceException, InterruptedException {
        if (video == null) {
            throw new IllegalStateException(camera.id() + ": frame before tracks");
        }
        long arrival = arrivalMicros() - held.toNanos() / 1000;
        int track = frame.track().index();
        if (track == video.index()) {
            if (!videoStarted && !frame.keyframe()) {
                return; // nothing before the first keyframe can be decoded
            }
            videoStarted = true;
            decoded.clear();
            decodeTimes.add(frame, arrival, decoded);
            for (DecodeTimes.Decoded d : decoded) {
                holdOrWrite(d.frame(), d.tag());
            }
            releaseHeld(false);
        } else if (audio != null && track == audio.index()) {
            queueAudio(frame, arrival);
            releaseHeld(false);
        }
    }

    /** Keeps the newest camera time of the video and of the audio track; see the class comment. */
    @Override
    public void cameraTime(CameraTime time) {
        if (video != null && time.track() == video.index()) {
            videoTime = time;
        } else if (audio != null && time.track() == audio.index()) {
            audioTime = time;
        }
    }

    /**
     * Places audio against video by the camera's clock from now on, once both tracks' camera times, a
     * keyframe and an audio frame are known: the newest audio frame goes where the camera says it was
     * captured relative to the newest keyframe. Called as a segment opens and at the session's first audio
     * frame, never within a segment, so audio times in a file never go backwards. Once audio has been
     * written, it is moved only when it is off by {@link #REALIGN_MICROS} or more: a move leaves a gap or
     * drops audio at that cut, where audio otherwise continues seamlessly from one segment to the next.
     *
     * @param written whether audio has been placed and written already (then the threshold applies)
     */
    private void alignAudio(boolean written) {
        if (videoTime == null || audioTime == null || audio == null || keyPts == Long.MIN_VALUE
                || lastAudioTicks == Long.MIN_VALUE) {
            return;
        }
        long cameraAudio = audioTime.micros(lastAudioTicks - audioStampShift, audio.clockRate());
        long cameraVideo = videoTime.micros(keyPts, video.clockRate());
        long runByCamera = keyRunMicros + cameraAudio - cameraVideo;
        if (written && Math.abs(runByCamera - audioRunMicros(lastAudioTicks)) < REALIGN_MICROS) {
            return;
        }
        audioFirstTicks = lastAudioTicks;
        audioFirstArrivalMicros = runByCamera + originArrivalMicros;
        audioUntilMicros = audioRunMicros(lastAudioTicks) + micros(audioClock.typicalDelta(), audio.clockRate());
        if (!audioByCameraTime) {
            audioByCameraTime = true;
            LOG.info("{}: audio placed against video by the camera's clock (RTCP sender reports) from now on",
                    camera.id());
        }
    }

    /**
     * Stamps a picture and, once the run has started and the camera sends audio, holds it until audio has
     * been queued up to its time (at most {@link #MAX_HOLD_MICROS} behind the newest picture), as the
     * FFmpeg path does with {@code HeldPictures}: audio reaches the recorder after the pictures it goes
     * with (a transcoder holds up to two AAC frames; tracks interleave on the wire), and a picture that
     * opens a segment must find the audio before it already queued, or that audio would be lost at the cut.
     */
    private void holdOrWrite(Frame f, long arrival) throws IOException, SourceException, InterruptedException {
        boolean key = f.keyframe();
        if (key) {
            List<byte[]> inBand = f.inBandParameterSets();
            if (!inBand.isEmpty()) {
                stampSets = inBand;
            }
        }
        if (!ledger.running() && (!key || stampSets.isEmpty())) {
            return; // a keyframe without parameter sets cannot start a file
        }
        TrackClock.Stamp stamp = videoClock.next(f.dts(), f.pts(), arrival);
        if (key) {
            stampDelay = Math.max(0, stamp.pts() - stamp.dts());
        }
        HeldPicture p = new HeldPicture(f, arrival, stamp, stampDelay, stampSets);
        if (!ledger.running() || audio == null) {
            picture(p);
        } else {
            heldPictures.add(p);
        }
    }

    /** Writes the held pictures that need wait no longer (all of them when {@code all}). */
    private void releaseHeld(boolean all) throws IOException, SourceException, InterruptedException {
        HeldPicture head;
        while ((head = heldPictures.peek()) != null) {
            long at = heldRunMicros(head);
            if (!(all || at <= audioUntilMicros || heldRunMicros(heldPictures.peekLast()) - at > MAX_HOLD_MICROS)) {
                return;
            }
            heldPictures.poll();
            picture(head);
        }
    }

    private long heldRunMicros(HeldPicture p) {
        return micros(p.stamp().dts() + p.delay() - originTicks, video.clockRate());
    }

    private void picture(HeldPicture p) throws IOException, SourceException, InterruptedException {
        Frame f = p.frame();
        long arrival = p.arrival();
        TrackClock.Stamp stamp = p.stamp();
        boolean key = f.keyframe();
        latestSets = p.sets();
        presentationDelay = p.delay();
        long ticks = stamp.dts() + presentationDelay;
        if (!ledger.running()) {
            startRun(ticks, arrival);
        }
        long runMicros = micros(ticks - originTicks, video.clockRate());
        if (key) {
            keyRunMicros = runMicros;
            keyPts = f.pts();
        }
        ledger.settle(runMicros, instant(arrival));
        // Audio up to this picture belongs with the pictures before it (and so in the old segment if this
        // picture opens a new one); later audio waits for the next picture.
        drainAudio(runMicros);
        boolean changed = segment != null && (!Track.sameParameterSets(latestSets, segment.videoSets) || audioChanged);
        if (changed && key) {
            LOG.info("{}: stream parameters changed; starting a new segment", camera.id());
        }
        if (rotation.shouldCut(key, runMicros, changed)) {
            cut(runMicros, ticks);
        }
        if (segment == null) {
            return;
        }
        long frameTicks = videoClock.typicalDelta();
        long frameMicros = Math.max(1, micros(frameTicks, video.clockRate()));
        long dts = stamp.dts() - segment.videoBase + segment.videoDelay;
        long pts = stamp.pts() - segment.videoBase + segment.videoDelay;
        write(new Frame(segment.videoTrack, pts, dts, key, f.data()));
        ledger.current().frameWritten();
        // With B-frames a stream that stops between a reference picture and the B-frames shown before it
        // ends where that reference picture is shown, not where the last picture decoded is.
        long shownMicros = micros(stamp.pts() - originTicks, video.clockRate());
        lastVideoEndMicros = Math.max(lastVideoEndMicros, Math.max(runMicros, shownMicros) + frameMicros);
        recordedMicros += frameMicros;
        observer.frameWritten(wall(runMicros), Duration.ofNanos(frameMicros * 1000), f.size(), key);
    }

    private void queueAudio(Frame f, long arrival) {
        TrackClock.Stamp stamp = audioClock.next(f.dts(), f.pts(), arrival);
        if (stamp == null) {
            return;
        }
        lastAudioTicks = stamp.dts();
        audioStampShift = stamp.dts() - f.dts();
        if (audioFirstTicks == Long.MIN_VALUE) {
            audioFirstTicks = stamp.dts();
            audioFirstArrivalMicros = arrival;
            if (ledger.running()) {
                alignAudio(false); // no audio written yet: the camera's clock may place it from the first frame
            }
        }
        if (pendingAudio.size() >= MAX_PENDING_AUDIO) {
            pendingAudio.poll();
        }
        pendingAudio.add(new PendingAudio(f, stamp.dts()));
        if (ledger.running()) {
            audioUntilMicros = Math.max(audioUntilMicros,
                    audioRunMicros(stamp.dts()) + micros(audioClock.typicalDelta(), audio.clockRate()));
        }
    }

    /** Run time of audio at {@code ticks}: placed by the arrival of the first audio and video frames. */
    private long audioRunMicros(long ticks) {
        return micros(ticks - audioFirstTicks, audio.clockRate()) + audioFirstArrivalMicros - originArrivalMicros;
    }

    /** Writes queued audio from before run time {@code beforeMicros}; audio from before the segment is dropped. */
    private void drainAudio(long beforeMicros) throws IOException {
        PendingAudio a;
        while ((a = pendingAudio.peek()) != null && audioRunMicros(a.ticks()) < beforeMicros) {
            pendingAudio.poll();
            if (segment == null || segment.audioTrack == null) {
                continue;
            }
            long base = audioFirstTicks + ticks(ledger.current().startMicros() - audioFirstArrivalMicros + originArrivalMicros,
                    audio.clockRate());
            long t = a.ticks() - base;
            if (t >= 0) {
                audioWritten = true;
                write(new Frame(segment.audioTrack, t, t, true, a.frame().data()));
            }
        }
    }

    private void write(Frame f) throws IOException {
        if (ledger.current().isFailed()) {
            return; // nothing more goes into a file whose last fragment may be torn
        }
        try {
            segment.writer.write(f);
        } catch (IOException e) {
            ledger.current().failed();
            diskFull |= FailureReason.ofWrite(e) == FailureReason.DISK_FULL;
            throw e;
        }
    }

    private void startRun(long ticks, long arrival) throws InterruptedException, SourceException {
        originTicks = ticks;
        originArrivalMicros = arrival;
        SegmentLedger.Description d = description(latestSets);
        ledger.startRun(instant(arrival), d, d.describe());
    }

    private SegmentLedger.Description description(List<byte[]> sets) {
        Picture p = Picture.of(video.codec(), sets);
        return new SegmentLedger.Description(video.codec().ffmpegName(), p.width(), p.height(),
                audio == null ? null : audio.codec().ffmpegName());
    }

    /** Closes the current segment at {@code runMicros} and opens the next one, starting with the keyframe at {@code ticks}. */
    private void cut(long runMicros, long ticks) throws IOException, InterruptedException, SourceException {
        finishSegment(runMicros);
        List<byte[]> sets = latestSets;
        Track videoTrack = Track.video(0, video.codec(), video.clockRate(), sets);
        Track audioTrack = audio == null ? null : new Track(1, Codec.AAC, audio.clockRate(), List.of(),
                audio.decoderConfig(), audio.sampleRate(), audio.channels());
        audioChanged = false;
        long delay = presentationDelay;
        FragmentedMp4Writer[] created = new FragmentedMp4Writer[1];
        try {
            ledger.open(runMicros, description(sets), file -> {
                FragmentedMp4Writer w = FragmentedMp4Writer.create(file, audioTrack == null ? List.of(videoTrack)
                        : List.of(videoTrack, audioTrack), FRAGMENT, Map.of(0, delay));
                created[0] = w;
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
        } catch (IOException e) {
            diskFull |= FailureReason.ofWrite(e) == FailureReason.DISK_FULL;
            throw e;
        }
        segment = new OpenSegment(created[0], videoTrack, audioTrack, sets, ticks, delay);
        rotation.started(runMicros);
        alignAudio(audioWritten); // before any audio of the new segment is written
    }

    /**
     * Closes the current segment (see {@link SegmentLedger#close}).
     *
     * @throws IOException the last fragment could not be written (after the segment was handed over anyway)
     */
    private void finishSegment(long endMicros) throws IOException {
        segment = null;
        try {
            ledger.close(endMicros);
        } catch (IOException e) {
            diskFull |= FailureReason.ofWrite(e) == FailureReason.DISK_FULL;
            throw e;
        }
    }

    /**
     * Writes the pictures still held for their decode times and the audio that goes with them, closes the
     * segment and ends the run. A full disk seen while writing is recorded as {@code disk_full} whatever
     * {@code reason} says.
     */
    @Override
    public Duration end(FailureReason reason, String detail) {
        if (ended) {
            return Duration.ofNanos(recordedMicros * 1000);
        }
        ended = true;
        try {
            if (decodeTimes != null && segment != null && !ledger.current().isFailed()) {
                decoded.clear();
                decodeTimes.finish(decoded);
                for (DecodeTimes.Decoded d : decoded) {
                    holdOrWrite(d.frame(), d.tag());
                }
                releaseHeld(true);
                drainAudio(lastVideoEndMicros);
            }
        } catch (IOException | SourceException e) {
            LOG.error("{}: cannot write the last pictures: {}", camera.id(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("{}: cannot write the last pictures", camera.id(), e);
        } finally {
            try {
                finishSegment(lastVideoEndMicros);
            } catch (IOException e) {
                LOG.error("{}: cannot close segment: {}", camera.id(), e.getMessage());
            }
            ledger.endRun(diskFull ? FailureReason.DISK_FULL : reason, detail, lastVideoEndMicros);
            pendingAudio.clear();
            heldPictures.clear();
        }
        return Duration.ofNanos(recordedMicros * 1000);
    }

    private long arrivalMicros() {
        Instant now = ctx.clock().instant();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static Instant instant(long arrivalMicros) {
        return Instant.ofEpochSecond(Math.floorDiv(arrivalMicros, 1_000_000), Math.floorMod(arrivalMicros, 1_000_000) * 1000);
    }

    private Instant wall(long runMicros) {
        return ledger.wall(runMicros);
    }

    /** {@code ticks} of a {@code rate} clock in microseconds, rounded to the nearest. */
    static long micros(long ticks, int rate) {
        return Math.floorDiv(ticks * 1_000_000 + rate / 2, rate);
    }

    /** {@code micros} in ticks of a {@code rate} clock, rounded to the nearest. */
    static long ticks(long micros, int rate) {
        return Math.floorDiv(micros * rate + 500_000, 1_000_000);
    }


    private static boolean sameAudio(Track a, Track b) {
        return a.clockRate() == b.clockRate() && a.sampleRate() == b.sampleRate() && a.channels() == b.channels()
                && Arrays.equals(a.decoderConfig(), b.decoderConfig());
    }

    /** The picture size an SPS gives, for the index; nulls when it cannot be read. */
    private record Picture(Integer width, Integer height) {
        static Picture of(Codec codec, List<byte[]> sets) {
            try {
                for (byte[] n : sets) {
                    if (codec == Codec.H264 && n.length > 0 && (n[0] & 0x1f) == 7) {
                        AvcSps s = AvcSps.parse(n);
                        return new Picture(s.width(), s.height());
                    }
                    if (codec == Codec.H265 && n.length > 0 && ((n[0] >> 1) & 0x3f) == 33) {
                        HevcSps s = HevcSps.parse(n);
                        return new Picture(s.width(), s.height());
                    }
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("unreadable SPS", e);
            }
            return new Picture(null, null);
        }
    }

    /** A stamped picture waiting for its audio, with the parameter sets and presentation delay it came with. */
    private record HeldPicture(Frame frame, long arrival, TrackClock.Stamp stamp, long delay, List<byte[]> sets) {
    }

    /** An audio frame waiting for the pictures it goes with, with its stamped time. */
    private record PendingAudio(Frame frame, long ticks) {
    }

    /** What this writer keeps of the segment being written, beside the ledger's {@link SegmentLedger.Segment}. */
    private record OpenSegment(FragmentedMp4Writer writer, Track videoTrack, Track audioTrack, List<byte[]> videoSets,
                               long videoBase, long videoDelay) {
        /** The opening keyframe's presentation time (stamped ticks) is presentation time zero of the file. */
        /* videoDelay: its decode-to-presentation delay, its decode time in the file and the edit list's offset */
    }
}
