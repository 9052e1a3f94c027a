package org.nvr.web.playback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The video samples of one segment file, read from its boxes without decoding anything: the sample
 * entry ({@code stsd}) and time scale of its {@code moov}, and for every complete fragment each
 * sample's decode time, duration, composition offset, size, byte offset in the file and whether it is
 * a keyframe. A file still being written is read up to its last complete fragment (a fragment is
 * complete once its {@code mdat} is whole), as {@link org.nvr.mp4.Mp4Fragments} defines it.
 *
 * <p>Immutable once read; any thread.
 */
final class SegmentSamples {
    /** Where the walk stops reading a box into memory: a moov or moof is never this big. */
    private static final int MAX_HEADER_BOX = 16 << 20;

    final Path file;
    final int timescale;
    final int width;
    final int height;
    /** The whole {@code stsd} box of the video track. */
    final byte[] stsd;
    final int count;
    final long[] dts;
    final int[] duration;
    final int[] ctsOffset;
    final int[] size;
    final long[] offset;
    final boolean[] sync;
    /** The bytes of the file that were read (its complete part). */
    final long length;

    private SegmentSamples(Path file, int timescale, int width, int height, byte[] stsd, int count, long[] dts,
                           int[] duration, int[] ctsOffset, int[] size, long[] offset, boolean[] sync, long length) {
        this.file = file;
        this.timescale = timescale;
        this.width = width;
        this.height = height;
        this.stsd = stsd;
        this.count = count;
        this.dts = dts;
        this.duration = duration;
        this.ctsOffset = ctsOffset;
        this.size = size;
        this.offset = offset;
        this.sync = sync;
        this.length = length;
    }

    /** The presentation time of sample {@code i}, in the track's time scale. */
    long pts(int i) {
        return dts[i] + ctsOffset[i];
    }

