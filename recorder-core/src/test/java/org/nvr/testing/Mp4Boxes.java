package org.nvr.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the box (atom) structure of an ISO BMFF / MP4 file in plain Java, independently of FFmpeg,
 * so tests can check layout facts that ffprobe hides: whether {@code moov} comes before
 * {@code mdat}, whether the file is fragmented, how long each fragment is and whether it starts on a
 * keyframe, and whether the last box was cut short by a crash.
 *
 * <p>Only box headers are read from large boxes; {@code moov} and {@code moof} are read whole.
 * Stateless; safe to call from any thread.
 */
public final class Mp4Boxes {

    /** Bit of the ISO BMFF sample flags meaning "not a sync sample" (not a keyframe). */
    private static final int SAMPLE_IS_NON_SYNC = 0x0001_0000;
    private static final int MAX_WHOLE_BOX = 64 << 20;

    /**
     * One box: {@code offset} of its header in the file (or in its parent, for children read from
     * a buffer), {@code size} including the header as declared, and {@code truncated} when the file
     * ends before the box does (as after a crash).
     */
    public record Box(String type, long offset, long size, int headerSize, boolean truncated) {
        public long end() {
            return offset + size;
        }
    }

    /**
     * One movie fragment ({@code moof}) of the chosen track: its {@code mfhd} sequence number, the
     * decode time of its first sample ({@code tfdt}, or the sum of earlier fragments), the sum of its
     * sample durations, and whether its first sample is a sync sample.
     */
    public record Fragment(long sequenceNumber, int trackId, Duration start, Duration duration,
                           int sampleCount, boolean startsWithKeyframe) {
    }

    private record Track(int id, String handler, long timescale) {
    }

    private record TrackDefaults(long sampleDuration, int sampleFlags) {
    }

    /** One track's run of a fragment, in the track's timescale. */
    private record TrackRun(long decodeTime, long duration, int samples, boolean firstIsSync) {
    }

    private Mp4Boxes() {
    }

