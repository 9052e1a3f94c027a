package org.nvr.web.playback;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes MP4 boxes into a growing byte array, big-endian: {@link #begin} opens a box whose size
 * {@link #end} fills in. Not thread-safe; one per header built.
 */
final class Mp4Boxes {
    private final Out out = new Out();

    private static final class Out extends ByteArrayOutputStream {
        byte[] array() {
            return buf;
        }
    }

    int begin(String type) {
        int at = out.size();
        u32(0);
        fourcc(type);
        return at;
    }

    int beginFull(String type, int version, int flags) {
        int at = begin(type);
        u32(((long) version << 24) | (flags & 0xffffff));
        return at;
    }

    void end(int at) {
        int size = out.size() - at;
        byte[] b = out.array();
        b[at] = (byte) (size >>> 24);
        b[at + 1] = (byte) (size >>> 16);
        b[at + 2] = (byte) (size >>> 8);
        b[at + 3] = (byte) size;
    }

    Mp4Boxes u8(int v) {
        out.write(v);
        return this;
    }

    Mp4Boxes u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    Mp4Boxes u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    Mp4Boxes u64(long v) {
        return u32(v >>> 32).u32(v);
    }

    Mp4Boxes zeros(int n) {
        for (int i = 0; i < n; i++) {
            out.write(0);
        }
        return this;
    }

    Mp4Boxes bytes(byte[] b, int from, int len) {
        out.write(b, from, len);
        return this;
    }

    Mp4Boxes fourcc(String type) {
        byte[] b = type.getBytes(StandardCharsets.US_ASCII);
        return bytes(b, 0, b.length);
    }

    /** The 3x3 unity matrix of {@code mvhd} and {@code tkhd}. */
    Mp4Boxes unityMatrix() {
        return u32(0x00010000).u32(0).u32(0).u32(0).u32(0x00010000).u32(0).u32(0).u32(0).u32(0x40000000);
    }

    int size() {
        return out.size();
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
