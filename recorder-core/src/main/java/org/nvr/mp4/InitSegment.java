package org.nvr.mp4;

import java.util.ArrayList;
import java.util.List;
import org.nvr.media.Track;

/**
 * The initialization segment of a fragmented MP4: {@code ftyp} and a {@code moov} with one
 * {@code trak} per track whose sample tables are empty (the samples come in fragments) and an
 * {@code mvex} announcing the fragments. What a file starts with and what a browser's Media Source
 * Extensions need before the first fragment, along with {@link #mimeType()}.
 *
 * <p>Track IDs are {@code track.index() + 1}; each track's media timescale is its clock rate, so frame
 * timestamps go into fragments unchanged. Immutable; thread-safe.
 */
public final class InitSegment {
    private final List<SampleEntry> entries;
    private final byte[] bytes;

    private InitSegment(List<SampleEntry> entries, byte[] bytes) {
        this.entries = entries;
        this.bytes = bytes;
    }

    /**
     * Builds the segment for {@code tracks} (H.264, H.265, AAC).
     *
     * @throws IllegalArgumentException when a track's codec is not supported or its parameter sets are
     *                                  missing or unreadable
     */
    public static InitSegment of(List<Track> tracks) {
        return of(tracks, java.util.Map.of());
    }

    /**
     * As {@link #of(List)}, with an edit list for each track in {@code presentationOffsets} (track index to
     * ticks of its clock): that track's presentation starts that much after its first sample's decode time.
     * With B-frames the first keyframe is shown after it is decoded; its offset makes it shown at zero, as
     * FFmpeg's muxer does for a negative first decode time.
     *
     * @throws IllegalArgumentException as {@link #of(List)}, or for a negative offset
     */
    public static InitSegment of(List<Track> tracks, java.util.Map<Integer, Long> presentationOffsets) {
        return of(tracks, presentationOffsets, java.util.Map.of());
    }

    /**
     * As {@link #of(List, java.util.Map)}, with an empty edit at the start of each track in {@code emptyEdits} (track
     * index to ticks of its clock): that track is shown from that long after time zero, its media from its
     * start (as FFmpeg's muxer writes a track that starts late). A track takes an offset or an empty edit.
     *
     * @throws IllegalArgumentException as {@link #of(List, java.util.Map)}, or for a negative empty edit
     */
    public static InitSegment of(List<Track> tracks, java.util.Map<Integer, Long> presentationOffsets,
                                 java.util.Map<Integer, Long> emptyEdits) {
        if (tracks.isEmpty()) {
            throw new IllegalArgumentException("an init segment needs at least one track");
        }
        List<SampleEntry> entries = new ArrayList<>();
        java.util.Set<Integer> indices = new java.util.HashSet<>();
        for (Track t : tracks) {
            if (!indices.add(t.index())) {
                throw new IllegalArgumentException("two tracks with index " + t.index() + ": track IDs would clash");
            }
            entries.add(SampleEntry.of(t));
        }
        BoxWriter w = new BoxWriter();
        int ftyp = w.begin("ftyp");
        w.fourcc("iso5").u32(512).fourcc("iso5").fourcc("iso6").fourcc("mp41");
        w.end(ftyp);
        int moov = w.begin("moov");
        int maxId = 0;
        for (Track t : tracks) {
            maxId = Math.max(maxId, t.index() + 1);
        }
        int mvhd = w.beginFull("mvhd", 0, 0);
        w.u32(0).u32(0).u32(1000).u32(0); // times, timescale, duration unknown
        w.u32(0x00010000).u16(0x0100).zeros(10).unityMatrix().zeros(24).u32(maxId + 1);
        w.end(mvhd);
        for (SampleEntry e : entries) {
            long offset = presentationOffsets.getOrDefault(e.track().index(), 0L);
            if (offset < 0 || offset > 0xffffffffL) {
                throw new IllegalArgumentException("track " + e.track().index() + ": presentation offset " + offset
                        + " out of range");
            }
            long empty = emptyEdits.getOrDefault(e.track().index(), 0L);
            if (empty < 0) {
                throw new IllegalArgumentException("track " + e.track().index() + ": empty edit " + empty + " is negative");
            }
            // the movie's timescale is 1000: the empty edit in milliseconds, rounded to the nearest
            trak(w, e, offset, (empty * 1000 + e.track().clockRate() / 2) / e.track().clockRate());
        }
        int mvex = w.begin("mvex");
        for (SampleEntry e : entries) {
            int trex = w.beginFull("trex", 0, 0);
            w.u32(e.track().index() + 1L).u32(1).u32(0).u32(0).u32(0);
            w.end(trex);
        }
        w.end(mvex);
        w.end(moov);
        return new InitSegment(List.copyOf(entries), w.toByteArray());
    }

