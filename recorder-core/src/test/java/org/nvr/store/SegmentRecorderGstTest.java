package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nvr.camera.FailureReason;
import org.nvr.footage.FootageExporter;
import org.nvr.footage.OutputFile;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.media.Frame;
import org.nvr.mp4.Mp4Probe;
import org.nvr.rtsp.RtspTransports;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/**
 * {@link SegmentRecorder} on frames our RTSP client received from gst-rtsp-server (an independent
 * server): H.264 and H.265 with B-frames (two between reference pictures, so pictures arrive out of
 * presentation order with presentation times only, as RTP carries them) and H.264 with AAC. Each capture
 * is replayed into a recorder on a real index in 1 s segments; the footage must read as FFmpeg-recorded
 * footage does (compare {@code recorder.BFramesGstTest}): every frame sent written once, segments cut at
 * keyframes at the target, rows that match their files, no hole between segments, pictures shown in
 * order one frame apart from zero, and an export that decodes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SegmentRecorderGstTest {
    static final Duration SEGMENT = Duration.ofSeconds(1);
    static final double FRAME = 1.0 / 25;
    static final Map<String, String> MOUNTS = Map.of(
            "h264b", GstRtspServer.H264_BFRAMES,
            "h265b", GstRtspServer.H265_BFRAMES,
            "aac", GstRtspServer.H264_AAC,
            "h264", GstRtspServer.H264);

    @TempDir
    static Path dir;
    final Map<String, CapturedStream> captures = new HashMap<>();
    final Map<String, Replay> recorded = new HashMap<>();

    @BeforeAll
    void captureAndRecord() throws Exception {
        EventLoopGroup group = RtspTransports.newGroup(1, "segment-recorder-test");
        try (GstRtspServer gst = GstRtspServer.start()) {
            for (Map.Entry<String, String> m : MOUNTS.entrySet()) {
                captures.put(m.getKey(), CapturedStream.capture(group, gst.url(m.getValue()),
                        CapturedStream.videoSeconds(4.5)));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        for (String name : List.of("h264b", "h265b", "aac")) {
            Replay r = new Replay(Files.createDirectories(dir.resolve(name)), SEGMENT);
            r.feed(captures.get(name), -1);
            r.end(FailureReason.EOF);
            r.close();
            recorded.put(name, r);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264b", "h265b", "aac"})
    void everyFrameSentIsWrittenOnceInSegmentsCutAtKeyframesAtTheTarget(String name) throws Exception {
        Replay r = recorded.get(name);
        List<SegmentRow> rows = r.rows();
        assertTrue(rows.size() >= 4, rows.size() + " segments");
        long frames = 0;
        for (SegmentRow row : rows) {
            assertEquals(SegmentState.CLOSED, row.state(), row.path());
            Path file = r.root.resolve(row.path());
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
            assertTrue(packets.get(0).keyframe(), row.path() + " starts with a keyframe");
            assertEquals(row.frames().longValue(), packets.size(), row.path() + " frames in the index");
            assertEquals(Files.size(file), row.bytes(), row.path());
            assertEquals(SegmentFinisher.sha256(file), row.sha256(), row.path());
            if (row != rows.get(rows.size() - 1)) {
                // cut at the first keyframe at or after the target: one keyframe per second here
                assertEquals(1.0, row.duration().toMillis() / 1000.0, 0.001, row.path() + " length");
            }
            frames += row.frames();
        }
        assertEquals(r.videoSent, frames, "frames written = frames sent");
        assertEquals(rows.size(), FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(r.root));
        assertEquals(List.of("eof"), r.runs().stream().map(x -> x.endReason()).toList());
        assertEquals(rows.size(), r.closed.size(), "segmentClosed for every segment");
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264b", "h265b", "aac"})
    void segmentsFollowEachOtherWithoutAHole(String name) throws Exception {
        List<SegmentRow> rows = recorded.get(name).rows();
        for (int i = 1; i < rows.size(); i++) {
            assertEquals(rows.get(i - 1).end(), rows.get(i).start(), name + " segment " + i);
        }
        // The run clock (RunClock) dates the run by the earliest arrival its pictures allow: never after the
        // first keyframe arrived, earlier by at most what the captured stream's arrival jitter justifies.
        Instant start = rows.get(0).start();
        assertFalse(start.isAfter(Replay.START), name + ": the run starts " + start + ", after its first keyframe arrived");
        assertTrue(Duration.between(start, Replay.START).toMillis() <= 100,
                name + ": the run starts " + start + ", over 100 ms before its first keyframe arrived");
    }

    @Test
    void theStreamsReallyHaveBFramesAndH265IsHvc1() throws Exception {
        for (String name : List.of("h264b", "h265b")) {
            List<Frame> v = captures.get(name).video();
            long backwards = 0;
            for (int i = 1; i < v.size(); i++) {
                backwards += v.get(i).pts() < v.get(i - 1).pts() ? 1 : 0;
            }
            assertTrue(backwards > v.size() / 4, name + ": " + backwards + " of " + v.size() + " arrive out of order");
            Replay r = recorded.get(name);
            Path file = r.root.resolve(r.rows().get(1).path());
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
            long reordered = packets.stream().filter(p -> p.ptsTime() > p.dtsTime() + FRAME / 2).count();
            assertTrue(reordered > packets.size() / 4, name + ": " + reordered + " of " + packets.size()
                    + " pictures are shown after they are decoded");
            for (int i = 1; i < packets.size(); i++) {
                assertTrue(packets.get(i).dtsTime() > packets.get(i - 1).dtsTime(), name + " decode times increase");
            }
        }
        Replay h265 = recorded.get("h265b");
        assertEquals("hvc1", MediaProbe.streams(h265.root.resolve(h265.rows().get(0).path())).get(0).codecTag());
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264b", "h265b", "aac"})
    void everySegmentShowsItsPicturesInOrderOneFrameApartFromZeroForItsWholeLength(String name) throws Exception {
        Replay r = recorded.get(name);
        List<SegmentRow> rows = r.rows();
        for (SegmentRow row : rows) {
            Path file = r.root.resolve(row.path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file), row.path());
            List<Double> shown = MediaProbe.pictureTimes(file);
            assertEquals(row.frames(), shown.size(), row.path() + " pictures");
            assertEquals(0.0, shown.get(0), 0.001, row.path() + " first picture shown at zero");
            double end = shown.get(shown.size() - 1) + FRAME;
            assertEquals(row.duration().toMillis() / 1000.0, end, 0.002, row.path() + " length in the index");
            assertEquals(row.duration().toMillis(), Mp4Probe.probe(file).orElseThrow().duration().toMillis(), 1,
                    row.path() + " length read back from the file");
            if (row != rows.get(rows.size() - 1)) {
                assertEvenlySpaced(row.path(), shown);
            } else {
                // The capture stops anywhere, possibly after a reference picture but before the B-frames
                // shown just before it (never sent); every other segment is cut at a keyframe.
                for (int i = 1; i < shown.size(); i++) {
                    assertTrue(shown.get(i) > shown.get(i - 1), row.path() + " shown in order: " + shown);
                }
            }
        }
    }

    @Test
    void audioGoesIntoTheSegmentOfThePicturesItPlaysWith() throws Exception {
        Replay r = recorded.get("aac");
        long sent = captures.get("aac").audio().size();
        long written = 0;
        for (SegmentRow row : r.rows()) {
            Path file = r.root.resolve(row.path());
            assertEquals("aac", row.audioCodec());
            List<MediaProbe.Packet> audio = MediaProbe.audioPackets(file);
            assertFalse(audio.isEmpty(), row.path() + " has audio");
            double videoLength = row.duration().toMillis() / 1000.0;
            double audioStart = audio.get(0).ptsTime();
            double audioEnd = audio.get(audio.size() - 1).ptsTime() + audio.get(audio.size() - 1).durationTime();
            // placed against the video by arrival: within a few AAC frames (21 ms each) of the pictures
            assertTrue(audioStart >= 0 && audioStart < 0.1, row.path() + " audio starts at " + audioStart);
            if (row != r.rows().get(r.rows().size() - 1)) {
                assertEquals(videoLength, audioEnd, 0.1, row.path() + " audio ends with the pictures");
            }
            written += audio.size();
        }
        assertTrue(written >= sent - 10 && written <= sent, written + " of " + sent + " AAC frames written");
    }

    /**
     * Audio that reaches the recorder late, as AAC out of the G.711 transcoder does (up to about 130 ms,
     * dated back with {@code held}): every frame is still written once, in the segment of its pictures,
     * and audio continues across every cut. Delayed by 350 ms here, since gst-rtsp-server's audio arrives
     * ahead of its pictures by the video encoder's latency. Without holding pictures for their audio, the
     * frame that straddles a cut came after the cut and was lost (RecorderAudioGstTest: "audio continues
     * across the cut expected -0.002 but was 0.062").
     */
    @Test
    void lateAudioFromATranscoderIsNotLostAtTheCuts() throws Exception {
        CapturedStream aac = captures.get("aac");
        long late = 350_000_000;
        List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < aac.frames().size(); i++) {
            order.add(i);
        }
        java.util.function.IntToLongFunction arrival = i -> aac.arrivalNanos().get(i)
                + (aac.frames().get(i).track().codec().isVideo() ? 0 : late);
        order.sort(java.util.Comparator.comparingLong(i -> arrival.applyAsLong(i)));
        CapturedStream delayed = new CapturedStream(aac.tracks(), order.stream().map(i -> aac.frames().get(i)).toList(),
                order.stream().map(i -> arrival.applyAsLong(i)).toList());
        Replay r = new Replay(Files.createDirectories(dir.resolve("late-audio")), SEGMENT);
        r.audioHeld = Duration.ofNanos(late);
        r.feed(delayed, -1);
        r.end(FailureReason.EOF);
        r.close();
        List<SegmentRow> rows = r.rows();
        assertTrue(rows.size() >= 3, rows.toString());
        double overhang = Double.NaN;
        long written = 0;
        for (SegmentRow row : rows) {
            Path file = r.root.resolve(row.path());
            List<MediaProbe.Packet> audio = MediaProbe.audioPackets(file);
            double audioStart = audio.get(0).ptsTime();
            if (!Double.isNaN(overhang)) {
                assertEquals(overhang, audioStart, 0.002, row.path() + " audio continues across the cut");
            }
            MediaProbe.Packet last = audio.get(audio.size() - 1);
            overhang = last.ptsTime() + last.durationTime() - row.duration().toMillis() / 1000.0;
            written += audio.size();
        }
        long sent = aac.audio().size();
        assertTrue(written >= sent - 10 && written <= sent, written + " of " + sent + " AAC frames written");
    }

    /**
     * Audio that arrives late by a network's delay and jitter (500 ms, plus up to 60 ms that changes from
     * frame to frame) but whose sender reports are right: with the camera times of both tracks known from
     * the start, every segment's audio starts where the camera's clock puts it against the segment's
     * keyframe (within one video frame; by arrival it would start about half a second late).
     */
    @Test
    void audioIsPlacedByTheCamerasClockWhenBothTracksHaveSenderReports() throws Exception {
        CapturedStream aac = captures.get("aac");
        Replay r = new Replay(Files.createDirectories(dir.resolve("camera-clock")), SEGMENT);
        r.cameraTimes = lastCameraTimes(aac);
        r.feed(jittered(aac, 500_000_000), -1);
        r.end(FailureReason.EOF);
        r.close();
        assertAudioWhereTheCameraClockPutsIt(r, aac, 0);
    }

    /**
     * The same late audio, with the sender reports coming only after 1.2 s of recording: the first
     * segments keep arrival placement, then a segment that opens places audio by the camera's clock; audio
     * times never go backwards in any file, and every file decodes.
     */
    @Test
    void senderReportsThatComeMidRecordingApplyFromTheNextSegmentOn() throws Exception {
        CapturedStream aac = captures.get("aac");
        CapturedStream late = jittered(aac, 500_000_000);
        Replay r = new Replay(Files.createDirectories(dir.resolve("camera-clock-later")), SEGMENT);
        r.cameraTimes = lastCameraTimes(aac);
        long at = 1_200_000_000L;
        r.cameraTimesAtFrame = (int) late.arrivalNanos().stream().filter(n -> n < at).count();
        r.feed(late, -1);
        r.end(FailureReason.EOF);
        r.close();
        List<SegmentRow> rows = r.rows();
        assertEquals(rows.size(), FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(r.root));
        for (SegmentRow row : rows) {
            List<MediaProbe.Packet> audio = MediaProbe.audioPackets(r.root.resolve(row.path()));
            for (int i = 1; i < audio.size(); i++) {
                assertTrue(audio.get(i).dtsTime() > audio.get(i - 1).dtsTime(), row.path() + " audio times increase");
            }
        }
        double first = MediaProbe.audioPackets(r.root.resolve(rows.get(0).path())).get(0).ptsTime();
        assertTrue(first > 0.2, "the first segment's audio placed by its late arrival: starts at " + first);
        assertAudioWhereTheCameraClockPutsIt(r, aac, 2); // 1.2 s: the segment opening at 2 s is the first
    }

    /** The newest sender report of each track, as the recorder would have them by the end. */
    private static List<org.nvr.media.CameraTime> lastCameraTimes(CapturedStream s) {
        return s.tracks().stream().map(t -> s.lastCameraTime(t.index())).toList();
    }

    /** {@code s} with its audio arriving {@code lateNanos} later, plus 0-60 ms of jitter, in arrival order. */
    private static CapturedStream jittered(CapturedStream s, long lateNanos) {
        java.util.Random random = new java.util.Random(14);
        List<Long> arrivals = new ArrayList<>();
        long lastAudio = Long.MIN_VALUE;
        for (int i = 0; i < s.frames().size(); i++) {
            long arrival = s.arrivalNanos().get(i);
            if (!s.frames().get(i).track().codec().isVideo()) {
                // audio keeps its order (one TCP connection): jitter delays a frame and those behind it
                arrival = Math.max(lastAudio, arrival + lateNanos + random.nextInt(60_000_000));
                lastAudio = arrival;
            }
            arrivals.add(arrival);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < s.frames().size(); i++) {
            order.add(i);
        }
        order.sort(java.util.Comparator.comparingLong(arrivals::get));
        return new CapturedStream(s.tracks(), order.stream().map(i -> s.frames().get(i)).toList(),
                order.stream().map(arrivals::get).toList(), s.cameraTimes());
    }

    /**
     * From segment {@code from} on, each segment's first audio frame is at the camera time of the first
     * audio frame captured at or after its keyframe, minus the keyframe's camera time (within one frame).
     */
    private static void assertAudioWhereTheCameraClockPutsIt(Replay r, CapturedStream s, int from) throws Exception {
        Frame firstVideo = s.video().get(0);
        int videoRate = firstVideo.track().clockRate();
        Frame anyAudio = s.audio().get(0);
        int audioRate = anyAudio.track().clockRate();
        org.nvr.media.CameraTime v = s.lastCameraTime(firstVideo.track().index());
        org.nvr.media.CameraTime a = s.lastCameraTime(anyAudio.track().index());
        List<SegmentRow> rows = r.rows();
        assertTrue(rows.size() > from + 1, rows.size() + " segments");
        for (int k = from; k < rows.size(); k++) {
            SegmentRow row = rows.get(k);
            long runMicros = Duration.between(rows.get(0).start(), row.start()).toNanos() / 1000;
            long keyPts = firstVideo.pts() + Math.round(runMicros * videoRate / 1e6);
            long keyCamera = v.micros(keyPts, videoRate);
            long expected = s.audio().stream().mapToLong(f -> a.micros(f.pts(), audioRate) - keyCamera)
                    .filter(d -> d >= -1_000_000L / audioRate) // within a tick of rounding
                    .min().orElseThrow();
            double start = MediaProbe.audioPackets(r.root.resolve(row.path())).get(0).ptsTime();
            assertEquals(Math.max(0, expected) / 1e6, start, FRAME, row.path() + " audio starts where the camera's "
                    + "clock puts it");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264b", "aac"})
    void anExportAcrossSegmentsDecodesAndShowsEveryPictureInOrder(String name) throws Exception {
        Replay r = recorded.get(name);
        List<SegmentRow> rows = r.rows();
        Instant from = rows.get(0).start().plusMillis(500);
        Instant to = rows.get(rows.size() - 2).end().minusMillis(500);
        Path out = dir.resolve(name + "-export.mp4");
        FootageExporter.Result result;
        try (OutputFile claimed = OutputFile.claim(out, r.root, false)) {
            result = new FootageExporter(r.root, false, null).export(rows, from, to, claimed);
            claimed.publish();
        }
        assertEquals(SegmentFinisher.sha256(out), result.sha256());
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
        List<Double> shown = MediaProbe.pictureTimes(out);
        assertEquals(0.0, shown.get(0), 0.001, "first picture shown at zero");
        assertEvenlySpaced("export", shown);
        double asked = Duration.between(result.start(), to).toMillis() / 1000.0;
        double length = shown.size() * FRAME;
        assertTrue(length >= asked - 0.002 && length <= asked + 2 * FRAME + 0.002, length + " s for " + asked + " s");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void newParameterSetsStartANewSegmentAtTheNextKeyframeAndLoseNoFrame(boolean inBand) throws Exception {
        CapturedStream first = captures.get("h264");
        CapturedStream second = captures.get("h264b");
        assertNotEquals(List.of(first.tracks().get(0).parameterSets().get(0)),
                List.of(second.tracks().get(0).parameterSets().get(0)));
        Replay r = new Replay(Files.createDirectories(dir.resolve("change-" + inBand)), Duration.ofSeconds(60));
        r.feed(first, -1);
        r.feedAfter(first, second, inBand);
        r.end(FailureReason.EOF);
        r.close();
        List<SegmentRow> rows = r.rows();
        assertEquals(2, rows.size(), rows.toString());
        assertEquals(rows.get(0).end(), rows.get(1).start(), "contiguous across the change");
        assertEquals(first.video().size(), rows.get(0).frames());
        assertEquals(second.video().size(), rows.get(1).frames());
        List<CapturedStream> streams = List.of(first, second);
        for (int i = 0; i < 2; i++) {
            Path file = r.root.resolve(rows.get(i).path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file), rows.get(i).path());
            assertEquals(rows.get(i).frames().longValue(), MediaProbe.frameCount(file));
            byte[] sps = streams.get(i).tracks().get(0).parameterSets().get(0);
            byte[] other = streams.get(1 - i).tracks().get(0).parameterSets().get(0);
            String init = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(init.contains(new String(sps, java.nio.charset.StandardCharsets.ISO_8859_1)),
                    "each file's sample entry holds its own stream's SPS");
            assertFalse(init.contains(new String(other, java.nio.charset.StandardCharsets.ISO_8859_1)),
                    "and not the other's");
        }
    }

    private static void assertEvenlySpaced(String what, List<Double> shown) {
        List<String> wrong = new ArrayList<>();
        for (int i = 1; i < shown.size(); i++) {
            double step = shown.get(i) - shown.get(i - 1);
            if (Math.abs(step - FRAME) > 0.002) {
                wrong.add(i + ": " + shown.get(i - 1) + " -> " + shown.get(i));
            }
        }
        assertEquals(List.of(), wrong, what + ": pictures one frame apart");
    }
}
