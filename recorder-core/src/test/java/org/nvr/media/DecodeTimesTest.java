package org.nvr.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Decode times from presentation times, for the frame orders encoders produce (one frame = 10 ticks). */
class DecodeTimesTest {
    private static final Track VIDEO = Track.video(0, Codec.H264, 90000, List.of());

    /** Feeds frames with these presentation times (in frames) in this order; returns their decode times. */
    private static List<Long> decode(long... pts) {
        DecodeTimes times = new DecodeTimes(90000);
        List<DecodeTimes.Decoded> out = new ArrayList<>();
        for (int i = 0; i < pts.length; i++) {
            times.add(new Frame(VIDEO, 1000 + pts[i] * 10, 1000 + pts[i] * 10, i == 0, new byte[1]), i, out);
        }
        times.finish(out);
        for (int i = 0; i < out.size(); i++) {
            assertEquals(i, out.get(i).tag(), "frames come out in the order they went in");
            assertEquals(1000 + pts[i] * 10, out.get(i).frame().pts(), "presentation times unchanged");
        }
        return out.stream().map(d -> (d.frame().dts() - 1000) / 10).toList();
    }

    @Test
    void withoutBFramesDecodeTimeIsPresentationTime() {
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), decode(0, 1, 2, 3, 4, 5));
    }

    @Test
    void twoBFramesDecodeOneFrameBeforeTheFirstPictureIsShown() {
        // I0 P3 B1 B2 P6 B4 B5: each picture decoded at or before it is shown, one frame apart
        assertEquals(List.of(-1L, 0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L),
                decode(0, 3, 1, 2, 6, 4, 5, 9, 7, 8));
    }

    @Test
    void aPyramidOfBFramesNeedsTwoFrames() {
        // I0 P4 B2 b1 b3 (B2 is a reference for b1 and b3)
        List<Long> dts = decode(0, 4, 2, 1, 3, 8, 6, 5, 7);
        assertEquals(LongStream.rangeClosed(-2, 6).boxed().toList(), dts);
    }

    @Test
    void aStreamCutOffBeforeTheBFramesOfItsLastPictureEndsOneFrameApart() {
        // P6's B-frames 4 and 5 never came: P6 is decoded right after B2, not where a sort of the times would put it
        assertEquals(List.of(-1L, 0L, 1L, 2L, 3L), decode(0, 3, 1, 2, 6));
    }

    @Test
    void aJumpOfTheCameraClockIsNotSortedWithTheFramesBeforeIt() {
        // the camera's clock set back 20000 frames (200000 ticks, past the 90000-tick threshold) after P3's B-frames
        List<Long> dts = decode(0, 3, 1, 2, -20000, -19997, -19999, -19998);
        assertEquals(List.of(-1L, 0L, 1L, 2L, -20001L, -20000L, -19999L, -19998L), dts);
    }
}
