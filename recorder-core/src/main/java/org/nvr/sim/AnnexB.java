package org.nvr.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits an H.264 Annex-B byte stream (NAL units separated by {@code 00 00 01} or
 * {@code 00 00 00 01}) into NAL units without start codes. Stateless; any thread.
 */
final class AnnexB {

    static final int NAL_IDR = 5;
    static final int NAL_SPS = 7;
    static final int NAL_PPS = 8;
    static final int NAL_AUD = 9;

    private AnnexB() {
    }

    static int nalType(byte[] nal) {
        return nal[0] & 0x1F;
    }

    static List<byte[]> split(byte[] stream, int length) {
        List<byte[]> nals = new ArrayList<>();
        int start = -1;
        int i = 0;
        while (i + 2 < length) {
            if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
                if (start >= 0) {
                    addTrimmed(nals, stream, start, i);
                }
                i += 3;
                start = i;
            } else {
                i++;
            }
        }
        if (start >= 0) {
            addTrimmed(nals, stream, start, length);
        }
        return nals;
    }

    // Zero bytes before a start code belong to the next start code (00 00 00 01) or are
    // trailing_zero_8bits; a NAL unit never ends with 0x00.
    private static void addTrimmed(List<byte[]> nals, byte[] stream, int from, int to) {
        int end = to;
        while (end > from && stream[end - 1] == 0) {
            end--;
        }
        if (end > from) {
            nals.add(Arrays.copyOfRange(stream, from, end));
        }
    }
}