    /** The earliest presentation time of the file (the segment's start in the index). */
    long firstPts() {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            min = Math.min(min, pts(i));
        }
        return count == 0 ? 0 : min;
    }

    /** Reads {@code file}; an {@link IOException} names the file and what is wrong with it. */
    static SegmentSamples read(Path file) throws IOException {
        return read(file, "vide");
    }

    /**
     * The samples of the first track whose handler is {@code handler} ({@code vide}, {@code soun});
     * an {@link IOException} when there is none.
     */
    static SegmentSamples read(Path file, String handler) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(file, ch, handler).read();
        }
    }

    /** The walk over one file's boxes. */
    private static final class Reader {
        final Path file;
        final FileChannel ch;
        int trackId = -1;
        int timescale;
        int width;
        int height;
        byte[] stsd;
        int trexDuration;
        int trexSize;
        int trexFlags;
        int n;
        long[] dts = new long[256];
        int[] duration = new int[256];
        int[] cts = new int[256];
        int[] size = new int[256];
        long[] offset = new long[256];
        boolean[] sync = new boolean[256];
        long nextDts;

        final String handler;

        Reader(Path file, FileChannel ch, String handler) {
            this.file = file;
            this.ch = ch;
            this.handler = handler;
        }

        SegmentSamples read() throws IOException {
            long length = ch.size();
            long pos = 0;
            long complete = 0;
            ByteBuffer pendingMoof = null;
            long pendingMoofAt = -1;
            ByteBuffer header = ByteBuffer.allocate(16);
            while (pos + 8 <= length) {
                header.clear().limit(8);
                readFully(header, pos);
                long boxSize = Integer.toUnsignedLong(header.getInt(0));
                String type = new String(header.array(), 4, 4, StandardCharsets.ISO_8859_1);
                int headerSize = 8;
                if (boxSize == 1) {
                    if (pos + 16 > length) {
                        break;
                    }
                    header.clear().limit(16);
                    readFully(header, pos);
                    boxSize = header.getLong(8);
                    headerSize = 16;
                } else if (boxSize == 0) {
                    boxSize = length - pos;
                }
                if (boxSize < headerSize || pos + boxSize > length) {
                    break; // torn tail of a file being written
                }
                switch (type) {
                    case "moov" -> moov(body(pos + headerSize, boxSize - headerSize));
                    case "moof" -> {
                        if (trackId < 0) {
                            // the moov came first and has no such track: no need to read the fragments
                            throw new IOException(file + ": no " + handler + " track in its moov");
                        }
                        pendingMoof = body(pos + headerSize, boxSize - headerSize);
                        pendingMoofAt = pos;
                    }
                    case "mdat" -> {
                        if (pendingMoof != null) {
                            moof(pendingMoof, pendingMoofAt);
                            pendingMoof = null;
                        }
                        complete = pos + boxSize;
                    }
                    default -> {
                        if (pendingMoof == null) {
                            complete = pos + boxSize;
                        }
                    }
                }
                pos += boxSize;
            }
            if (trackId < 0) {
                throw new IOException(file + ": no " + handler + " track in its moov");
            }
            return new SegmentSamples(file, timescale, width, height, stsd, n, Arrays.copyOf(dts, n),
                    Arrays.copyOf(duration, n), Arrays.copyOf(cts, n), Arrays.copyOf(size, n), Arrays.copyOf(offset, n),
                    Arrays.copyOf(sync, n), complete);
        }

        private ByteBuffer body(long at, long len) throws IOException {
            if (len > MAX_HEADER_BOX) {
                throw new IOException(file + ": a header box of " + len + " bytes at " + at);
            }
            ByteBuffer b = ByteBuffer.allocate((int) len);
            readFully(b, at);
            b.flip();
            return b;
        }

        private void readFully(ByteBuffer b, long at) throws IOException {
            long p = at;
            while (b.hasRemaining()) {
                int r = ch.read(b, p);
                if (r < 0) {
                    throw new IOException(file + ": ends inside a box at " + p);
                }
                p += r;
            }
        }

        /** Calls {@code visitor} for each child box of {@code b} (from its position to its limit). */
        private static void children(ByteBuffer b, BoxVisitor visitor) throws IOException {
            while (b.remaining() >= 8) {
                int start = b.position();
                long len = Integer.toUnsignedLong(b.getInt());
                String type = fourcc(b);
                int header = 8;
                if (len == 1) {
                    len = b.getLong();
                    header = 16;
                } else if (len == 0) {
                    len = b.limit() - start;
                }
                if (len < header || start + len > b.limit()) {
                    throw new IOException("box " + type + " overruns its parent");
                }
                ByteBuffer child = b.duplicate();
                child.position(start + header).limit((int) (start + len));
                visitor.visit(type, child.slice(), start);
                b.position((int) (start + len));
            }
        }

        private static String fourcc(ByteBuffer b) {
            byte[] t = new byte[4];
            b.get(t);
            return new String(t, StandardCharsets.ISO_8859_1);
        }

        private void moov(ByteBuffer moov) throws IOException {
            children(moov, (type, box, at) -> {
                if (type.equals("trak") && trackId < 0) {
                    trak(box);
                } else if (type.equals("mvex")) {
                    children(box, (t, trex, a) -> {
                        if (t.equals("trex")) {
                            trex.getInt();
                            int id = trex.getInt();
                            trex.getInt(); // default sample description index
                            if (id == trackId || trackId < 0) {
                                trexDuration = trex.getInt();
                                trexSize = trex.getInt();
                                trexFlags = trex.getInt();
                            }
                        }
                    });
                }
            });
        }

        private void trak(ByteBuffer trak) throws IOException {
            int[] tkhdId = {-1};
            int[] dims = {0, 0};
            boolean[] video = {false};
            int[] scale = {0};
            byte[][] entry = {null};
            children(trak, (type, box, at) -> {
                switch (type) {
                    case "tkhd" -> {
                        int version = box.get() & 0xff;
                        box.position(4 + (version == 1 ? 16 : 8));
                        tkhdId[0] = box.getInt();
                        box.position(box.limit() - 8);
                        dims[0] = box.getInt() >>> 16;
                        dims[1] = box.getInt() >>> 16;
                    }
                    case "mdia" -> children(box, (t, b, a) -> {
                        switch (t) {
                            case "mdhd" -> {
                                int version = b.get() & 0xff;
                                b.position(4 + (version == 1 ? 16 : 8));
                                scale[0] = b.getInt();
                            }
                            case "hdlr" -> {
                                b.position(8);
                                video[0] = fourcc(b).equals(handler);
                            }
                            case "minf" -> children(b, (t2, b2, a2) -> {
                                if (t2.equals("stbl")) {
                                    children(b2, (t3, b3, a3) -> {
                                        if (t3.equals("stsd")) {
                                            byte[] whole = new byte[b3.remaining() + 8];
                                            ByteBuffer w = ByteBuffer.wrap(whole);
                                            w.putInt(whole.length).put("stsd".getBytes(StandardCharsets.ISO_8859_1));
                                            w.put(b3.duplicate());
                                            entry[0] = whole;
                                        }
                                    });
                                }
                            });
                            default -> {
                            }
                        }
                    });
                    default -> {
                    }
                }
            });
            if (video[0] && entry[0] != null && scale[0] > 0) {
                trackId = tkhdId[0];
                width = dims[0];
                height = dims[1];
                timescale = scale[0];
                stsd = entry[0];
            }
        }

        private void moof(ByteBuffer moof, long moofAt) throws IOException {
            children(moof, (type, traf, at) -> {
                if (type.equals("traf")) {
                    traf(traf, moofAt);
                }
            });
        }

        private void traf(ByteBuffer traf, long moofAt) throws IOException {
            long[] base = {moofAt};
            int[] defaults = {trexDuration, trexSize, trexFlags};
            boolean[] ours = {false};
            long[] decodeTime = {-1};
            long[] dataEnd = {-1};
            children(traf, (type, box, at) -> {
                switch (type) {
                    case "tfhd" -> {
                        int flags = box.getInt() & 0xffffff;
                        ours[0] = box.getInt() == trackId;
                        if ((flags & 0x01) != 0) {
                            base[0] = box.getLong();
                        }
                        if ((flags & 0x02) != 0) {
                            box.getInt();
                        }
                        if ((flags & 0x08) != 0) {
                            defaults[0] = box.getInt();
                        }
                        if ((flags & 0x10) != 0) {
                            defaults[1] = box.getInt();
                        }
                        if ((flags & 0x20) != 0) {
                            defaults[2] = box.getInt();
                        }
                    }
                    case "tfdt" -> {
                        int version = box.get() & 0xff;
                        box.position(4);
                        decodeTime[0] = version == 1 ? box.getLong() : Integer.toUnsignedLong(box.getInt());
                    }
                    case "trun" -> {
                        if (ours[0]) {
                            if (decodeTime[0] >= 0) {
                                nextDts = decodeTime[0];
                                decodeTime[0] = -1;
                            }
                            dataEnd[0] = trun(box, base[0], dataEnd[0], defaults);
                        }
                    }
                    default -> {
                    }
                }
            });
        }

        /** Reads one {@code trun}; returns where its data ends (the next trun's default start). */
        private long trun(ByteBuffer b, long base, long previousEnd, int[] defaults) {
            int flags = b.getInt() & 0xffffff;
            int samples = b.getInt();
            long data = previousEnd >= 0 ? previousEnd : base;
            if ((flags & 0x001) != 0) {
                data = base + b.getInt();
            }
            int firstFlags = (flags & 0x004) != 0 ? b.getInt() : -1;
            for (int i = 0; i < samples; i++) {
                int dur = (flags & 0x100) != 0 ? b.getInt() : defaults[0];
                int sz = (flags & 0x200) != 0 ? b.getInt() : defaults[1];
                int fl = (flags & 0x400) != 0 ? b.getInt() : (i == 0 && firstFlags != -1 ? firstFlags : defaults[2]);
                // version 0 offsets are unsigned, version 1 signed; none comes near 2^31 either way
                int c = (flags & 0x800) != 0 ? b.getInt() : 0;
                add(nextDts, dur, c, sz, data, (fl & 0x10000) == 0);
                nextDts += dur;
                data += Integer.toUnsignedLong(sz);
            }
            return data;
        }

        private void add(long t, int dur, int c, int sz, long at, boolean key) {
            if (n == dts.length) {
                int cap = n * 2;
                dts = Arrays.copyOf(dts, cap);
                duration = Arrays.copyOf(duration, cap);
                cts = Arrays.copyOf(cts, cap);
                size = Arrays.copyOf(size, cap);
                offset = Arrays.copyOf(offset, cap);
                sync = Arrays.copyOf(sync, cap);
            }
            dts[n] = t;
            duration[n] = dur;
            cts[n] = c;
            size[n] = sz;
            offset[n] = at;
            sync[n] = key;
            n++;
        }
    }

    @FunctionalInterface
    private interface BoxVisitor {
        void visit(String type, ByteBuffer body, int at) throws IOException;
    }
}
