package org.nvr.media;

/**
 * Reads the bits of a NAL unit's payload (RBSP) as H.264 and H.265 parameter sets code them: fixed-width
 * fields and Exp-Golomb numbers, most significant bit first. The emulation-prevention bytes
 * ({@code 00 00 03}) are removed on construction. Not thread-safe; one reader per parse.
 */
final class BitReader {
    private final byte[] rbsp;
    private int bit;

    /** Reads {@code nal} from byte {@code from} on (past its NAL header). */
    BitReader(byte[] nal, int from) {
        this.rbsp = unescape(nal, from);
    }

    /** The unescaped payload. */
    byte[] rbsp() {
        return rbsp.clone();
    }

    int bits(int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 1) | bit();
        }
        return v;
    }

    boolean flag() {
        return bit() == 1;
    }

    void skip(int n) {
        if (bit + n > rbsp.length * 8) {
            throw new IllegalArgumentException("parameter set ends early");
        }
        bit += n;
    }

    /** ue(v): an unsigned Exp-Golomb number. */
    int ue() {
        int zeros = 0;
        while (bit() == 0) {
            if (++zeros > 31) {
                throw new IllegalArgumentException("bad Exp-Golomb code in parameter set");
            }
        }
        return (int) ((1L << zeros) - 1 + (zeros == 0 ? 0 : Integer.toUnsignedLong(bits(zeros))));
    }

    /** se(v): a signed Exp-Golomb number. */
    int se() {
        int k = ue();
        return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
    }

    private int bit() {
        if (bit >= rbsp.length * 8) {
            throw new IllegalArgumentException("parameter set ends early");
        }
        int v = (rbsp[bit >> 3] >> (7 - (bit & 7))) & 1;
        bit++;
        return v;
    }

    private static byte[] unescape(byte[] nal, int from) {
        byte[] out = new byte[Math.max(0, nal.length - from)];
        int n = 0;
        int zeros = 0;
        for (int i = from; i < nal.length; i++) {
            int b = nal[i] & 0xff;
            if (zeros >= 2 && b == 3) {
                zeros = 0;
                continue;
            }
            zeros = b == 0 ? zeros + 1 : 0;
            out[n++] = (byte) b;
        }
        return java.util.Arrays.copyOf(out, n);
    }
}
