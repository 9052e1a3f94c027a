package org.nvr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.Mp4Boxes.Box;
import org.nvr.testing.MediaProbe.Packet;
import org.nvr.testing.Mp4Boxes.Fragment;

/** Tests the MP4 box walker on hand-made bytes and on files Debian's ffmpeg makes at test time. */
class Mp4BoxesTest {

    @TempDir
    Path dir;

    @Test
    void walksCompactLargeAndToEndOfFileSizes() throws Exception {
        Path file = write(box("ftyp", 8), largeBox("free", 8), toEndBox("mdat", 10));

        assertEquals(List.of(
                new Box("ftyp", 0, 16, 8, false),
                new Box("free", 16, 24, 16, false),
                new Box("mdat", 40, 18, 8, false)), Mp4Boxes.topLevel(file));
    }

    @Test
    void marksTheBoxCutShortByTheEndOfTheFile() throws Exception {
        byte[] cut = new byte[20];
        System.arraycopy(header(100, "mdat"), 0, cut, 0, 8);
        Path file = write(box("ftyp", 8), box("moov", 4), cut);

        List<Box> boxes = Mp4Boxes.topLevel(file);

        assertEquals(new Box("mdat", 28, 100, 8, true), boxes.get(2));
        assertEquals(3, boxes.size());
    }

    @Test
    void marksAHeaderCutShort() throws Exception {
        Path file = write(box("ftyp", 8), new byte[] {0, 0, 1});

        assertEquals(new Box("", 16, 3, 0, true), Mp4Boxes.topLevel(file).get(1));
    }

    @Test
    void faststartFileHasMoovBeforeMdatAndIsNotFragmented() throws Exception {
        Path file = encode("plain.mp4", "-movflags", "+faststart");

        List<String> types = Mp4Boxes.topLevel(file).stream().map(Box::type).toList();

        assertTrue(types.indexOf("moov") >= 0 && types.indexOf("moov") < types.indexOf("mdat"), types::toString);
        assertFalse(Mp4Boxes.isFragmented(file));
        assertEquals(List.of(), Mp4Boxes.fragments(file));
    }

    @Test
    void fragmentedFileYieldsOneFragmentPerGop() throws Exception {
        Path file = encode("frag.mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof");

        List<String> types = Mp4Boxes.topLevel(file).stream().map(Box::type).toList();
        List<Fragment> fragments = Mp4Boxes.fragments(file);

        // ffmpeg closes a fragmented file with a random access index (mfra).
        assertEquals(List.of("ftyp", "moov", "moof", "mdat", "moof", "mdat", "moof", "mdat", "mfra"), types);
        assertTrue(Mp4Boxes.isFragmented(file));
        assertEquals(3, fragments.size(), fragments::toString);
        // Cross-check with ffprobe: each fragment spans one GOP. (The first GOP is 64 ms longer:
        // ffmpeg stretches the first video sample by the AAC encoder delay.)
        List<Packet> packets = MediaProbe.videoPackets(file);
        List<Double> keyframes = packets.stream().filter(Packet::keyframe).map(Packet::dtsTime).toList();
        Packet last = packets.get(packets.size() - 1);
        assertEquals(3, keyframes.size(), keyframes::toString);
        for (int i = 0; i < fragments.size(); i++) {
            Fragment f = fragments.get(i);
            double end = i + 1 < keyframes.size() ? keyframes.get(i + 1) : last.dtsTime() + last.durationTime();
            assertEquals(i + 1, f.sequenceNumber(), f::toString);
            assertEquals(keyframes.get(i), seconds(f.start()), 0.001, f::toString);
            assertEquals(end - keyframes.get(i), seconds(f.duration()), 0.001, f::toString);
            assertEquals(25, f.sampleCount(), f::toString);
            assertTrue(f.startsWithKeyframe(), f::toString);
        }
        assertEquals(MediaProbe.fragmentDurations(file), fragments.stream().map(Fragment::duration).toList());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /** 3 s of 25 fps H.264 with one keyframe per second, plus AAC audio, encoded by Debian's ffmpeg. */
    private Path encode(String name, String... muxOptions) throws Exception {
        Path out = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error",
                "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=3",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=3",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-keyint_min", "25", "-sc_threshold", "0",
                "-c:a", "aac"));
        command.addAll(List.of(muxOptions));
        command.add(out.toString());
        ExternalCommand.Result r = ExternalCommand.run(command, Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r::stderr);
        return out;
    }

    private Path write(byte[]... parts) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            bytes.write(part);
        }
        return Files.write(dir.resolve("boxes.mp4"), bytes.toByteArray());
    }

    private static byte[] header(int size, String type) {
        return ByteBuffer.allocate(8).putInt(size).put(type.getBytes(StandardCharsets.US_ASCII)).array();
    }

    private static byte[] box(String type, int payload) {
        return ByteBuffer.allocate(8 + payload).put(header(8 + payload, type)).array();
    }

    private static byte[] largeBox(String type, int payload) {
        return ByteBuffer.allocate(16 + payload).put(header(1, type)).putLong(16 + payload).array();
    }

    private static byte[] toEndBox(String type, int payload) {
        return ByteBuffer.allocate(8 + payload).put(header(0, type)).array();
    }
}
