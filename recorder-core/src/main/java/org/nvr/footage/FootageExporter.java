package org.nvr.footage;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_clone;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_copy_props;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_close;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.nvr.ffmpeg.AvErrors;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.media.Codec;
import org.nvr.media.ParameterSets;
import org.nvr.store.SegmentFinisher;

/**
 * Joins indexed segments into one regular MP4 (moov before mdat) for a requested range, copying the
 * coded video and audio as they are (no re-encoding), and checks every source against the SHA-256 the
 * index stored when it closed.
 *
 * <h2>The start rule</h2>
 * The export starts at the first picture at or after {@code from} (at most one frame interval later).
 * Its decoding starts at the keyframe before that picture: the pictures from that keyframe up to the
 * start are in the file with negative times and an edit list hides them, so players start exactly at
 * the requested picture with nothing re-encoded. Audio starts at the first audio frame at or after the
 * start picture.
 *
 * <h2>The end and the timeline</h2>
 * The last picture is the last one before {@code to}; its duration is cut so the export ends exactly at
 * {@code to} (or where the footage ends, if earlier). Audio frames that would run past the end are left
 * out. Gaps are cut out of the timeline: the picture after a gap follows the picture before it, so no
 * picture stays frozen on screen for the length of a gap (which would look like a still scene) and the
 * file keeps the camera's frame rate. The export's length is therefore the footage it holds:
 * {@code to - start} minus the gaps, which the caller reports on stderr and in the manifest with their
 * wall-clock times.
 *
 * <h2>Sources</h2>
 * Only closed (hashed) segments are exported. A background thread ({@code nvr-export-verify}) hashes
 * each source ahead of the muxer (also warming the page cache for it); a source whose hash differs from
 * the index, or whose file is gone, stops the export with {@link SegmentMismatchException} unless
 * mismatches are allowed, in which case a changed file is exported and flagged in the result, and a
 * missing (or changed and unreadable) one is a gap of the export, listed in {@link Result#gaps()} with
 * its reason. A source retention deleted while the export ran (its row gone or marked for deletion,
 * asked of the {@link SourceLookup}) is not tampering: it is a gap with reason {@code deleted}, as it
 * would have been had the export started a moment later.
 *
 * <h2>Moov first</h2>
 * Space for the moov is reserved at the start of the file from the sample counts in the index (see
 * {@link #moovReserve}), so the export is written once; should the estimate ever be short, the export is
 * written again with the muxer's {@code faststart} (moov moved to the front after writing).
 *
 * <p>One call per export, on the caller's thread; owns every native context and the verify thread for
 * the duration of the call. Writes into the temporary file of an {@link OutputFile}, which the caller
 * publishes with the manifest, so a failed export never leaves a file under the requested name.
 */
