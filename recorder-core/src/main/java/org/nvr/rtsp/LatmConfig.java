package org.nvr.rtsp;

/**
 * Extracts the AudioSpecificConfig from the {@code StreamMuxConfig} that an {@code MP4A-LATM} SDP
 * carries in its {@code config} parameter (RFC 6416, ISO 14496-3 1.7.3), for the common case: one
 * program, one layer, {@code audioMuxVersion} 0, AAC Main/LC/SSR/LTP (optionally with SBR/PS
 * signalled explicitly). Anything else gives null, and the depacketizer must read the in-band config.
 * Stateless; any thread.
 */
final class LatmConfig {

    private LatmConfig() {
    }

    static byte[] audioSpecificConfig(byte[] streamMuxConfig) {
        Bits in = new Bits(streamMuxConfig);
        try {
            if (in.read(1) != 0) {
                return null; // audioMuxVersion 1: not seen from cameras
            }
            in.read(1); // allStreamsSameTimeFraming
            in.read(6); // numSubFrames
            if (in.read(4) != 0 || in.read(3) != 0) {
                return null; // several programs or layers
            }
            int start = in.position;
            int objectType = objectType(in);
            frequency(in);
            int channelConfig = in.read(4);
            if (objectType == 5 || objectType == 29) {
                frequency(in);
                objectType = objectType(in);
            }
            if (objectType < 1 || objectType > 7 || objectType == 5 || channelConfig == 0) {
                return null;
            }
            in.read(1); // frameLengthFlag
            if (in.read(1) == 1) {
                in.read(14); // coreCoderDelay
            }
            if (in.read(1) != 0) {
                return null; // extensionFlag: ER object types only
            }
            return in.copy(start, in.position);
        } catch (IndexOutOfBoundsException e) {
            return null;
        }
    }

    private static int objectType(Bits in) {
        int type = in.read(5);
        return type == 31 ? 32 + in.read(6) : type;
    }

    private static void frequency(Bits in) {
        if (in.read(4) == 15) {
            in.read(24);
        }
    }

    /** A big-endian bit reader over a byte array. */
    private static final class Bits {
        private final byte[] data;
        private int position;

        Bits(byte[] data) {
            this.data = data;
        }

        int read(int count) {
            int value = 0;
            for (int k = 0; k < count; k++) {
                int bit = (data[position >> 3] >> (7 - (position & 7))) & 1;
                value = (value << 1) | bit;
                position++;
            }
            return value;
        }

        /** Bits {@code [from, to)} as bytes, left-aligned, the last byte padded with zeros. */
        byte[] copy(int from, int to) {
            byte[] out = new byte[(to - from + 7) / 8];
            for (int p = from; p < to; p++) {
                int bit = (data[p >> 3] >> (7 - (p & 7))) & 1;
                int q = p - from;
                out[q >> 3] |= (byte) (bit << (7 - (q & 7)));
            }
            return out;
        }
    }
}
