package org.nvr.mp4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.media.Codec;
import org.nvr.media.HevcSps;
import org.nvr.media.Track;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.ExternalCommand;
import org.nvr.testing.MediaProbe;

/**
 * The init segment's sample entries and MSE codec strings against what FFmpeg reads from a file
 * that starts with them: profile, level, picture size.
 */
class InitSegmentTest {
    /** FFmpeg's names of the H.264 profiles our encoders make, by profile_idc. */
    private static final Map<Integer, List<String>> H264_PROFILES = Map.of(
            66, List.of("Baseline", "Constrained Baseline"), 77, List.of("Main"), 100, List.of("High"));

    @TempDir
    Path dir;

    @Test
    void h264CodecStringNamesTheProfileAndLevelFfprobeReads() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(640, 360, 25, 25, 25, 300_000);
        checkH264(TestStreams.h264(clip, 0));
        checkH264(TestStreams.h264WithBFrames(dir, 25, 0));
        checkH264(TestStreams.h264WithBFrames(dir, 25, 0, "high"));
    }

    private void checkH264(TestStreams.Stream s) throws Exception {
        InitSegment init = InitSegment.of(List.of(s.track()));
        String codec = init.codecs().get(0);
        assertTrue(codec.matches("avc1\\.[0-9a-f]{6}"), codec);
        JsonNode probed = probe(s);
        int profile = Integer.parseInt(codec.substring(5, 7), 16);
        int level = Integer.parseInt(codec.substring(9, 11), 16);
        assertTrue(H264_PROFILES.getOrDefault(profile, List.of()).contains(probed.path("profile").asText()),
                codec + " vs ffprobe's " + probed);
        assertEquals(probed.path("level").asInt(), level, codec + " vs ffprobe's " + probed);
        assertEquals("video/mp4; codecs=\"" + codec + "\"", init.mimeType());
    }

    @Test
    void sampleEntryAndTrackHeaderCarryThePictureSizeAfterCropping() throws Exception {
        // 360 lines are coded as 23 macroblock rows (368 lines) with 8 cropped off
        SyntheticClip clip = SyntheticClip.generate(640, 360, 25, 25, 1, 100_000);
        ByteBuffer init = ByteBuffer.wrap(InitSegment.of(List.of(TestStreams.h264(clip, 0).track())).bytes());
        int avc1 = indexOf(init, "avc1");
        assertEquals(640, init.getShort(avc1 + 4 + 24));
        assertEquals(360, init.getShort(avc1 + 4 + 26));
        int tkhd = indexOf(init, "tkhd");
        assertEquals(640 << 16, init.getInt(tkhd + 8 + 72));
        assertEquals(360 << 16, init.getInt(tkhd + 8 + 76));

        TestStreams.Stream hevc = TestStreams.h265(dir, 1, 0);
        ByteBuffer hevcInit = ByteBuffer.wrap(InitSegment.of(List.of(hevc.track())).bytes());
        int hvc1 = indexOf(hevcInit, "hvc1");
        assertEquals(320, hevcInit.getShort(hvc1 + 4 + 24));
        assertEquals(240, hevcInit.getShort(hvc1 + 4 + 26));
    }

    private static int indexOf(ByteBuffer b, String type) {
        byte[] t = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i + 4 <= b.capacity(); i++) {
            if (b.get(i) == t[0] && b.get(i + 1) == t[1] && b.get(i + 2) == t[2] && b.get(i + 3) == t[3]) {
                return i;
            }
        }
        throw new AssertionError("no " + type);
    }

    @Test
    void h265CodecStringNamesTheProfileTierAndLevelFfprobeReads() throws Exception {
        TestStreams.Stream s = TestStreams.h265(dir, 5, 0);
        String codec = InitSegment.of(List.of(s.track())).codecs().get(0);
        JsonNode probed = probe(s);
        assertEquals("Main", probed.path("profile").asText());
        // Main (1), compatible with Main and Main 10 (6), main tier, progressive and frame-only (90)
        assertEquals("hvc1.1.6.L" + probed.path("level").asInt() + ".90", codec, "vs ffprobe's " + probed);
    }

    @Test
    void aacCodecStringNamesTheObjectTypeFfprobeReads() throws Exception {
        TestStreams.Stream s = TestStreams.aac(dir, 1, 0);
        InitSegment init = InitSegment.of(List.of(s.track()));
        assertEquals(List.of("mp4a.40.2"), init.codecs());
        assertEquals("LC", probe(s).path("profile").asText());
        assertEquals("audio/mp4; codecs=\"mp4a.40.2\"", init.mimeType());
    }

    @Test
    void hevcCodecStringFollowsIso14496AnnexE() {
        // Main, compatible with Main and Main 10, progressive + frame-only constraint flags, level 3.1
        byte[] main = HexFormat.of().parseHex("01" + "60000000" + "b00000000000" + "5d");
        assertEquals("hvc1.1.6.L93.B0", new HevcSps(main, 1, true, 1, 8, 8, 0, 0).codecString());
        // Main 10, high tier, level 4, no constraint flags set
        byte[] main10 = HexFormat.of().parseHex("22" + "20000000" + "000000000000" + "78");
        assertEquals("hvc1.2.4.H120", new HevcSps(main10, 1, true, 1, 10, 10, 0, 0).codecString());
    }

    @Test
    void aTrackWithoutParameterSetsIsRefusedByName() {
        Track noSps = Track.video(2, Codec.H264, 90_000, List.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InitSegment.of(List.of(noSps)));
        assertEquals("track 2 (h264) lacks an SPS and a PPS: cannot write its sample entry", e.getMessage());
        Track mjpeg = Track.video(0, Codec.MJPEG, 90_000, List.of());
        e = assertThrows(IllegalArgumentException.class, () -> InitSegment.of(List.of(mjpeg)));
        assertTrue(e.getMessage().contains("mjpeg is not written"), e.getMessage());
        Track aac = Track.audio(0, Codec.AAC, 8_000, new byte[] {0x15, (byte) 0x88}, 8_000, 1);
        e = assertThrows(IllegalArgumentException.class, () -> InitSegment.of(List.of(aac, aac)));
        assertEquals("two tracks with index 0: track IDs would clash", e.getMessage());
    }

    /** The stream as ffprobe reads it from a file made of the init segment and one fragment. */
    private JsonNode probe(TestStreams.Stream s) throws Exception {
        Path file = Files.createTempFile(dir, "probe", ".mp4");
        Files.delete(file);
        try (FragmentedMp4Writer w = FragmentedMp4Writer.create(file, List.of(s.track()), java.time.Duration.ofHours(1))) {
            for (var f : s.frames()) {
                w.write(f);
            }
        }
        ExternalCommand.Result r = ExternalCommand.run(List.of(MediaProbe.FFPROBE, "-v", "error", "-of", "json",
                "-show_entries", "stream=profile,level", file.toString()), MediaProbe.TIMEOUT);
        assertEquals(0, r.exitCode(), r.stderr());
        return new ObjectMapper().readTree(r.stdout()).path("streams").path(0);
    }
}
