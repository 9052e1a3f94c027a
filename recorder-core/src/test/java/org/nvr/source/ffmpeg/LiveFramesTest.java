package org.nvr.source.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.nvr.media.Codec;
import org.junit.jupiter.api.Test;

/** Annex B as FFmpeg's RTSP demuxer hands it over, to the 4-byte lengths MP4 and the live view use. */
class LiveFramesTest {
    @Test
    void startCodesOfThreeAndFourBytesBecomeLengthsAndTrailingZerosGo() {
        byte[] annexB = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 4, 5, 6, 0};
        byte[] expected = {0, 0, 0, 3, 0x67, 1, 2, 0, 0, 0, 2, 0x68, 3, 0, 0, 0, 4, 0x65, 4, 5, 6};
        assertArrayEquals(expected, LiveFrames.lengthPrefixed(annexB));
    }

    @Test
    void aKeyframeRepeatingItsParameterSetsAnnouncesOneOfEachKindTheLastWinning() {
        byte[] annexB = {0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 0, 1, 0x67, 3, 0, 0, 0, 1, 0x68, 4,
                0, 0, 1, 0x65, 9};
        List<byte[]> sets = LiveFrames.inBandParameterSets(Codec.H264, LiveFrames.lengthPrefixed(annexB));
        assertEquals(2, sets.size());
        assertArrayEquals(new byte[] {0x67, 3}, sets.get(0));
        assertArrayEquals(new byte[] {0x68, 4}, sets.get(1));
    }

    @Test
    void aPictureWithoutParameterSetsHasNone() {
        byte[] annexB = {0, 0, 0, 1, 0x65, 9, 8};
        assertEquals(0, LiveFrames.inBandParameterSets(Codec.H264, LiveFrames.lengthPrefixed(annexB)).size());
    }

    @Test
    void nothingButStartCodesIsNoNalUnit() {
        assertEquals(0, LiveFrames.lengthPrefixed(new byte[] {0, 0, 1, 0, 0, 0, 1}).length);
        assertEquals(0, LiveFrames.lengthPrefixed(new byte[0]).length);
    }
}
