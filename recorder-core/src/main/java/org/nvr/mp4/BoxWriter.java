package org.nvr.mp4;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds MP4 boxes (ISO/IEC 14496-12) in a growing byte array: {@link #begin} writes a box header
 * whose size {@link #end} fills in once the box's content is written, so nesting reads like the
 * box tree. Big-endian. Not thread-safe; one writer per segment or fragment header.
 */
final class BoxWriter {
    private byte[] buf = new byte[512];
    private int len;

    /** Starts a box of {@code type}; returns its start for {@link #end}. */
    int begin(String type) {
        int start = len;
        u32(0);
        fourcc(type);
        return start;
    }

    /** Starts a full box (with version and flags). */
    int beginFull(String type, int version, int flags) {
        int start = begin(type);
        u32((version << 24) | (flags & 0xffffff));
        return start;
    }

    /** Ends the box begun at {@code start}, writing its size. */
    void end(int start) {
        int size = len - start;
        buf[start] = (byte) (size >>> 24);
        buf[start + 1] = (byte) (size >>> 16);
        buf[start + 2] = (byte) (size >>> 8);
        buf[start + 3] = (byte) size;
    }

    BoxWriter u8(int v) {
        ensure(1);
        buf[len++] = (byte) v;
        return this;
    }

    BoxWriter u16(int v) {
        return u8(v >>> 8).u8(v);
    }

    BoxWriter u24(int v) {
        return u8(v >>> 16).u16(v);
    }

    BoxWriter u32(long v) {
        return u16((int) (v >>> 16)).u16((int) v);
    }

    BoxWriter u64(long v) {
        return u32(v >>> 32).u32(v);
    }

    BoxWriter zeros(int n) {
        ensure(n);
        len += n; // the array is zero past len: it grows zero-filled, and nothing writes beyond len
        return this;
    }

    BoxWriter bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    BoxWriter fourcc(String type) {
        return bytes(type.getBytes(StandardCharsets.US_ASCII));
    }

    /** The 3x3 unity matrix of {@code mvhd} and {@code tkhd}. */
    BoxWriter unityMatrix() {
        return u32(0x00010000).u32(0).u32(0).u32(0).u32(0x00010000).u32(0).u32(0).u32(0).u32(0x40000000);
    }

    /** Overwrites the 32-bit value at {@code at} (a size or offset known only later). */
    void patch32(int at, long v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    int size() {
        return len;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    /** The bytes written so far, without a copy; the writer must not be used afterwards. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(buf, 0, len);
    }

    private void ensure(int n) {
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
    }
}
