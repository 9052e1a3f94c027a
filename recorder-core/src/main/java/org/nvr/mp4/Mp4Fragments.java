package org.nvr.mp4;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Finds where the complete part of a fragmented MP4 ends, by walking its top-level boxes (no
 * decoding). A kill, a power cut or a full disk can stop the writer in the middle of a fragment; the
 * torn {@code moof}/{@code mdat} at the tail holds nothing a player can use and makes decoders
 * complain, so recovery cuts it off before the file is hashed and indexed.
 *
 * <p>Complete means: {@code ftyp}, {@code moov}, every {@code moof} followed by its whole {@code mdat},
 * and any other box (trailer {@code mfra}, {@code free}...) whose declared size fits in the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class Mp4Fragments {
    private Mp4Fragments() {
    }

    /** What the walk found. */
    public record Layout(boolean mp4, long completeLength, int fragments, long fileLength) {
        /** Whether bytes after {@link #completeLength} belong to an unfinished box. */
        public boolean torn() {
            return mp4 && completeLength < fileLength;
        }
    }

    /** Walks the top-level boxes; a file that does not start with {@code ftyp} is reported as not MP4. */
    public static Layout inspect(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            ByteBuffer header = ByteBuffer.allocate(16);
            long offset = 0;
            long complete = 0;
            long pendingMoof = -1; // offset of a moof still waiting for its mdat
            int fragments = 0;
            boolean first = true;
            while (offset + 8 <= length) {
                header.clear().limit(8);
                readFully(ch, header, offset);
                long size = Integer.toUnsignedLong(header.getInt(0));
                String type = new String(header.array(), 4, 4, StandardCharsets.ISO_8859_1);
                int headerSize = 8;
                if (size == 1) {
                    if (offset + 16 > length) {
                        break;
                    }
                    header.clear().limit(16);
                    readFully(ch, header, offset);
                    size = header.getLong(8);
                    headerSize = 16;
                } else if (size == 0) {
                    size = length - offset; // the box runs to the end of the file
                }
                if (first) {
                    if (!type.equals("ftyp")) {
                        return new Layout(false, length, 0, length);
                    }
                    first = false;
                }
                if (size < headerSize || offset + size > length) {
                    break; // torn (or nonsense): nothing from here on is usable
                }
                long end = offset + size;
                switch (type) {
                    case "moof" -> pendingMoof = offset;
                    case "mdat" -> {
                        if (pendingMoof >= 0) {
                            fragments++;
                            pendingMoof = -1;
                        }
                        complete = end;
                    }
                    default -> {
                        if (pendingMoof < 0) {
                            complete = end;
                        }
                    }
                }
                offset = end;
            }
            if (first) {
                return new Layout(false, length, 0, length);
            }
            return new Layout(true, complete, fragments, length);
        }
    }

    /**
     * Cuts a torn tail off {@code file} and fsyncs it. Files that are not MP4 are left alone.
     *
     * @return the bytes removed
     */
    public static long truncateTornTail(Path file) throws IOException {
        Layout layout = inspect(file);
        if (!layout.torn()) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(layout.completeLength());
            ch.force(true);
        }
        return layout.fileLength() - layout.completeLength();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long p = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            p += n;
        }
    }
}
