package org.nvr.rtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Finds and splits at Annex B start codes ({@code 00 00 01}, {@code 00 00 00 01}) that some cameras
 * leave inside RTP payloads. Stateless; any thread.
 */
final class AnnexB {

    private AnnexB() {
    }

    static boolean hasStartCode(byte[] bytes) {
        return hasStartCode(bytes, 0, bytes.length);
    }

    /** Whether {@code bytes[at, at + length)} holds a start code. */
    static boolean hasStartCode(byte[] bytes, int at, int length) {
        for (int i = at + 2; i < at + length; i++) {
            if (bytes[i] == 1 && bytes[i - 1] == 0 && bytes[i - 2] == 0) {
                return true;
            }
        }
        return false;
    }

    /** The NAL units between start codes; bytes before the first start code are one too, if any. */
    static List<byte[]> split(byte[] bytes) {
        List<byte[]> nals = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i + 2 < bytes.length) {
            if (bytes[i] == 0 && bytes[i + 1] == 0 && bytes[i + 2] == 1) {
                addTrimmed(nals, bytes, start, i);
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        addTrimmed(nals, bytes, start, bytes.length);
        return nals;
    }

    // Zeros before a start code belong to it (00 00 00 01) or are trailing_zero_8bits: a NAL unit
    // never ends with 0x00.
    private static void addTrimmed(List<byte[]> nals, byte[] bytes, int from, int to) {
        int end = to;
        while (end > from && bytes[end - 1] == 0) {
            end--;
        }
        if (end > from) {
            nals.add(Arrays.copyOfRange(bytes, from, end));
        }
    }
}
