package org.nvr.sim;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Paints the pictures of a {@link SyntheticClip} into YUV 4:2:0 planes: a diagonal gradient that
 * drifts, a band of noise in the bottom quarter, a bright bar that sweeps left to right, and the
 * frame number as a row of 16 black/white blocks in the top-left corner. Every frame differs from the one before, so a decoder, a motion
 * check or a human looking at a snapshot can tell frames apart, and no frame is blank.
 *
 * <p>Not thread-safe; one instance per encoding run.
 */
final class TestPattern {

    private static final int COUNTER_BITS = 16;
    private static final byte BLACK = 16;
    private static final byte WHITE = (byte) 235;

    private final int width;
    private final int height;
    private final int block;
    private final int barWidth;

    TestPattern(int width, int height) {
        this.width = width;
        this.height = height;
        this.block = blockSize(width, height);
        this.barWidth = Math.max(2, width / 16);
    }

    /**
     * Reads the frame number back from a decoded picture's luma, by sampling the middle of each
     * counter block; survives scaling artefacts and compression, not cropping or resizing.
     */
    static int readCounter(ByteBuffer luma, int stride, int width, int height) {
        int block = blockSize(width, height);
        int margin = block / 2;
        int y = margin + block / 2;
        int value = 0;
        for (int bit = 0; bit < COUNTER_BITS; bit++) {
            int x = margin + bit * block + block / 2;
            if ((luma.get(luma.position() + y * stride + x) & 0xFF) > 128) {
                value |= 1 << bit;
            }
        }
        return value;
    }

    private static int blockSize(int width, int height) {
        return Math.max(4, Math.min(width / (COUNTER_BITS + 4), height / 8) & ~1);
    }

    void paintLuma(int frame, byte[] plane, int stride) {
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            for (int x = 0; x < width; x++) {
                // Triangle wave rather than a sawtooth: no hard edge that would cost bits.
                int v = (x + y / 2 + 3 * frame) % 438;
                plane[row + x] = (byte) (16 + (v < 219 ? v : 437 - v));
            }
        }
        // Sensor-noise-like texture in the bottom quarter, new every frame: without it the picture
        // is so easy to code that the encoder stays far below the bit rate asked for.
        for (int y = height - height / 4; y < height; y++) {
            int row = y * stride;
            for (int x = 0; x < width; x++) {
                int h = (x >> 1) * 73_856_093 ^ (y >> 1) * 19_349_663 ^ frame * 83_492_791;
                h ^= h >>> 13;
                h *= 0x5bd1e995;
                plane[row + x] = (byte) ((plane[row + x] & 0xFF) / 2 + 40 + ((h >>> 24) & 0x3F));
            }
        }
        int barX = (frame * 8) % width;
        for (int y = 0; y < height; y++) {
            int row = y * stride;
            int end = Math.min(width, barX + barWidth);
            Arrays.fill(plane, row + barX, row + end, WHITE);
        }
        paintCounter(frame, plane, stride);
    }

    void paintChroma(int frame, byte[] u, byte[] v, int stride) {
        int cw = width / 2;
        int ch = height / 2;
        byte vValue = (byte) (128 + (frame % 64) - 32);
        for (int y = 0; y < ch; y++) {
            int row = y * stride;
            Arrays.fill(u, row, row + cw, (byte) (96 + y * 64 / ch));
            Arrays.fill(v, row, row + cw, vValue);
        }
    }

    // Frame number, least significant bit first, framed by a black border so it stands out.
    private void paintCounter(int frame, byte[] plane, int stride) {
        int margin = block / 2;
        fill(plane, stride, 0, 0, margin * 2 + block * COUNTER_BITS, margin * 2 + block, BLACK);
        for (int bit = 0; bit < COUNTER_BITS; bit++) {
            byte value = ((frame >> bit) & 1) != 0 ? WHITE : BLACK;
            fill(plane, stride, margin + bit * block, margin, block, block, value);
        }
    }

    private void fill(byte[] plane, int stride, int x0, int y0, int w, int h, byte value) {
        int x1 = Math.min(width, x0 + w);
        int y1 = Math.min(height, y0 + h);
        for (int y = y0; y < y1; y++) {
            Arrays.fill(plane, y * stride + x0, y * stride + x1, value);
        }
    }
}