    /** The top-level boxes in file order; a box cut short by the end of the file is the last one. */
    public static List<Box> topLevel(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Box> boxes = new ArrayList<>();
            long fileSize = channel.size();
            long pos = 0;
            ByteBuffer header = ByteBuffer.allocate(16);
            while (pos < fileSize) {
                header.clear();
                readFully(channel, header, pos);
                header.flip();
                Box box = readHeader(header, pos, fileSize - pos);
                boxes.add(box);
                if (box.truncated()) {
                    break;
                }
                pos = box.end();
            }
            return boxes;
        }
    }

    /** True when the file announces fragments ({@code moov/mvex}) or contains a {@code moof}. */
    public static boolean isFragmented(Path file) throws IOException {
        List<Box> top = topLevel(file);
        if (top.stream().anyMatch(b -> b.type().equals("moof"))) {
            return true;
        }
        Optional<Box> moov = top.stream().filter(b -> b.type().equals("moov") && !b.truncated()).findFirst();
        return moov.isPresent() && children(read(file, moov.get())).stream().anyMatch(b -> b.type().equals("mvex"));
    }

    /**
     * The fragments of the first video track (or of the first track when there is no video), from
     * every complete {@code moof}; empty for a file that is not fragmented.
     */
    public static List<Fragment> fragments(Path file) throws IOException {
        List<Box> top = topLevel(file);
        Box moovBox = top.stream().filter(b -> b.type().equals("moov") && !b.truncated()).findFirst()
                .orElseThrow(() -> new IOException("no complete moov box in " + file));
        ByteBuffer moov = read(file, moovBox);
        List<Track> tracks = new ArrayList<>();
        Map<Integer, TrackDefaults> defaults = new HashMap<>();
        for (Box box : children(moov)) {
            if (box.type().equals("trak")) {
                tracks.add(parseTrak(slice(moov, box)));
            } else if (box.type().equals("mvex")) {
                ByteBuffer mvex = slice(moov, box);
                for (Box trex : children(mvex)) {
                    if (trex.type().equals("trex")) {
                        ByteBuffer b = slice(mvex, trex);
                        // version/flags, track_ID, default_sample_description_index, duration, size, flags
                        long duration = Integer.toUnsignedLong(b.getInt(12));
                        defaults.put(b.getInt(4), new TrackDefaults(duration, b.getInt(20)));
                    }
                }
            }
        }
        Track track = tracks.stream().filter(t -> t.handler().equals("vide")).findFirst()
                .orElse(tracks.isEmpty() ? null : tracks.get(0));
        if (track == null) {
            throw new IOException("no track in " + file);
        }
        TrackDefaults trex = defaults.getOrDefault(track.id(), new TrackDefaults(0, 0));

        List<Fragment> fragments = new ArrayList<>();
        long nextDecodeTime = 0;
        for (Box box : top) {
            if (!box.type().equals("moof") || box.truncated()) {
                continue;
            }
            ByteBuffer moof = read(file, box);
            long sequence = -1;
            for (Box child : children(moof)) {
                if (child.type().equals("mfhd")) {
                    sequence = Integer.toUnsignedLong(slice(moof, child).getInt(4));
                }
            }
            for (Box child : children(moof)) {
                if (child.type().equals("traf")) {
                    TrackRun run = parseTraf(slice(moof, child), track.id(), trex, nextDecodeTime);
                    if (run != null) {
                        fragments.add(new Fragment(sequence, track.id(), duration(run.decodeTime(), track.timescale()),
                                duration(run.duration(), track.timescale()), run.samples(), run.firstIsSync()));
                        nextDecodeTime = run.decodeTime() + run.duration();
                    }
                }
            }
        }
        return fragments;
    }

    /** The boxes inside a container whose payload (the bytes after its header) is {@code payload}. */
    static List<Box> children(ByteBuffer payload) throws IOException {
        List<Box> boxes = new ArrayList<>();
        int pos = 0;
        while (pos < payload.limit()) {
            ByteBuffer header = payload.duplicate().position(pos).limit(Math.min(payload.limit(), pos + 16)).slice();
            Box box = readHeader(header, pos, payload.limit() - pos);
            if (box.truncated()) {
                throw new IOException("box " + box.type() + " overruns its parent at offset " + pos);
            }
            boxes.add(box);
            pos = Math.toIntExact(box.end());
        }
        return boxes;
    }

    /** Parses a header from {@code header} (at most 16 bytes); {@code available} bytes remain from the box start. */
    private static Box readHeader(ByteBuffer header, long offset, long available) throws IOException {
        if (header.remaining() < 8) {
            return new Box("", offset, available, 0, true);
        }
        long size = Integer.toUnsignedLong(header.getInt(0));
        String type = new String(new byte[] {header.get(4), header.get(5), header.get(6), header.get(7)},
                StandardCharsets.ISO_8859_1);
        int headerSize = 8;
        if (size == 1) {
            if (header.remaining() < 16) {
                return new Box(type, offset, available, 0, true);
            }
            size = header.getLong(8);
            headerSize = 16;
        } else if (size == 0) {
            size = available; // extends to the end of the file
        }
        if (size < headerSize) {
            throw new IOException("box '" + type + "' at offset " + offset + " declares size " + size);
        }
        return new Box(type, offset, size, headerSize, size > available);
    }

    private static Track parseTrak(ByteBuffer trak) throws IOException {
        int id = -1;
        String handler = "";
        long timescale = 0;
        for (Box box : children(trak)) {
            if (box.type().equals("tkhd")) {
                ByteBuffer tkhd = slice(trak, box);
                id = tkhd.getInt(tkhd.get(0) == 1 ? 20 : 12);
            } else if (box.type().equals("mdia")) {
                ByteBuffer mdia = slice(trak, box);
                for (Box m : children(mdia)) {
                    ByteBuffer b = slice(mdia, m);
                    if (m.type().equals("mdhd")) {
                        timescale = Integer.toUnsignedLong(b.getInt(b.get(0) == 1 ? 20 : 12));
                    } else if (m.type().equals("hdlr")) {
                        handler = new String(new byte[] {b.get(8), b.get(9), b.get(10), b.get(11)},
                                StandardCharsets.ISO_8859_1);
                    }
                }
            }
        }
        if (id < 0 || timescale == 0) {
            throw new IOException("trak without tkhd track_ID or mdhd timescale");
        }
        return new Track(id, handler, timescale);
    }

    /** One track's part of a fragment, or null when the traf belongs to another track. */
    private static TrackRun parseTraf(ByteBuffer traf, int trackId, TrackDefaults trex, long nextDecodeTime)
            throws IOException {
        long defaultDuration = trex.sampleDuration();
        int defaultFlags = trex.sampleFlags();
        long decodeTime = nextDecodeTime;
        long duration = 0;
        int samples = 0;
        Boolean firstIsSync = null;
        for (Box box : children(traf)) {
            ByteBuffer b = slice(traf, box);
            switch (box.type()) {
                case "tfhd" -> {
                    int flags = b.getInt(0) & 0xFF_FFFF;
                    if (b.getInt(4) != trackId) {
                        return null;
                    }
                    int pos = 8;
                    pos += (flags & 0x01) != 0 ? 8 : 0; // base_data_offset
                    pos += (flags & 0x02) != 0 ? 4 : 0; // sample_description_index
                    if ((flags & 0x08) != 0) {
                        defaultDuration = Integer.toUnsignedLong(b.getInt(pos));
                        pos += 4;
                    }
                    pos += (flags & 0x10) != 0 ? 4 : 0; // default_sample_size
                    if ((flags & 0x20) != 0) {
                        defaultFlags = b.getInt(pos);
                    }
                }
                case "tfdt" -> decodeTime = b.get(0) == 1 ? b.getLong(4) : Integer.toUnsignedLong(b.getInt(4));
                case "trun" -> {
                    int flags = b.getInt(0) & 0xFF_FFFF;
                    int count = b.getInt(4);
                    int pos = 8;
                    pos += (flags & 0x01) != 0 ? 4 : 0; // data_offset
                    Integer firstSampleFlags = null;
                    if ((flags & 0x04) != 0) {
                        firstSampleFlags = b.getInt(pos);
                        pos += 4;
                    }
                    for (int i = 0; i < count; i++) {
                        long sampleDuration = defaultDuration;
                        int sampleFlags = defaultFlags;
                        if ((flags & 0x100) != 0) {
                            sampleDuration = Integer.toUnsignedLong(b.getInt(pos));
                            pos += 4;
                        }
                        pos += (flags & 0x200) != 0 ? 4 : 0; // sample_size
                        if ((flags & 0x400) != 0) {
                            sampleFlags = b.getInt(pos);
                            pos += 4;
                        }
                        pos += (flags & 0x800) != 0 ? 4 : 0; // composition time offset
                        if (i == 0 && firstSampleFlags != null) {
                            sampleFlags = firstSampleFlags;
                        }
                        if (firstIsSync == null) {
                            firstIsSync = (sampleFlags & SAMPLE_IS_NON_SYNC) == 0;
                        }
                        duration += sampleDuration;
                    }
                    samples += count;
                }
                default -> {
                }
            }
        }
        return new TrackRun(decodeTime, duration, samples, Boolean.TRUE.equals(firstIsSync));
    }

    private static ByteBuffer read(Path file, Box box) throws IOException {
        long payload = box.size() - box.headerSize();
        if (payload > MAX_WHOLE_BOX) {
            throw new IOException("box " + box.type() + " too large to read whole: " + payload + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) payload);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            readFully(channel, buffer, box.offset() + box.headerSize());
        }
        if (buffer.hasRemaining()) {
            throw new IOException("file ends inside box " + box.type());
        }
        return buffer.flip();
    }

    /** Fills {@code buffer} from {@code position} on, or up to the end of the file. */
    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    /** The payload of {@code child}, found at {@code child.offset()} within {@code parent}. */
    private static ByteBuffer slice(ByteBuffer parent, Box child) {
        int from = Math.toIntExact(child.offset() + child.headerSize());
        return parent.duplicate().position(from).limit(Math.toIntExact(child.end())).slice();
    }

    static Duration duration(long ticks, long timescale) {
        return Duration.ofSeconds(ticks / timescale, (ticks % timescale) * 1_000_000_000L / timescale);
    }
}
