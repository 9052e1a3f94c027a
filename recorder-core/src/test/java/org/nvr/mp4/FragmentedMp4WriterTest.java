package org.nvr.mp4;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.media.Frame;
import org.nvr.media.Track;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.ExternalCommand;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Mp4Boxes;

/**
 * Files written by {@link FragmentedMp4Writer} from real encoders' output, checked by FFmpeg: they
 * decode without a complaint, hold every frame at exactly its timestamp, and are cut where asked.
 */
class FragmentedMp4WriterTest {
    private static final Duration SECOND = Duration.ofSeconds(1);

    /** 100 pictures 640x360 (cropped from 368 coded lines) at 25 fps, a keyframe every 25. */
    private static SyntheticClip clip;

    @TempDir
    Path dir;

    @BeforeAll
    static void encode() {
        clip = SyntheticClip.generate(640, 360, 25, 25, 100, 500_000);
    }

    @Test
    void h264DecodesEveryPictureAtItsTimestampOneFragmentPerKeyframe() throws Exception {
        TestStreams.Stream s = TestStreams.h264(clip, 0);
        Path file = write(List.of(s.track()), s.frames(), SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        MediaProbe.StreamInfo info = MediaProbe.streams(file).get(0);
        assertEquals("avc1", info.codecTag());
        assertEquals(640, info.width());
        assertEquals(360, info.height());
        assertEquals(100, MediaProbe.frameCount(file));
        assertTimes(MediaProbe.videoPackets(file), s.frames());
        List<Mp4Boxes.Fragment> fragments = MediaProbe.fragments(file);
        assertEquals(List.of(1L, 2L, 3L, 4L), fragments.stream().map(Mp4Boxes.Fragment::sequenceNumber).toList());
        for (Mp4Boxes.Fragment f : fragments) {
            assertTrue(f.startsWithKeyframe(), f.toString());
            assertEquals(25, f.sampleCount(), f.toString());
            assertEquals(SECOND, f.duration(), f.toString());
        }
    }

    @Test
    void aLongGopIsCutAtTheFragmentBound() throws Exception {
        SyntheticClip oneKeyframe = SyntheticClip.generate(320, 240, 25, 250, 60, 200_000);
        TestStreams.Stream s = TestStreams.h264(oneKeyframe, 0);
        Path file = write(List.of(s.track()), s.frames(), Duration.ofMillis(800));

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        List<Mp4Boxes.Fragment> fragments = MediaProbe.fragments(file);
        assertEquals(List.of(20, 20, 20), fragments.stream().map(Mp4Boxes.Fragment::sampleCount).toList());
        assertEquals(List.of(true, false, false),
                fragments.stream().map(Mp4Boxes.Fragment::startsWithKeyframe).toList());
    }

    @Test
    void bFramesKeepTheirCompositionOffsets() throws Exception {
        TestStreams.Stream s = TestStreams.h264WithBFrames(dir, 50, 0);
        List<Frame> frames = s.frames();
        assertTrue(java.util.stream.IntStream.range(1, frames.size())
                        .anyMatch(i -> frames.get(i).pts() < frames.get(i - 1).pts()),
                "x264 made no B-frames (no picture shown before one decoded earlier)");
        Path file = write(List.of(s.track()), s.frames(), SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        assertEquals(50, MediaProbe.frameCount(file));
        assertTimes(MediaProbe.videoPackets(file), s.frames());
        List<Double> shown = MediaProbe.pictureTimes(file);
        assertEquals(s.frames().stream().map(f -> f.pts() / (double) f.track().clockRate()).sorted().toList(), shown);
    }

    @Test
    void h265WithBFramesDecodesEveryPictureAtItsTimestamp() throws Exception {
        TestStreams.Stream s = TestStreams.h265(dir, 50, 0);
        assertTrue(s.frames().stream().anyMatch(f -> f.pts() != f.dts() + s.frames().get(0).pts()),
                "x265 made no B-frames");
        Path file = write(List.of(s.track()), s.frames(), SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        MediaProbe.StreamInfo info = MediaProbe.streams(file).get(0);
        assertEquals("hvc1", info.codecTag());
        assertEquals(320, info.width());
        assertEquals(240, info.height());
        assertEquals(50, MediaProbe.frameCount(file));
        assertTimes(MediaProbe.videoPackets(file), s.frames());
        List<Mp4Boxes.Fragment> fragments = MediaProbe.fragments(file);
        assertEquals(List.of(25, 25), fragments.stream().map(Mp4Boxes.Fragment::sampleCount).toList());
        assertEquals(List.of(true, false), fragments.stream().map(Mp4Boxes.Fragment::startsWithKeyframe).toList());
    }

    @Test
    void videoAndAacInOneFileKeepBothTracksExact() throws Exception {
        TestStreams.Stream video = TestStreams.h264(clip, 0);
        TestStreams.Stream audio = TestStreams.aac(dir, 4, 1);
        List<Frame> interleaved = interleave(video.frames(), audio.frames());
        Path file = write(List.of(video.track(), audio.track()), interleaved, SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        List<MediaProbe.StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(List.of("avc1", "mp4a"), streams.stream().map(MediaProbe.StreamInfo::codecTag).toList());
        assertEquals(44_100, streams.get(1).sampleRate());
        assertEquals(1, streams.get(1).channels());
        assertTimes(MediaProbe.videoPackets(file), video.frames());
        assertTimes(MediaProbe.audioPackets(file), audio.frames());
        double volume = MediaProbe.meanVolumeDb(file);
        assertTrue(volume > -40, "mean volume " + volume + " dB: silence, not the sine");
    }

    /**
     * Audio that starts after the first picture (a segment opens at a keyframe, its first audio frame
     * up to one frame later) is shown from where it starts, and the file lasts as long as its longer
     * track: an empty edit, as FFmpeg's muxer writes, not a file that counts the late start twice.
     */
    @Test
    void audioStartingAfterTheVideoIsShownFromItsStartAndTheFileLastsAsItsLongerTrack() throws Exception {
        TestStreams.Stream video = TestStreams.h264(clip, 0);
        TestStreams.Stream audio = TestStreams.aac(dir, 4, 1);
        long late = 4410; // 100 ms at 44.1 kHz
        List<Frame> shifted = audio.frames().stream().filter(f -> f.dts() >= 0 && f.dts() + late + 1024 <= 4 * 44_100)
                .map(f -> new Frame(f.track(), f.pts() + late, f.dts() + late, f.keyframe(), f.data())).toList();
        Path file = write(List.of(video.track(), audio.track()), interleave(video.frames(), shifted), SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        assertTimes(MediaProbe.videoPackets(file), video.frames());
        assertTimes(MediaProbe.audioPackets(file), shifted);
        Frame last = shifted.get(shifted.size() - 1);
        double audioEnd = (last.dts() + 1024) / 44_100.0;
        assertEquals(Math.max(4.0, audioEnd), MediaProbe.duration(file).toNanos() / 1e9, 0.002, "file duration");
    }

    @Test
    void gstreamersDemuxerShowsEveryPictureAtItsTime() throws Exception {
        TestStreams.Stream s = TestStreams.h264WithBFrames(dir, 50, 0);
        Path file = write(List.of(s.track()), s.frames(), SECOND);

        // qtdemux is a second, independent MP4 reader; fakesink -v prints each decoded picture's pts
        ExternalCommand.Result r = ExternalCommand.run(List.of("gst-launch-1.0", "-v", "filesrc", "location=" + file,
                "!", "qtdemux", "!", "h264parse", "!", "avdec_h264", "!", "fakesink", "silent=false", "sync=false"),
                TestStreams.TIMEOUT);
        assertEquals(0, r.exitCode(), r.stderr());
        List<Double> shown = new ArrayList<>();
        Matcher m = Pattern.compile("chain .* pts: (\\d+):(\\d+):(\\d+\\.\\d+)").matcher(r.stdout());
        while (m.find()) {
            shown.add(Integer.parseInt(m.group(1)) * 3600 + Integer.parseInt(m.group(2)) * 60
                    + Double.parseDouble(m.group(3)));
        }
        List<Double> expected = s.frames().stream().map(f -> f.pts() / (double) f.track().clockRate()).sorted().toList();
        assertEquals(expected.size(), shown.size(), r.stdout());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), shown.get(i), 1e-6, "picture " + i);
        }
    }

    @Test
    void audioAloneIsCutEveryMaxFragment() throws Exception {
        TestStreams.Stream s = TestStreams.aac(dir, 3, 0);
        Path file = write(List.of(s.track()), s.frames(), SECOND);

        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        assertTimes(MediaProbe.audioPackets(file), s.frames());
        List<Mp4Boxes.Fragment> fragments = MediaProbe.fragments(file);
        // 1024 samples a frame at 44.1 kHz: a fragment is cut at the first frame 1 s after its start
        assertEquals(List.of(44, 44, 43), fragments.stream().map(Mp4Boxes.Fragment::sampleCount).toList());
    }

    @Test
    void neverOverwritesAFileAndRefusesTimeGoingBack() throws Exception {
        TestStreams.Stream s = TestStreams.h264(clip, 0);
        Path existing = dir.resolve("existing.mp4");
        java.nio.file.Files.writeString(existing, "footage");
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> FragmentedMp4Writer.create(existing, List.of(s.track()), SECOND));
        assertEquals("footage", java.nio.file.Files.readString(existing));

        Path file = dir.resolve("new.mp4");
        FragmentedMp4Writer w = FragmentedMp4Writer.create(file, List.of(s.track()), SECOND);
        w.write(s.frames().get(0));
        w.write(s.frames().get(1));
        IllegalArgumentException back = assertThrows(IllegalArgumentException.class, () -> w.write(s.frames().get(0)));
        assertEquals("track 0: decode time goes back from 3600 to 0", back.getMessage());
        w.write(s.frames().get(2));
        w.close();
        w.close();
        assertThrows(IllegalStateException.class, () -> w.write(s.frames().get(3)));
        // the refused frame cost nothing already written: all three pictures are in the file
        assertTimes(MediaProbe.videoPackets(file), s.frames().subList(0, 3));
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
    }

    private Path write(List<Track> tracks, List<Frame> frames, Duration maxFragment) throws Exception {
        Path file = dir.resolve("out.mp4");
        try (FragmentedMp4Writer w = FragmentedMp4Writer.create(file, tracks, maxFragment)) {
            for (Frame f : frames) {
                w.write(f);
            }
        }
        return file;
    }

    /** The packets are the frames in decode order, each at exactly its decode and presentation time. */
    private static void assertTimes(List<MediaProbe.Packet> packets, List<Frame> frames) {
        assertEquals(frames.size(), packets.size(), "packets");
        double clock = frames.get(0).track().clockRate();
        for (int i = 0; i < frames.size(); i++) {
            Frame f = frames.get(i);
            MediaProbe.Packet p = packets.get(i);
            assertEquals(f.dts() / clock, p.dtsTime(), 1e-6, "dts of packet " + i);
            assertEquals(f.pts() / clock, p.ptsTime(), 1e-6, "pts of packet " + i);
            assertEquals(f.keyframe(), p.keyframe(), "key flag of packet " + i);
            assertEquals(f.size(), p.size(), "size of packet " + i);
        }
    }

    /** Merges two tracks' frames by decode time, as a camera sends them. */
    private static List<Frame> interleave(List<Frame> a, List<Frame> b) {
        List<Frame> out = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            boolean takeA = j >= b.size() || (i < a.size()
                    && a.get(i).dts() * (double) b.get(j).track().clockRate()
                    <= b.get(j).dts() * (double) a.get(i).track().clockRate());
            out.add(takeA ? a.get(i++) : b.get(j++));
        }
        return out;
    }
}
