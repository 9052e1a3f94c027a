package org.nvr.web.playback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A progressive MP4 ({@code ftyp}, {@code moov}, one {@code mdat}) of a camera's recorded video over a
 * range, laid out from the segments' fragment sample tables without copying or re-encoding anything:
 * the {@code moov} is built in memory and the {@code mdat} is a list of byte slices of the segment
 * files, so any byte range of the response can be produced on demand (HTTP {@code Range}, seeks of a
 * {@code <video>}).
 *
 * <p>The video starts at the keyframe at or before {@code from}; an edit list hides the pictures before
 * {@code from}, so a player starts at the requested moment. Segments follow each other on the media
 * timeline with the gaps between them cut out; {@link #pieces} says which wall-clock time each part of
 * the media timeline shows, so the page can show the time of the picture (from the index, not the
 * camera's clock) and draw the gaps. The segments' audio (their first sound track) is the second track,
 * taken over the same decode span as the pictures of each segment and cut by the same edit; when a
 * segment of the range has none, the output has no audio track at all rather than sound out of step.
 *
 * <p>Immutable; any thread. Reading a range ({@link #read}) opens the segment files it needs.
 */
final class PlaybackMp4 {
    /** One indexed segment and what its file holds. */
    record Source(Instant start, SegmentSamples samples, SegmentSamples audio) {
        Source(Instant start, SegmentSamples samples) {
            this(start, samples, null);
        }
    }

    /**
     * A part of the media timeline (seconds after the start of the video) showing recorded footage from
     * {@code wallStart} on, for {@code seconds}.
     */
    record Piece(double mediaStart, Instant wallStart, double seconds) {
    }

    /** Bytes of the response: either in memory ({@code header}) or a slice of a segment file. */
    private record Slice(long at, long length, byte[] header, Path file, long fileOffset) {
    }

    private final List<Slice> slices;
    private final long length;
    private final String etag;
    private final List<Piece> pieces;
    private final int width;
    private final int height;
    private final long frames;
    private final double seconds;
    private final double editSeconds;
    private final boolean audio;

    private PlaybackMp4(List<Slice> slices, long length, String etag, List<Piece> pieces, int width, int height,
                        long frames, double seconds, double editSeconds, boolean audio) {
        this.editSeconds = editSeconds;
        this.audio = audio;
        this.slices = slices;
        this.length = length;
        this.etag = etag;
        this.pieces = pieces;
        this.width = width;
        this.height = height;
        this.frames = frames;
        this.seconds = seconds;
    }

    long length() {
        return length;
    }

    /** A strong validator: the same range over the same bytes gives the same tag. */
    String etag() {
        return etag;
    }

    List<Piece> pieces() {
        return pieces;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    long frames() {
        return frames;
    }

    /** Where the edit list starts the picture on the decode timeline (the pictures before it are hidden). */
    double editSeconds() {
        return editSeconds;
    }

    /** Whether the camera's audio is in it (track 2). */
    boolean audio() {
        return audio;
    }

    /** The presented length, in seconds. */
    double seconds() {
        return seconds;
    }

    /**
     * Lays out the video of {@code sources} (oldest first, as the index lists them) over {@code [from, to)}.
     *
     * @return empty when no picture of the sources lies in the range
     */
    static java.util.Optional<PlaybackMp4> build(List<Source> sources, Instant from, Instant to) {
        return build(sources, from, to, false);
    }

    /**
     * As {@link #build(List, Instant, Instant)}; {@code fragmented}: an init segment ({@code ftyp},
     * {@code moov} with {@code mvex}) then one {@code moof}/{@code mdat} per run of samples, for Media
     * Source Extensions. Its edit list is the same; an MSE player that ignores it sets
     * {@code timestampOffset} to minus {@link #editSeconds()}.
     */
    static java.util.Optional<PlaybackMp4> build(List<Source> sources, Instant from, Instant to, boolean fragmented) {
        Layout layout = new Layout();
        for (Source s : sources) {
            layout.add(s, from, to);
        }
        if (layout.video == null || layout.video.n == 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(layout.finish(fragmented));
    }

    /** One track's samples in the output, in decode order. */
    private static final class Samples {
        final int timescale;
        final List<byte[]> entries = new ArrayList<>();
        int n;
        long[] dts = new long[1024];
        int[] cts = new int[1024];
        int[] size = new int[1024];
        long[] fileOffset = new long[1024];
        boolean[] sync = new boolean[1024];
        int[] entry = new int[1024];
        int[] source = new int[1024];
        Path[] file = new Path[1024];
        long nextDts;
        /** The edit list's start on this track's timeline. */
        long mediaTime;

        Samples(int timescale) {
            this.timescale = timescale;
        }

        int entryIndex(byte[] stsd) {
            byte[] e = Arrays.copyOfRange(stsd, 16, stsd.length);
            for (int k = 0; k < entries.size(); k++) {
                if (Arrays.equals(entries.get(k), e)) {
                    return k;
                }
            }
            entries.add(e);
            return entries.size() - 1;
        }

        long rescale(long v, int from) {
            return from == timescale ? v : Math.round(v * (double) timescale / from);
        }

        void add(long outDts, int ctsOffset, int sz, long offset, boolean key, int entryIndex, int sourceIndex, Path f) {
            if (n == dts.length) {
                int cap = n * 2;
                dts = Arrays.copyOf(dts, cap);
                cts = Arrays.copyOf(cts, cap);
                size = Arrays.copyOf(size, cap);
                fileOffset = Arrays.copyOf(fileOffset, cap);
                sync = Arrays.copyOf(sync, cap);
                entry = Arrays.copyOf(entry, cap);
                source = Arrays.copyOf(source, cap);
                file = Arrays.copyOf(file, cap);
            }
            dts[n] = outDts;
            cts[n] = ctsOffset;
            size[n] = sz;
            fileOffset[n] = offset;
            sync[n] = key;
            entry[n] = entryIndex;
            source[n] = sourceIndex;
            file[n] = f;
            n++;
        }

        long duration(int i) {
            return (i + 1 < n ? dts[i + 1] : nextDts) - dts[i];
        }

        /** The end of the last sample shown (with B-frames not the last one decoded). */
        long shownEnd() {
            long end = 0;
            for (int i = 0; i < n; i++) {
                end = Math.max(end, dts[i] + cts[i] + duration(i));
            }
            return end;
        }

        /** Runs of samples contiguous in one file with one sample entry: {first sample, count}. */
        List<int[]> chunks() {
            List<int[]> chunks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean joins = i > 0 && file[i] == file[i - 1] && entry[i] == entry[i - 1]
                        && fileOffset[i] == fileOffset[i - 1] + Integer.toUnsignedLong(size[i - 1]);
                if (joins) {
                    chunks.get(chunks.size() - 1)[1]++;
                } else {
                    chunks.add(new int[] {i, 1});
                }
            }
            return chunks;
        }

        long bytes(int[] chunk) {
            long len = 0;
            for (int i = chunk[0]; i < chunk[0] + chunk[1]; i++) {
                len += Integer.toUnsignedLong(size[i]);
            }
            return len;
        }
    }

    /** A chunk of one track, in the order the mdat holds them (the segment files' order). */
    private record Chunk(Samples track, int[] samples, int source, long fileOffset) {
    }

    /** Gathers the samples of the range, then writes the headers. */
    private static final class Layout {
        int width;
        int height;
        Samples video;
        Samples audio;
        boolean audioDropped;
        int sources;
        final List<long[]> pieceStarts = new ArrayList<>(); // {media pts, wall millis}

        void add(Source src, Instant from, Instant to) {
            SegmentSamples s = src.samples();
            int sourceIndex = sources++;
            if (s.count == 0) {
                return;
            }
            if (video == null) {
                video = new Samples(s.timescale);
                width = s.width;
                height = s.height;
            }
            long first = s.firstPts();
            long startMs = src.start().toEpochMilli();
            // the wall clock of a presentation time: the index's start is the first picture shown
            long fromTs = Math.floorDiv((from.toEpochMilli() - startMs) * s.timescale, 1000L) + first;
            long toTs = Math.floorDiv((to.toEpochMilli() - startMs) * s.timescale, 1000L) + first;
            int begin = 0;
            boolean firstSource = video.n == 0;
            if (firstSource) {
                // the keyframe at or before the requested moment
                for (int i = 0; i < s.count && s.pts(i) <= fromTs; i++) {
                    if (s.sync[i]) {
                        begin = i;
                    }
                }
                while (begin < s.count && !s.sync[begin]) {
                    begin++;
                }
                long last = s.pts(s.count - 1) + s.duration[s.count - 1];
                if (begin >= s.count || last <= fromTs) {
                    return; // the segment ends before the range
                }
            }
            int end = begin;
            while (end < s.count && s.pts(end) < toTs) {
                end++;
            }
            if (end == begin) {
                return;
            }
            int entryIndex = video.entryIndex(s.stsd);
            long base = video.nextDts;
            long srcBase = s.dts[begin];
            for (int i = begin; i < end; i++) {
                video.add(base + video.rescale(s.dts[i] - srcBase, s.timescale),
                        (int) video.rescale(s.ctsOffset[i], s.timescale), s.size[i], s.offset[i], s.sync[i], entryIndex,
                        sourceIndex, s.file);
            }
            video.nextDts = base + video.rescale(s.dts[end - 1] - srcBase + s.duration[end - 1], s.timescale);
            long shownFrom;
            if (firstSource) {
                shownFrom = Math.max(fromTs, s.pts(begin));
                video.mediaTime = base + video.rescale(shownFrom - srcBase, s.timescale);
            } else {
                shownFrom = first;
            }
            long mediaPts = base + video.rescale(shownFrom - srcBase, s.timescale);
            long wallMs = startMs + Math.floorDiv((shownFrom - first) * 1000L, s.timescale);
            pieceStarts.add(new long[] {mediaPts, wallMs});
            addAudio(src.audio(), sourceIndex, base, srcBase / (double) s.timescale,
                    (s.dts[end - 1] + s.duration[end - 1]) / (double) s.timescale);
        }

        /**
         * The audio of the same part of a segment: the samples decoded from the first picture kept to the
         * end of the last, on the audio's own time scale, following the video's place in the output.
         */
        private void addAudio(SegmentSamples a, int sourceIndex, long videoBase, double fromSec, double toSec) {
            if (a == null || a.count == 0 || audioDropped) {
                if (audio != null && (a == null || a.count == 0)) {
                    audioDropped = true; // a segment without audio: no audio track (see the class comment)
                }
                return;
            }
            if (audio == null) {
                if (pieceStarts.size() > 1) {
                    audioDropped = true; // the segments before had none: no audio track
                    return;
                }
                audio = new Samples(a.timescale);
                audio.mediaTime = Math.round(video.mediaTime / (double) video.timescale * audio.timescale);
            }
            double baseSec = videoBase / (double) video.timescale;
            int entryIndex = audio.entryIndex(a.stsd);
            for (int i = 0; i < a.count; i++) {
                double t = a.dts[i] / (double) a.timescale;
                if (t < fromSec || t >= toSec) {
                    continue;
                }
                long out = Math.round((baseSec + t - fromSec) * audio.timescale);
                long dur = audio.rescale(a.duration[i], a.timescale);
                if (audio.n > 0 && out < audio.nextDts - dur / 2) {
                    continue; // would overlap the previous segment's audio
                }
                // a hole before it (a segment's audio ending early) lengthens the sample before: the
                // decode times stay where the pictures are
                out = audio.n > 0 ? Math.max(out, audio.nextDts) : out;
                audio.add(out, 0, a.size[i], a.offset[i], true, entryIndex, sourceIndex, a.file);
                audio.nextDts = out + dur;
            }
        }

        private List<Samples> tracks() {
            return audio == null || audio.n == 0 || audioDropped ? List.of(video) : List.of(video, audio);
        }

        PlaybackMp4 finish(boolean fragmented) {
            long presented = Math.max(0, video.shownEnd() - video.mediaTime);
            List<Samples> tracks = tracks();
            List<Chunk> chunks = new ArrayList<>();
            for (Samples t : tracks) {
                for (int[] c : t.chunks()) {
                    chunks.add(new Chunk(t, c, t.source[c[0]], t.fileOffset[c[0]]));
                }
            }
            // the mdat in the order of the files: the tracks interleaved as the recorder wrote them
            chunks.sort(java.util.Comparator.comparingInt(Chunk::source).thenComparingLong(Chunk::fileOffset));
            if (fragmented) {
                return fragmented(chunks, tracks, presented);
            }
            long payload = 0;
            for (Chunk c : chunks) {
                payload += c.track().bytes(c.samples());
            }
            byte[] ftyp = ftyp();
            boolean largeMdat = payload + 8 > 0xffffffffL;
            int mdatHeader = largeMdat ? 16 : 8;
            // two passes: the chunk offsets depend on the moov's own length, which does not depend on them
            boolean co64 = false;
            byte[] moov = moov(tracks, chunks, presented, 0, co64, false);
            if (ftyp.length + moov.length + mdatHeader + payload > 0xffffffffL) {
                co64 = true;
                moov = moov(tracks, chunks, presented, 0, co64, false);
            }
            long dataStart = ftyp.length + moov.length + mdatHeader;
            moov = moov(tracks, chunks, presented, dataStart, co64, false);
            Mp4Boxes mdat = new Mp4Boxes();
            if (largeMdat) {
                mdat.u32(1).fourcc("mdat").u64(payload + 16);
            } else {
                mdat.u32(payload + 8).fourcc("mdat");
            }
            byte[] header = concat(ftyp, moov, mdat.toByteArray());
            List<Slice> slices = new ArrayList<>();
            slices.add(new Slice(0, header.length, header, null, 0));
            long at = dataStart;
            for (Chunk c : chunks) {
                long len = c.track().bytes(c.samples());
                slices.add(new Slice(at, len, null, c.track().file[c.samples()[0]], c.fileOffset()));
                at += len;
            }
            return new PlaybackMp4(List.copyOf(slices), at, etag(header, slices), pieces(presented), width, height,
                    video.n, presented / (double) video.timescale, video.mediaTime / (double) video.timescale,
                    tracks.size() > 1);
        }

        private List<Piece> pieces(long presented) {
            List<Piece> pieces = new ArrayList<>();
            for (int k = 0; k < pieceStarts.size(); k++) {
                long start = pieceStarts.get(k)[0] - video.mediaTime;
                long next = k + 1 < pieceStarts.size() ? pieceStarts.get(k + 1)[0] - video.mediaTime : presented;
                pieces.add(new Piece(Math.max(0, start) / (double) video.timescale,
                        Instant.ofEpochMilli(pieceStarts.get(k)[1]), (next - Math.max(0, start)) / (double) video.timescale));
            }
            return List.copyOf(pieces);
        }

        /** The fragmented layout: init segment, then per chunk a moof and an mdat holding its file slice. */
        private PlaybackMp4 fragmented(List<Chunk> chunks, List<Samples> tracks, long presented) {
            byte[] init = concat(ftyp(), moov(tracks, chunks, presented, 0, false, true));
            List<Slice> slices = new ArrayList<>();
            slices.add(new Slice(0, init.length, init, null, 0));
            long at = init.length;
            int sequence = 1;
            java.io.ByteArrayOutputStream headers = new java.io.ByteArrayOutputStream();
            headers.writeBytes(init);
            for (Chunk chunk : chunks) {
                Samples t = chunk.track();
                int[] c = chunk.samples();
                long len = t.bytes(c);
                boolean negative = false;
                for (int i = c[0]; i < c[0] + c[1]; i++) {
                    negative |= t.cts[i] < 0;
                }
                Mp4Boxes b = new Mp4Boxes();
                int moof = b.begin("moof");
                int mfhd = b.beginFull("mfhd", 0, 0);
                b.u32(sequence++);
                b.end(mfhd);
                int traf = b.begin("traf");
                int tfhd = b.beginFull("tfhd", 0, 0x020000 | 0x02);
                b.u32(tracks.indexOf(t) + 1).u32(t.entry[c[0]] + 1);
                b.end(tfhd);
                int tfdt = b.beginFull("tfdt", 1, 0);
                b.u64(t.dts[c[0]]);
                b.end(tfdt);
                int trun = b.beginFull("trun", negative ? 1 : 0, 0x001 | 0x100 | 0x200 | 0x400 | 0x800);
                b.u32(c[1]);
                int dataOffsetAt = b.size();
                b.u32(0);
                for (int i = c[0]; i < c[0] + c[1]; i++) {
                    b.u32(t.duration(i)).u32(Integer.toUnsignedLong(t.size[i]))
                            .u32(t.sync[i] ? 0x02000000L : 0x01010000L).u32(t.cts[i]);
                }
                b.end(trun);
                b.end(traf);
                b.end(moof);
                int moofSize = b.size();
                b.u32(len + 8).fourcc("mdat");
                byte[] header = b.toByteArray();
                ByteBuffer.wrap(header).putInt(dataOffsetAt, moofSize + 8);
                slices.add(new Slice(at, header.length, header, null, 0));
                at += header.length;
                headers.writeBytes(header);
                slices.add(new Slice(at, len, null, t.file[c[0]], chunk.fileOffset()));
                at += len;
            }
            return new PlaybackMp4(List.copyOf(slices), at, etag(headers.toByteArray(), slices), pieces(presented),
                    width, height, video.n, presented / (double) video.timescale,
                    video.mediaTime / (double) video.timescale, tracks.size() > 1);
        }

        private static String etag(byte[] header, List<Slice> slices) {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                d.update(header);
                for (Slice s : slices) {
                    if (s.file() != null) {
                        d.update(s.file().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        d.update(ByteBuffer.allocate(16).putLong(s.fileOffset()).putLong(s.length()).array());
                    }
                }
                return "\"" + HexFormat.of().formatHex(d.digest(), 0, 16) + "\"";
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static byte[] ftyp() {
            Mp4Boxes b = new Mp4Boxes();
            int box = b.begin("ftyp");
            b.fourcc("isom").u32(0x200).fourcc("isom").fourcc("iso2").fourcc("avc1").fourcc("mp41");
            b.end(box);
            return b.toByteArray();
        }

        private byte[] moov(List<Samples> tracks, List<Chunk> chunks, long presented, long dataStart, boolean co64,
                            boolean fragmented) {
            long movieDuration = Math.round(presented * 1000.0 / video.timescale);
            Mp4Boxes b = new Mp4Boxes();
            int moov = b.begin("moov");
            int mvhd = b.beginFull("mvhd", 0, 0);
            b.u32(0).u32(0).u32(1000).u32(movieDuration).u32(0x00010000).u16(0x0100).zeros(10).unityMatrix()
                    .zeros(24).u32(tracks.size() + 1);
            b.end(mvhd);
            for (int k = 0; k < tracks.size(); k++) {
                trak(b, tracks.get(k), k + 1, chunks, movieDuration, dataStart, co64, fragmented);
            }
            if (fragmented) {
                int mvex = b.begin("mvex");
                for (int k = 0; k < tracks.size(); k++) {
                    int trex = b.beginFull("trex", 0, 0);
                    b.u32(k + 1).u32(1).u32(0).u32(0).u32(0);
                    b.end(trex);
                }
                b.end(mvex);
            }
            b.end(moov);
            return b.toByteArray();
        }

        private void trak(Mp4Boxes b, Samples t, int id, List<Chunk> chunks, long movieDuration, long dataStart,
                          boolean co64, boolean fragmented) {
            boolean isVideo = t == video;
            int trak = b.begin("trak");
            int tkhd = b.beginFull("tkhd", 0, 3);
            b.u32(0).u32(0).u32(id).u32(0).u32(movieDuration).zeros(8).u16(0).u16(isVideo ? 0 : 1)
                    .u16(isVideo ? 0 : 0x0100).u16(0).unityMatrix()
                    .u32(isVideo ? (long) width << 16 : 0).u32(isVideo ? (long) height << 16 : 0);
            b.end(tkhd);
            // a progressive track's first sample is at media time 0; fragments keep their decode times
            long shift = fragmented ? 0 : t.dts[0];
            long mediaTime = t.mediaTime - shift;
            int edts = b.begin("edts");
            int elst = b.beginFull("elst", 0, 0);
            if (mediaTime >= 0) {
                b.u32(1).u32(movieDuration).u32(mediaTime).u16(1).u16(0);
            } else {
                // the track starts after the requested moment (audio a little after the first picture)
                long empty = Math.round(-mediaTime * 1000.0 / t.timescale);
                b.u32(2).u32(empty).u32(0xffffffffL).u16(1).u16(0)
                        .u32(Math.max(0, movieDuration - empty)).u32(0).u16(1).u16(0);
            }
            b.end(elst);
            b.end(edts);
            int mdia = b.begin("mdia");
            int mdhd = b.beginFull("mdhd", 0, 0);
            b.u32(0).u32(0).u32(t.timescale).u32(t.nextDts - shift).u16(0x55c4).u16(0);
            b.end(mdhd);
            int hdlr = b.beginFull("hdlr", 0, 0);
            b.u32(0).fourcc(isVideo ? "vide" : "soun").zeros(12).fourcc("nvr").u8(0);
            b.end(hdlr);
            int minf = b.begin("minf");
            if (isVideo) {
                int vmhd = b.beginFull("vmhd", 0, 1);
                b.zeros(8);
                b.end(vmhd);
            } else {
                int smhd = b.beginFull("smhd", 0, 0);
                b.zeros(4);
                b.end(smhd);
            }
            int dinf = b.begin("dinf");
            int dref = b.beginFull("dref", 0, 0);
            b.u32(1);
            int url = b.beginFull("url ", 0, 1);
            b.end(url);
            b.end(dref);
            b.end(dinf);
            int stbl = b.begin("stbl");
            int stsd = b.beginFull("stsd", 0, 0);
            b.u32(t.entries.size());
            for (byte[] e : t.entries) {
                b.bytes(e, 0, e.length);
            }
            b.end(stsd);
            if (fragmented) {
                // the samples are in the fragments: empty tables
                for (String table : new String[] {"stts", "stsc", "stco"}) {
                    int tb = b.beginFull(table, 0, 0);
                    b.u32(0);
                    b.end(tb);
                }
                int tb = b.beginFull("stsz", 0, 0);
                b.u32(0).u32(0);
                b.end(tb);
            } else {
                List<int[]> own = t.chunks();
                stts(b, t);
                ctts(b, t);
                stss(b, t);
                stsc(b, t, own);
                stsz(b, t);
                chunkOffsets(b, t, chunks, dataStart, co64);
            }
            b.end(stbl);
            b.end(minf);
            b.end(mdia);
            b.end(trak);
        }

        private static void stts(Mp4Boxes b, Samples t) {
            List<long[]> runs = new ArrayList<>();
            for (int i = 0; i < t.n; i++) {
                long d = t.duration(i);
                if (!runs.isEmpty() && runs.get(runs.size() - 1)[1] == d) {
                    runs.get(runs.size() - 1)[0]++;
                } else {
                    runs.add(new long[] {1, d});
                }
            }
            int box = b.beginFull("stts", 0, 0);
            b.u32(runs.size());
            runs.forEach(r -> b.u32(r[0]).u32(r[1]));
            b.end(box);
        }

        private static void ctts(Mp4Boxes b, Samples t) {
            boolean any = false;
            boolean negative = false;
            for (int i = 0; i < t.n; i++) {
                any |= t.cts[i] != 0;
                negative |= t.cts[i] < 0;
            }
            if (!any) {
                return;
            }
            List<long[]> runs = new ArrayList<>();
            for (int i = 0; i < t.n; i++) {
                if (!runs.isEmpty() && runs.get(runs.size() - 1)[1] == t.cts[i]) {
                    runs.get(runs.size() - 1)[0]++;
                } else {
                    runs.add(new long[] {1, t.cts[i]});
                }
            }
            int box = b.beginFull("ctts", negative ? 1 : 0, 0);
            b.u32(runs.size());
            runs.forEach(r -> b.u32(r[0]).u32(r[1]));
            b.end(box);
        }

        private static void stss(Mp4Boxes b, Samples t) {
            int keys = 0;
            for (int i = 0; i < t.n; i++) {
                keys += t.sync[i] ? 1 : 0;
            }
            if (keys == t.n) {
                return; // every sample a sync sample (audio, an all-intra stream): no stss
            }
            int box = b.beginFull("stss", 0, 0);
            b.u32(keys);
            for (int i = 0; i < t.n; i++) {
                if (t.sync[i]) {
                    b.u32(i + 1);
                }
            }
            b.end(box);
        }

        private static void stsc(Mp4Boxes b, Samples t, List<int[]> chunks) {
            List<long[]> runs = new ArrayList<>(); // first chunk, samples per chunk, description index
            for (int c = 0; c < chunks.size(); c++) {
                int count = chunks.get(c)[1];
                int desc = t.entry[chunks.get(c)[0]] + 1;
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last == null || last[1] != count || last[2] != desc) {
                    runs.add(new long[] {c + 1, count, desc});
                }
            }
            int box = b.beginFull("stsc", 0, 0);
            b.u32(runs.size());
            runs.forEach(r -> b.u32(r[0]).u32(r[1]).u32(r[2]));
            b.end(box);
        }

        private static void stsz(Mp4Boxes b, Samples t) {
            int box = b.beginFull("stsz", 0, 0);
            b.u32(0).u32(t.n);
            for (int i = 0; i < t.n; i++) {
                b.u32(Integer.toUnsignedLong(t.size[i]));
            }
            b.end(box);
        }

        /** This track's chunk offsets: where each of its chunks lies in the mdat order of all chunks. */
        private static void chunkOffsets(Mp4Boxes b, Samples t, List<Chunk> chunks, long dataStart, boolean co64) {
            List<Long> offsets = new ArrayList<>();
            long at = dataStart;
            for (Chunk c : chunks) {
                if (c.track() == t) {
                    offsets.add(at);
                }
                at += c.track().bytes(c.samples());
            }
            int box = b.beginFull(co64 ? "co64" : "stco", 0, 0);
            b.u32(offsets.size());
            for (long o : offsets) {
                if (co64) {
                    b.u64(o);
                } else {
                    b.u32(o);
                }
            }
            b.end(box);
        }

        private static byte[] concat(byte[]... parts) {
            int len = 0;
            for (byte[] p : parts) {
                len += p.length;
            }
            byte[] out = new byte[len];
            int at = 0;
            for (byte[] p : parts) {
                System.arraycopy(p, 0, out, at, p.length);
                at += p.length;
            }
            return out;
        }
    }

    /**
     * Copies the bytes {@code [start, start + dst.remaining())} of the response into {@code dst}.
     *
     * @throws IOException when a segment file cannot be read (gone: retention deleted it meanwhile)
     */
    void read(long start, ByteBuffer dst) throws IOException {
        long pos = start;
        int idx = slice(pos);
        while (dst.hasRemaining() && idx < slices.size()) {
            Slice s = slices.get(idx);
            long within = pos - s.at();
            int take = (int) Math.min(dst.remaining(), s.length() - within);
            if (s.header() != null) {
                dst.put(s.header(), (int) within, take);
            } else {
                ByteBuffer part = dst.slice();
                part.limit(take);
                try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.READ)) {
                    long p = s.fileOffset() + within;
                    while (part.hasRemaining()) {
                        int r = ch.read(part, p);
                        if (r < 0) {
                            throw new IOException(s.file() + " is shorter than indexed");
                        }
                        p += r;
                    }
                }
                dst.position(dst.position() + take);
            }
            pos += take;
            idx++;
        }
    }

    /** The index of the slice holding byte {@code pos}. */
    private int slice(long pos) {
        int lo = 0;
        int hi = slices.size() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (slices.get(mid).at() <= pos) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
