package org.nvr.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticClipTest {

    @Test
    void demoClipHasTheRequestedShape() {
        SyntheticClip clip = TestClips.demo();
        System.out.printf("%s generated in %d ms%n", clip, TestClips.demoGenerationMillis());

        assertEquals(640, clip.width());
        assertEquals(360, clip.height());
        assertEquals(25, clip.fps());
        assertEquals(250, clip.frameCount());
        assertEquals(Duration.ofSeconds(10), clip.duration());
        // A keyframe exactly every GOP: the recorder's segment cutting depends on it.
        for (int i = 0; i < clip.frameCount(); i++) {
            assertEquals(i % 25 == 0, clip.frame(i).keyframe(), "keyframe flag of frame " + i);
        }
        assertEquals(10, clip.keyframeCount());
        long bitsPerSecond = clip.byteCount() * 8 / 10;
        assertTrue(bitsPerSecond > 200_000 && bitsPerSecond < 2_000_000, "bit rate " + bitsPerSecond);
    }

    @Test
    void parameterSetsDescribeConstrainedBaseline() {
        SyntheticClip clip = TestClips.demo();
        assertEquals(AnnexB.NAL_SPS, AnnexB.nalType(clip.sps()));
        assertEquals(AnnexB.NAL_PPS, AnnexB.nalType(clip.pps()));
        assertTrue(clip.profileLevelId().matches("42[0-9A-F]{4}"), clip.profileLevelId());
        String[] sprop = clip.spropParameterSets().split(",");
        assertArrayEquals(clip.sps(), Base64.getDecoder().decode(sprop[0]));
        assertArrayEquals(clip.pps(), Base64.getDecoder().decode(sprop[1]));
    }

    @Test
    void accessUnitsHoldOnlyPictureData() {
        SyntheticClip clip = TestClips.oneSecond();
        for (int i = 0; i < clip.frameCount(); i++) {
            for (byte[] nal : clip.frame(i).nalUnits()) {
                int type = AnnexB.nalType(nal);
                assertFalse(type == AnnexB.NAL_SPS || type == AnnexB.NAL_PPS || type == AnnexB.NAL_AUD,
                        "frame " + i + " carries NAL type " + type);
                assertEquals(i % 10 == 0, type == AnnexB.NAL_IDR, "frame " + i + " NAL type " + type);
            }
        }
    }

    @Test
    void annexBOutputRoundTrips() throws IOException {
        SyntheticClip clip = TestClips.oneSecond();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        clip.writeAnnexB(out);
        byte[] stream = out.toByteArray();
        List<byte[]> nals = AnnexB.split(stream, stream.length);
        int pictureNals = 0;
        for (int i = 0; i < clip.frameCount(); i++) {
            pictureNals += clip.frame(i).nalUnits().size();
        }
        assertEquals(pictureNals + 2 * clip.keyframeCount(), nals.size());
        assertArrayEquals(clip.sps(), nals.get(0));
        assertArrayEquals(clip.pps(), nals.get(1));
    }

    @Test
    void rejectsOddSizes() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticClip.generate(641, 360, 25, 25, 10, 500_000));
        assertThrows(IllegalArgumentException.class, () -> SyntheticClip.generate(640, 360, 0, 25, 10, 500_000));
    }
}
