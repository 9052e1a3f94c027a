package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvr.media.Codec;
import org.nvr.media.Frame;
import org.nvr.media.Track;

/**
 * {@link org.nvr.media.Frame#inBandParameterSets}: what a keyframe carries, one set of each kind, as the
 * depacketizer keeps them. gst-rtsp-server's first H.265 keyframe repeats VPS, SPS and PPS; read as six
 * sets they differed from the next keyframe's three and cut a segment after one second.
 */
class InBandParameterSetsTest {
    private static final byte[] VPS = {0x40, 0x01, 0x0c, 0x01};
    private static final byte[] SPS = {0x42, 0x01, 0x01, 0x60};
    private static final byte[] PPS = {0x44, 0x01, (byte) 0xc0, 0x71};
    private static final byte[] IDR = {0x26, 0x01, (byte) 0xaf, 0x10};

    @Test
    void repeatedSetsInOneKeyframeAreOneOfEachKindTheLastWinning() {
        byte[] newerSps = {0x42, 0x01, 0x01, 0x61};
        Track track = Track.video(0, Codec.H265, 90_000, List.of(VPS, SPS, PPS));
        Frame twice = new Frame(track, 0, 0, true, lengthPrefixed(VPS, SPS, PPS, VPS, newerSps, PPS, IDR));
        List<byte[]> sets = twice.inBandParameterSets();
        assertEquals(3, sets.size());
        assertArrayEquals(VPS, sets.get(0));
        assertArrayEquals(newerSps, sets.get(1));
        assertArrayEquals(PPS, sets.get(2));
        Frame once = new Frame(track, 3600, 3600, true, lengthPrefixed(VPS, newerSps, PPS, IDR));
        assertEquals(3, once.inBandParameterSets().size());
    }

    private static byte[] lengthPrefixed(byte[]... nals) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] n : nals) {
            out.write(0);
            out.write(0);
            out.write(n.length >> 8);
            out.write(n.length);
            out.writeBytes(n);
        }
        return out.toByteArray();
    }
}