    /** The segment's bytes (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    /** The codec string of each track, in track order ({@code avc1.64001f}, {@code mp4a.40.2}). */
    public List<String> codecs() {
        return entries.stream().map(SampleEntry::codecString).toList();
    }

    /** The MSE type, e.g. {@code video/mp4; codecs="avc1.64001f, mp4a.40.2"}. */
    public String mimeType() {
        boolean video = entries.stream().anyMatch(e -> e.width() > 0);
        return (video ? "video" : "audio") + "/mp4; codecs=\"" + String.join(", ", codecs()) + "\"";
    }

    private static void trak(BoxWriter w, SampleEntry e, long presentationOffset, long emptyMillis) {
        Track t = e.track();
        boolean video = t.codec().isVideo();
        int trak = w.begin("trak");
        int tkhd = w.beginFull("tkhd", 0, 3); // enabled, in movie
        w.u32(0).u32(0).u32(t.index() + 1L).u32(0).u32(0); // times, track_ID, reserved, duration
        w.zeros(8).u16(0).u16(0).u16(video ? 0 : 0x0100).u16(0).unityMatrix();
        w.u32((long) e.width() << 16).u32((long) e.height() << 16);
        w.end(tkhd);
        if (emptyMillis > 0) {
            int edts = w.begin("edts");
            int elst = w.beginFull("elst", 0, 0);
            // nothing shown for the empty edit (media time -1), then the whole media from its start
            w.u32(2).u32(emptyMillis).u32(0xffffffffL).u16(1).u16(0);
            w.u32(0).u32(presentationOffset).u16(1).u16(0);
            w.end(elst);
            w.end(edts);
        } else if (presentationOffset > 0) {
            int edts = w.begin("edts");
            int elst = w.beginFull("elst", 0, 0);
            // one edit: the whole media (duration 0: unknown, fragmented), from the offset, at normal rate
            w.u32(1).u32(0).u32(presentationOffset).u16(1).u16(0);
            w.end(elst);
            w.end(edts);
        }
        int mdia = w.begin("mdia");
        int mdhd = w.beginFull("mdhd", 0, 0);
        w.u32(0).u32(0).u32(t.clockRate()).u32(0).u16(0x55c4).u16(0); // language "und"
        w.end(mdhd);
        int hdlr = w.beginFull("hdlr", 0, 0);
        w.u32(0).fourcc(video ? "vide" : "soun").zeros(12).bytes(nameOf(video));
        w.end(hdlr);
        int minf = w.begin("minf");
        if (video) {
            int vmhd = w.beginFull("vmhd", 0, 1);
            w.zeros(8);
            w.end(vmhd);
        } else {
            int smhd = w.beginFull("smhd", 0, 0);
            w.zeros(4);
            w.end(smhd);
        }
        int dinf = w.begin("dinf");
        int dref = w.beginFull("dref", 0, 0);
        w.u32(1);
        int url = w.beginFull("url ", 0, 1); // media in this file
        w.end(url);
        w.end(dref);
        w.end(dinf);
        int stbl = w.begin("stbl");
        int stsd = w.beginFull("stsd", 0, 0);
        w.u32(1).bytes(e.box());
        w.end(stsd);
        for (String empty : List.of("stts", "stsc", "stco")) {
            int b = w.beginFull(empty, 0, 0);
            w.u32(0);
            w.end(b);
        }
        int stsz = w.beginFull("stsz", 0, 0);
        w.u32(0).u32(0);
        w.end(stsz);
        w.end(stbl);
        w.end(minf);
        w.end(mdia);
        w.end(trak);
    }

    private static byte[] nameOf(boolean video) {
        return (video ? "VideoHandler\0" : "SoundHandler\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