public final class FootageExporter {
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);
    private static final int HVC1 = 'h' | ('v' << 8) | ('c' << 16) | ('1' << 24);
    /** Segments closer than this to the picture before them are contiguous (timestamp rounding). */
    private static final long JOIN_TOLERANCE_US = 500_000;

    /** Where an export is, for a progress bar. Called on the exporting thread. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (phase, done, total) -> { };

        /** {@code phase} is {@code copy}, {@code finish} (moov moved before mdat) or {@code hash}. */
        void update(String phase, long done, long total);
    }

    /** One source segment as exported: its actual hash and whether it matches the index. */
    public record Source(SegmentRow row, Path file, String sha256, boolean matchesIndex) {
    }

    /**
     * What was written. {@code start}/{@code end}: the wall-clock span the export shows. {@code gaps}: the
     * spans of sources left out (their time is cut out of the video like any other gap), with the reason:
     * {@code missing_file}, {@code hash_mismatch} (changed and unreadable) or {@code deleted} (by
     * retention while the export ran).
     */
    public record Result(Path output, String sha256, long bytes, Instant start, Instant end,
                         java.time.Duration length, boolean audio, List<Source> sources, List<String> warnings,
                         List<Gap> gaps) {
    }

    /** The index as it is now, asked when a source's file is gone: was it deleted by retention? */
    @FunctionalInterface
    public interface SourceLookup {
        /** Knows nothing: a file that is gone is missing. */
        SourceLookup NONE = row -> Optional.of(row);

        /** The row now stored at {@code row}'s path; empty when none is. */
        Optional<SegmentRow> current(SegmentRow row) throws SQLException;
    }

    private final Path root;
    private final boolean allowMismatch;
    private final Progress progress;
    private final SourceLookup lookup;
    private Consumer<SegmentRow> beforeSource = row -> { };

    /**
     * @param root          the storage root segment paths are relative to
     * @param allowMismatch export sources whose hash no longer matches the index (flagged) instead of refusing
     */
    public FootageExporter(Path root, boolean allowMismatch, Progress progress) {
        this(root, allowMismatch, progress, SourceLookup.NONE);
    }

    /** @param lookup tells a source deleted by retention during the export from a file that went missing */
    public FootageExporter(Path root, boolean allowMismatch, Progress progress, SourceLookup lookup) {
        this.root = root;
        this.allowMismatch = allowMismatch;
        this.progress = progress == null ? Progress.NONE : progress;
        this.lookup = lookup;
    }

    /** Tests: runs on the exporting thread as each source's turn comes, before its file is checked. */
    void beforeSource(Consumer<SegmentRow> hook) {
        this.beforeSource = hook;
    }

    /**
     * Exports {@code segments} (closed, oldest first, overlapping the range) cut to {@code [from, to)} into
     * {@code output}'s temporary file; the caller publishes it (with its manifest) or drops it.
     *
     * @throws SegmentMismatchException a source changed after recording (and mismatches are not allowed)
     * @throws IOException              reading or writing failed, or the footage cannot be joined
     */
    public Result export(List<SegmentRow> segments, Instant from, Instant to, OutputFile output)
            throws IOException, InterruptedException {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("no segments to export");
        }
        FfmpegRuntime.init();
        Path partial = output.temp(output.file());
        ExecutorService verifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nvr-export-verify");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<String>> hashes = new ArrayList<>();
            for (SegmentRow s : segments) {
                Path file = root.resolve(s.path());
                hashes.add(verifier.submit(() -> Files.isRegularFile(file) ? SegmentFinisher.sha256(file) : null));
            }
            Job job = new Job(segments, from, to, partial, hashes, moovReserve(segments));
            try {
                job.run();
            } catch (MoovTooSmallException e) {
                // The estimate was short (never seen): write again the slow way, moov moved at the end.
                job.close();
                job = new Job(segments, from, to, partial, hashes, 0);
                job.run();
            } finally {
                job.close();
            }
            progress.update("hash", 0, Files.size(partial));
            String sha = SegmentFinisher.sha256(partial);
            long bytes = Files.size(partial);
            progress.update("hash", bytes, bytes);
            return new Result(output.file(), sha, bytes, job.startWall(), job.endWall(), job.length(),
                    job.audioOut != null, List.copyOf(job.sources), List.copyOf(job.warnings), List.copyOf(job.gaps));
        } finally {
            verifier.shutdownNow();
        }
    }

    /**
     * Bytes to reserve for the moov at the start of the file, so that it is written in place and the
     * muxer need not move the whole mdat afterwards (which would read and write the export a second
     * time). Generous: 32 bytes per sample (size, time, chunk offset, keyframe entries) for the frames
     * the index counted and up to 50 audio frames a second, plus room for the sample descriptions.
     */
    static long moovReserve(List<SegmentRow> segments) {
        long samples = 0;
        for (SegmentRow s : segments) {
            long seconds = s.duration() == null ? 3600 : s.duration().toSeconds() + 1;
            samples += (s.frames() != null ? s.frames() : seconds * 60) + seconds * 50;
        }
        return Math.min(Integer.MAX_VALUE, samples * 32 + 256 * 1024);
    }

    /** The reserved moov space was too small. */
    private static final class MoovTooSmallException extends IOException {
        MoovTooSmallException(String message) {
            super(message);
        }
    }

    /** A packet waiting for the start picture, with what is needed to place it on the timeline. */
    private record Pending(AVPacket pkt, boolean video, long segStartUs, AVRational inTb, byte[] prefix) {
    }

    /** The state of one export: the output context, the timeline anchor, per-track bookkeeping. */
    private final class Job implements AutoCloseable {
        private final List<SegmentRow> segments;
        private final long fromUs;
        private final long toUs;
        private final Path partial;
        private final List<Future<String>> hashes;
        final List<Source> sources = new ArrayList<>();
        final List<String> warnings = new ArrayList<>();
        final List<Gap> gaps = new ArrayList<>();
        private final Instant from;
        private final Instant to;

        private AVFormatContext oc;
        private AVStream videoOut;
        AVStream audioOut;
        private AVCodecParameters audioParams;
        private byte[] videoExtradata;
        private int videoCodec;
        private int lengthSize;
        private AVRational videoTb;
        private AVRational audioTb;

        /** Wall-clock µs of the start picture, once found; the export's time zero. */
        private long anchorUs = Long.MIN_VALUE;
        private long lastVideoDts = Long.MIN_VALUE;
        private long lastAudioDts = Long.MIN_VALUE;
        /** Real wall-clock µs where the last picture written ends. */
        private long endUs = Long.MIN_VALUE;
        /** The export's length (µs): where the last picture ends on its timeline. */
        private long timelineEndUs;
        /** Timeline µs minus wall-clock µs for the current segment: the gaps cut out so far (negative). */
        private long gapShiftUs;
        /** Timeline µs where the last picture written so far ends, by its own duration. */
        private long lastVideoEndTlUs = Long.MIN_VALUE;
        private long heldWallEndUs;
        private final Deque<Pending> pending = new ArrayDeque<>();
        /** Wall-clock µs of the earliest picture at or after {@code from} seen so far, before the anchor is set. */
        private long startUs = Long.MIN_VALUE;
        /** Pictures shown at or after the end but decoded before it, kept in case a picture shown before the end needs them. */
        private final Deque<Pending> beyondEnd = new ArrayDeque<>();
        private long beyondWallUs;
        private AVPacket heldVideo;
        private boolean cutAtEnd;
        /** Wall-clock µs of the first picture at or after the end, when there was one. */
        private long cutWallUs;
        private long bytesBefore;
        private long totalBytes;

        private final long moovReserve;

        Job(List<SegmentRow> segments, Instant from, Instant to, Path partial, List<Future<String>> hashes,
            long moovReserve) {
            this.moovReserve = moovReserve;
            this.segments = segments;
            this.from = from;
            this.to = to;
            this.fromUs = from.toEpochMilli() * 1000;
            this.toUs = to.toEpochMilli() * 1000;
            this.partial = partial;
            this.hashes = hashes;
            this.totalBytes = segments.stream().mapToLong(SegmentRow::bytes).sum();
        }

        Instant startWall() {
            return Instant.ofEpochSecond(0, anchorUs * 1000);
        }

        Instant endWall() {
            return Instant.ofEpochSecond(0, endUs * 1000);
        }

        java.time.Duration length() {
            return java.time.Duration.ofNanos(timelineEndUs * 1000);
        }

        void run() throws IOException, InterruptedException {
            for (int i = 0; i < segments.size(); i++) {
                SegmentRow seg = segments.get(i);
                Path file = root.resolve(seg.path());
                beforeSource.accept(seg);
                String actual = await(hashes.get(i));
                if (actual == null) {
                    leaveOutMissing(seg, file);
                    continue;
                }
                boolean matches = actual.equalsIgnoreCase(seg.sha256());
                if (!matches) {
                    SegmentMismatchException e = new SegmentMismatchException(file, seg.sha256(), actual);
                    if (!allowMismatch) {
                        throw e;
                    }
                    warnings.add(e.getMessage());
                }
                Source source = new Source(seg, file, actual, matches);
                if (!copySegment(seg, file)) {
                    if (Files.notExists(file)) {
                        leaveOutMissing(seg, file); // gone after it was hashed
                        continue;
                    }
                    if (matches) {
                        throw new IOException(file + ": cannot open");
                    }
                    // changed after recording and no longer readable: nothing of it can be shown
                    sources.add(source);
                    leaveOut(seg, "hash_mismatch", seg.path() + " was changed after recording and cannot be read");
                    continue;
                }
                sources.add(source);
                bytesBefore += seg.bytes();
                if (endReached()) {
                    break;
                }
            }
            if (anchorUs == Long.MIN_VALUE) {
                throw new IOException("no picture of the footage falls inside the range");
            }
            flushHeld(true);
            progress.update("finish", 0, 1);
            int ret = av_write_trailer(oc);
            if (ret < 0 && moovReserve > 0) {
                throw new MoovTooSmallException(partial + ": " + AvErrors.text(ret));
            }
            check(ret, "write trailer");
            progress.update("finish", 1, 1);
        }

        private boolean endReached() {
            return cutAtEnd;
        }

        /**
         * A source whose file is gone: deleted by retention since the export was planned (its row is gone
         * or marked for deletion) is a gap like any footage retention removed; otherwise the file is
         * missing, which refuses the export unless mismatches are allowed.
         */
        private void leaveOutMissing(SegmentRow seg, Path file) throws IOException {
            if (deletedByRetention(seg)) {
                leaveOut(seg, "deleted", seg.path() + " was deleted by retention while the export ran");
                return;
            }
            SegmentMismatchException e = new SegmentMismatchException(file, seg.sha256(), null);
            if (!allowMismatch) {
                throw e;
            }
            warnings.add(e.getMessage());
            sources.add(new Source(seg, file, null, false));
            leaveOut(seg, "missing_file", seg.path() + " is missing (indexed SHA-256 " + seg.sha256() + ")");
        }

        private boolean deletedByRetention(SegmentRow seg) throws IOException {
            try {
                Optional<SegmentRow> now = lookup.current(seg);
                return now.isEmpty() || now.get().id() != seg.id() || now.get().state() == SegmentState.DELETING;
            } catch (SQLException e) {
                throw new IOException("cannot ask the index about " + seg.path() + ": " + e.getMessage(), e);
            }
        }

        /** A source's span inside the range, listed as a gap: its time is cut out like any gap's. */
        private void leaveOut(SegmentRow seg, String reason, String detail) {
            Instant start = seg.start().isBefore(from) ? from : seg.start();
            Instant end = seg.end() == null || seg.end().isAfter(to) ? to : seg.end();
            if (start.isBefore(end)) {
                gaps.add(new Gap(seg.camera(), start, end, reason, detail));
            }
        }

        private String await(Future<String> f) throws IOException, InterruptedException {
            try {
                return f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                throw c instanceof IOException io ? io : new IOException(String.valueOf(c.getMessage()), c);
            }
        }

        /** Copies one segment's packets that fall inside the range; false when the file cannot be opened. */
        private boolean copySegment(SegmentRow seg, Path file) throws IOException {
            AVFormatContext ic = new AVFormatContext(null);
            if (avformat_open_input(ic, file.toString(), null, null) < 0) {
                return false;
            }
            AVPacket pkt = av_packet_alloc();
            try {
                int v = -1;
                int a = -1;
                for (int s = 0; s < ic.nb_streams(); s++) {
                    int type = ic.streams(s).codecpar().codec_type();
                    if (type == AVMEDIA_TYPE_VIDEO && v < 0) {
                        v = s;
                    } else if (type == AVMEDIA_TYPE_AUDIO && a < 0) {
                        a = s;
                    }
                }
                if (v < 0) {
                    warnings.add(file + ": no video track; skipped");
                    return true;
                }
                if (oc == null) {
                    openOutput(ic.streams(v));
                }
                AVStream vin = ic.streams(v);
                byte[] prefix = prefixFor(seg, vin.codecpar());
                boolean audio = a >= 0 && audioOut != null && sameAudio(ic.streams(a).codecpar());
                if (a >= 0 && audioOut != null && !audio) {
                    warnings.add(file + ": audio format differs from the export's; its audio is left out");
                }
                AVRational vtb = vin.time_base();
                AVRational atb = audio ? ic.streams(a).time_base() : null;
                long segStartUs = seg.start().toEpochMilli() * 1000;
                placeSegment(seg, segStartUs);
                long placeUs = segStartUs + gapShiftUs;
                boolean keySeen = false;
                int packets = 0;
                while (av_read_frame(ic, pkt) >= 0) {
                    try {
                        if (++packets % 256 == 0 && pkt.pos() > 0) {
                            progress.update("copy", bytesBefore + pkt.pos(), totalBytes);
                        }
                        boolean isVideo = pkt.stream_index() == v;
                        if (!isVideo && !(audio && pkt.stream_index() == a)) {
                            continue;
                        }
                        AVRational tb = isVideo ? vtb : atb;
                        long pts = pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : pkt.dts();
                        if (pts == AV_NOPTS_VALUE) {
                            continue;
                        }
                        if (isVideo) {
                            boolean key = (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
                            if (!keySeen && !key) {
                                continue; // undecodable until this segment's first keyframe
                            }
                            keySeen = true;
                        }
                        long wallUs = segStartUs + av_rescale_q(pts, tb, MICROS);
                        // Pictures come in decoding order; with B-frames a later one may be shown earlier,
                        // but never earlier than its own decoding time.
                        long decodeWallUs = isVideo && pkt.dts() != AV_NOPTS_VALUE
                                ? Math.min(wallUs, segStartUs + av_rescale_q(pkt.dts(), tb, MICROS)) : wallUs;
                        if (anchorUs == Long.MIN_VALUE && isVideo && startUs != Long.MIN_VALUE
                                && (key(pkt) || decodeWallUs >= startUs) && !anchor()) {
                            return true;
                        }
                        if (anchorUs == Long.MIN_VALUE) {
                            if (isVideo && key(pkt)) {
                                clearPendingVideo();
                            }
                            if (isVideo && wallUs >= fromUs) {
                                startUs = startUs == Long.MIN_VALUE ? wallUs : Math.min(startUs, wallUs);
                            }
                            if (isVideo || wallUs >= fromUs) {
                                pending.add(new Pending(av_packet_clone(pkt), isVideo, segStartUs, tb,
                                        isVideo && key(pkt) ? prefix : null));
                            }
                            continue;
                        }
                        if (isVideo) {
                            if (decodeWallUs >= toUs) {
                                cutAtEnd = true;
                                cutWallUs = beyondEnd.isEmpty() ? wallUs : Math.min(wallUs, beyondWallUs);
                                return true;
                            }
                            if (wallUs >= toUs && wallUs >= heldWallEndUs) {
                                // Shown after the end, but B-frames decoded after it may still be shown before it.
                                // (A picture shown before one already written is written: it fills a hole.)
                                if (beyondEnd.isEmpty()) {
                                    beyondWallUs = wallUs;
                                }
                                beyondEnd.add(new Pending(av_packet_clone(pkt), true, placeUs, vtb,
                                        key(pkt) ? prefix : null));
                                continue;
                            }
                            writeBeyondEnd();
                            writeVideo(pkt, placeUs, vtb, key(pkt) ? prefix : null);
                        } else {
                            long durUs = pkt.duration() > 0 ? av_rescale_q(pkt.duration(), tb, MICROS) : 0;
                            if (wallUs >= anchorUs && wallUs + durUs <= toUs) {
                                writeAudio(pkt, placeUs, atb);
                            }
                        }
                    } finally {
                        av_packet_unref(pkt);
                    }
                }
                if (anchorUs == Long.MIN_VALUE && startUs != Long.MIN_VALUE) {
                    anchor(); // no later picture can be shown before the start: the next segment opens with a keyframe
                }
            } finally {
                clearBeyondEnd(); // pictures after the end that no picture before it needed
                av_packet_free(pkt);
                avformat_close_input(ic);
            }
            return true;
        }

        /**
         * The export starts at {@link #startUs}, the earliest picture at or after {@code from}: known
         * once a picture decoded at or after it arrives (with B-frames, pictures shown before it may
         * still follow it in decoding order), a keyframe arrives, or the segment ends.
         *
         * @return false when that picture is at or after the end: nothing of the range is to be shown
         */
        private boolean anchor() throws IOException {
            if (startUs >= toUs) {
                cutAtEnd = true;
                cutWallUs = startUs;
                return false;
            }
            anchorUs = startUs;
            flushPending();
            return true;
        }

        /** A picture shown before the end follows the held ones: they are its references, so they are written. */
        private void writeBeyondEnd() throws IOException {
            while (!beyondEnd.isEmpty()) {
                Pending p = beyondEnd.poll();
                try {
                    writeVideo(p.pkt(), p.segStartUs(), p.inTb(), p.prefix());
                } finally {
                    av_packet_free(p.pkt());
                }
            }
        }

        private void clearBeyondEnd() {
            for (Pending p : beyondEnd) {
                av_packet_free(p.pkt());
            }
            beyondEnd.clear();
        }

        private boolean key(AVPacket pkt) {
            return (pkt.flags() & AV_PKT_FLAG_KEY) != 0;
        }

        /**
         * Places a segment on the export's timeline right after the picture before it: a gap in the
         * footage is cut out (the manifest and stderr say where), so the file has no picture frozen for
         * the length of a gap and its frame rate stays the camera's; a segment that would overlap the
         * one before (the recorder's clock stepped back) is moved after it. Contiguous segments of a run
         * stay where their recorded times put them.
         */
        private void placeSegment(SegmentRow seg, long segStartUs) {
            if (anchorUs == Long.MIN_VALUE || lastVideoEndTlUs == Long.MIN_VALUE) {
                return;
            }
            long nominal = segStartUs - anchorUs + gapShiftUs;
            long hole = nominal - lastVideoEndTlUs;
            if (hole > JOIN_TOLERANCE_US) {
                gapShiftUs -= hole;
            } else if (hole < 0) {
                gapShiftUs -= hole;
                if (hole < -JOIN_TOLERANCE_US) {
                    warnings.add(seg.path() + ": starts " + (-hole / 1000) + " ms before the end of the footage"
                            + " before it (the recorder's clock stepped back); placed after it");
                }
            }
        }

        private byte[] prefixFor(SegmentRow seg, AVCodecParameters par) throws IOException {
            if (par.codec_id() != videoCodec) {
                throw new IOException("the camera's video codec changes at " + seg.start() + " ("
                        + avcodec_get_name(videoCodec).getString() + " to " + avcodec_get_name(par.codec_id()).getString()
                        + "): export the footage before and after that time separately");
            }
            byte[] extradata = extradata(par);
            if (ParameterSets.same(extradata, videoExtradata)) {
                return null;
            }
            ParameterSets sets = ParameterSets.parse(codecOf(par.codec_id()), extradata, lengthSize);
            if (sets == null || ParameterSets.lengthSize(codecOf(par.codec_id()), extradata) != lengthSize) {
                throw new IOException("the camera's stream parameters change at " + seg.start()
                        + " in a way that cannot be joined: export the footage before and after that time separately");
            }
            warnings.add(seg.path() + ": stream parameters change (resolution or profile); carried in band");
            return sets.inBand();
        }

        private boolean sameAudio(AVCodecParameters p) {
            return p.codec_id() == audioParams.codec_id() && p.sample_rate() == audioParams.sample_rate()
                    && p.ch_layout().nb_channels() == audioParams.ch_layout().nb_channels();
        }

        private void openOutput(AVStream video) throws IOException {
            oc = new AVFormatContext(null);
            check(avformat_alloc_output_context2(oc, null, "mp4", partial.toString()), "allocate muxer");
            videoOut = avformat_new_stream(oc, null);
            check(avcodec_parameters_copy(videoOut.codecpar(), video.codecpar()), "copy video parameters");
            videoCodec = video.codecpar().codec_id();
            videoOut.codecpar().codec_tag(videoCodec == AV_CODEC_ID_HEVC ? HVC1 : 0);
            videoTb = rational(video.time_base());
            videoOut.time_base(rational(videoTb));
            videoExtradata = extradata(video.codecpar());
            lengthSize = ParameterSets.lengthSize(codecOf(videoCodec), videoExtradata);
            AVCodecParameters audio = firstAudio();
            if (audio != null) {
                audioOut = avformat_new_stream(oc, null);
                check(avcodec_parameters_copy(audioOut.codecpar(), audio), "copy audio parameters");
                audioOut.codecpar().codec_tag(0);
                audioParams = audioOut.codecpar();
                audioTb = new AVRational().num(1).den(Math.max(1, audio.sample_rate()));
                audioOut.time_base(rational(audioTb));
                org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_free(audio);
            }
            AVIOContext pb = new AVIOContext(null);
            check(avio_open(pb, partial.toString(), AVIO_FLAG_WRITE), "create " + partial);
            oc.pb(pb);
            AVDictionary opts = new AVDictionary(null);
            try {
                if (moovReserve > 0) {
                    av_dict_set(opts, "moov_size", Long.toString(moovReserve), 0);
                } else {
                    av_dict_set(opts, "movflags", "+faststart", 0);
                }
                check(avformat_write_header(oc, opts), "write header");
            } finally {
                av_dict_free(opts);
            }
        }

        /** Codec parameters of the first audio track among the sources, or null (caller frees them). */
        private AVCodecParameters firstAudio() {
            for (SegmentRow s : segments) {
                if (s.audioCodec() == null) {
                    continue;
                }
                AVFormatContext ic = new AVFormatContext(null);
                if (avformat_open_input(ic, root.resolve(s.path()).toString(), null, null) < 0) {
                    continue;
                }
                try {
                    for (int i = 0; i < ic.nb_streams(); i++) {
                        if (ic.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_AUDIO) {
                            AVCodecParameters p = org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_alloc();
                            avcodec_parameters_copy(p, ic.streams(i).codecpar());
                            return p;
                        }
                    }
                } finally {
                    avformat_close_input(ic);
                }
            }
            return null;
        }

        private void clearPending() {
            for (Pending p : pending) {
                av_packet_free(p.pkt());
            }
            pending.clear();
        }

        /** A new keyframe before the start: the pictures before it are not needed to decode the start. */
        private void clearPendingVideo() {
            pending.removeIf(p -> {
                if (p.video()) {
                    av_packet_free(p.pkt());
                    return true;
                }
                return false;
            });
        }

        private void flushPending() throws IOException {
            while (!pending.isEmpty()) {
                Pending p = pending.poll();
                try {
                    if (p.video()) {
                        writeVideo(p.pkt(), p.segStartUs(), p.inTb(), p.prefix());
                    } else {
                        long pts = p.pkt().pts() != AV_NOPTS_VALUE ? p.pkt().pts() : p.pkt().dts();
                        if (p.segStartUs() + av_rescale_q(pts, p.inTb(), MICROS) >= anchorUs) {
                            writeAudio(p.pkt(), p.segStartUs(), p.inTb());
                        }
                    }
                } finally {
                    av_packet_free(p.pkt());
                }
            }
        }

        /** Places a packet on the export's timeline: time zero is the start picture. */
        private void place(AVPacket pkt, long segStartUs, AVRational inTb, AVRational outTb) {
            long offset = av_rescale_q(segStartUs - anchorUs, MICROS, outTb);
            long pts = pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : pkt.dts();
            long dts = pkt.dts() != AV_NOPTS_VALUE ? pkt.dts() : pts;
            pkt.pts(av_rescale_q(pts, inTb, outTb) + offset);
            pkt.dts(av_rescale_q(dts, inTb, outTb) + offset);
            pkt.duration(pkt.duration() > 0 ? av_rescale_q(pkt.duration(), inTb, outTb) : 0);
            pkt.pos(-1);
        }

        private void writeVideo(AVPacket in, long segStartUs, AVRational inTb, byte[] prefix) throws IOException {
            AVPacket pkt = prefix == null ? av_packet_clone(in) : withPrefix(in, prefix);
            long shown = pkt.pts() != AV_NOPTS_VALUE ? pkt.pts() : pkt.dts();
            long wallEndUs = segStartUs - gapShiftUs
                    + av_rescale_q(shown + Math.max(0, pkt.duration()), inTb, MICROS);
            place(pkt, segStartUs, inTb, videoTb);
            if (pkt.dts() <= lastVideoDts) {
                av_packet_free(pkt); // cannot go back in time; only a clock step does this, reported above
                return;
            }
            heldWallEndUs = Math.max(heldWallEndUs, wallEndUs);
            lastVideoDts = pkt.dts();
            pkt.stream_index(videoOut.index());
            flushHeld(false);
            long frame = pkt.duration() > 0 ? pkt.duration() : av_rescale_q(40_000, MICROS, videoTb);
            lastVideoEndTlUs = Math.max(lastVideoEndTlUs, av_rescale_q(pkt.pts() + frame, videoTb, MICROS));
            heldVideo = pkt;
        }

        /**
         * Writes the picture held back (its successor decides nothing about it, but the last one's
         * duration is cut to the requested end). {@code last}: no picture follows.
         */
        private void flushHeld(boolean last) throws IOException {
            if (heldVideo == null) {
                return;
            }
            AVPacket pkt = heldVideo;
            heldVideo = null;
            long pts = pkt.pts();
            if (last) {
                // Footage going on past the end: the last picture lasts until the end. Footage ending
                // before it (or a gap before the next picture): the picture keeps its own duration.
                long toTicks = av_rescale_q(toUs + gapShiftUs - anchorUs, MICROS, videoTb);
                long frame = pkt.duration() > 0 ? pkt.duration() : av_rescale_q(40_000, MICROS, videoTb);
                boolean continues = cutAtEnd && cutWallUs - heldWallEndUs < JOIN_TOLERANCE_US;
                pkt.duration(continues ? Math.max(1, toTicks - pts) : Math.max(1, Math.min(frame, toTicks - pts)));
                endUs = continues ? toUs : Math.min(heldWallEndUs, toUs);
            }
            long endTicks = pts + Math.max(0, pkt.duration());
            timelineEndUs = Math.max(timelineEndUs, av_rescale_q(endTicks, videoTb, MICROS));
            if (last && anchorUs + timelineEndUs - gapShiftUs > endUs) {
                // B-frames: a picture shown after the end had to be written for the ones shown before it
                endUs = anchorUs + timelineEndUs - gapShiftUs;
            }
            try {
                av_packet_rescale_ts(pkt, videoTb, videoOut.time_base());
                check(av_interleaved_write_frame(oc, pkt), "write video");
            } finally {
                av_packet_free(pkt);
            }
        }

        private void writeAudio(AVPacket in, long segStartUs, AVRational inTb) throws IOException {
            AVPacket pkt = av_packet_clone(in);
            try {
                place(pkt, segStartUs, inTb, audioTb);
                if (pkt.dts() <= lastAudioDts) {
                    return;
                }
                lastAudioDts = pkt.dts();
                pkt.stream_index(audioOut.index());
                av_packet_rescale_ts(pkt, audioTb, audioOut.time_base());
                check(av_interleaved_write_frame(oc, pkt), "write audio");
            } finally {
                av_packet_free(pkt);
            }
        }

        private AVPacket withPrefix(AVPacket in, byte[] prefix) throws IOException {
            AVPacket out = av_packet_alloc();
            check(av_new_packet(out, prefix.length + in.size()), "allocate packet");
            BytePointer data = out.data();
            data.position(0).put(prefix, 0, prefix.length);
            byte[] body = new byte[in.size()];
            in.data().position(0).get(body);
            data.position(prefix.length).put(body, 0, body.length);
            data.position(0);
            av_packet_copy_props(out, in);
            return out;
        }

        private void check(int ret, String what) throws IOException {
            if (ret < 0) {
                throw new IOException(partial.getFileName() + ": " + what + ": " + AvErrors.text(ret));
            }
        }

        @Override
        public void close() {
            clearPending();
            if (heldVideo != null) {
                av_packet_free(heldVideo);
                heldVideo = null;
            }
            if (oc != null) {
                AVIOContext pb = oc.pb();
                if (pb != null && !pb.isNull()) {
                    avio_close(pb);
                    oc.pb(null);
                }
                avformat_free_context(oc);
                oc = null;
            }
        }
    }

    private static byte[] extradata(AVCodecParameters par) {
        int n = par.extradata_size();
        byte[] b = new byte[Math.max(0, n)];
        if (n > 0) {
            par.extradata().position(0).get(b);
        }
        return b;
    }

    /** The media model's codec of an FFmpeg codec id where parameter sets matter (H.264, H.265); else null. */
    private static Codec codecOf(int codecId) {
        return codecId == AV_CODEC_ID_H264 ? Codec.H264 : codecId == AV_CODEC_ID_HEVC ? Codec.H265 : null;
    }

    private static AVRational rational(AVRational r) {
        return new AVRational().num(r.num()).den(r.den());
    }
}
