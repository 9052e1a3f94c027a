package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.NvrConfig;
import org.nvr.config.Source;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Mp4Boxes;

/**
 * Records GStreamer's RTSP server (an independent implementation) on four mounts at once for about
 * 30 s with 10 s segments, then checks the files by decoding them, and the index against the files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecorderGstTest {
    static final Duration SEGMENT = Duration.ofSeconds(10);
    static final Duration RECORD = Duration.ofSeconds(31);
    static final double FRAME = 1.0 / 25;
    static final double GOP = 1.0;

    @TempDir
    static Path root;

    GstRtspServer gst;
    NvrConfig config;
    Instant recordingFrom;
    Instant recordingTo;

    /** The source every camera records through: the default (our RTSP client); see {@link RecorderGstFfmpegTest}. */
    Source source() {
        return Source.DEFAULT;
    }

    @BeforeAll
    void record() throws Exception {
        gst = GstRtspServer.start();
        config = TestCameras.config(root, SEGMENT,
                TestCameras.camera("h264", "gst", gst.url(GstRtspServer.H264)).withSource(source()),
                TestCameras.camera("h264-slices", "gst", gst.url(GstRtspServer.H264_SLICES)).withSource(source()),
                TestCameras.camera("h264-aac", "gst", gst.url(GstRtspServer.H264_AAC)).withSource(source()),
                TestCameras.camera("h264-alaw", "gst", gst.url(GstRtspServer.H264_ALAW)).withSource(source()),
                TestCameras.camera("h265", "gst", gst.url(GstRtspServer.H265)).withSource(source()));
        try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
            await(Duration.ofSeconds(20), "all cameras recording", () -> recorder.statuses().stream()
                    .allMatch(s -> s.current() == CameraState.RECORDING));
            recordingFrom = Instant.now();
            Thread.sleep(RECORD.toMillis()); // real footage takes real time
            recordingTo = Instant.now();
        }
    }

    @AfterAll
    void stopServer() {
        if (gst != null) {
            gst.close();
        }
    }

    private List<SegmentRow> segments(String camera) throws Exception {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60));
        }
    }

    @Test
    void everySegmentDecodesCleanlyAndMatchesItsIndexRow() throws Exception {
        for (String camera : List.of("h264", "h264-slices", "h264-aac", "h264-alaw", "h265")) {
            List<SegmentRow> rows = segments(camera);
            assertTrue(rows.size() >= 3, camera + ": about 30 s in 10 s segments, got " + rows.size());
            for (SegmentRow row : rows) {
                Path file = root.resolve(row.path());
                String what = camera + " " + row.path();
                assertEquals(SegmentState.CLOSED, row.state(), what);
                assertTrue(Files.isRegularFile(file), what);
                assertEquals(List.of(), MediaProbe.decodeErrors(file), what + " decodes without errors");
                assertEquals(Files.size(file), row.bytes(), what + " bytes");
                assertEquals(SegmentFinisher.syncAndHash(file).sha256(), row.sha256(), what + " sha256");
                List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
                assertEquals(packets.size(), row.frames(), what + " frames");
                assertTrue(packets.get(0).keyframe(), what + " starts with a keyframe");
                assertEquals(0.0, packets.get(0).dtsTime(), 0.001, what + " starts at zero");
                MediaProbe.Packet last = packets.get(packets.size() - 1);
                double video = last.dtsTime() + last.durationTime() - packets.get(0).dtsTime();
                assertEquals(row.duration().toMillis() / 1000.0, video, 0.002, what + " video duration");
                // audio stays with its pictures: it may end at most one audio frame after the video
                double whole = MediaProbe.duration(file).toMillis() / 1000.0;
                assertTrue(whole <= video + 0.070, what + " lasts " + whole + " s, its video " + video + " s");
                // Every frame is 40 ms after the one before: nothing lost or repeated inside a segment.
                for (int i = 1; i < packets.size(); i++) {
                    assertEquals(FRAME, packets.get(i).dtsTime() - packets.get(i - 1).dtsTime(), 0.002,
                            what + " frame " + i + " follows its predecessor by one frame");
                }
                assertTrue(Mp4Boxes.isFragmented(file), what + " is fragmented");
                for (Duration d : MediaProbe.fragmentDurations(file)) {
                    assertTrue(d.compareTo(Duration.ofSeconds(2)) <= 0, what + " fragment of " + d);
                }
            }
        }
    }

    @Test
    void segmentsAreCutAtKeyframesAfterTheTarget() throws Exception {
        for (String camera : List.of("h264", "h265")) {
            List<SegmentRow> rows = segments(camera);
            for (SegmentRow row : rows.subList(0, rows.size() - 1)) { // the last one ends at the stop
                double s = row.duration().toMillis() / 1000.0;
                assertTrue(s >= SEGMENT.toSeconds() && s <= SEGMENT.toSeconds() + GOP + FRAME,
                        camera + " " + row.path() + " lasts " + s + " s");
            }
        }
    }

    @Test
    void consecutiveSegmentsOfARunAreContiguousAndAddUpToTheRun() throws Exception {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            for (String camera : List.of("h264", "h264-slices", "h264-aac", "h264-alaw", "h265")) {
                List<RunRow> runs = q.runs(camera, Instant.EPOCH, Instant.now().plusSeconds(60));
                assertEquals(1, runs.size(), camera + ": one unbroken run");
                RunRow run = runs.get(0);
                assertEquals("shutdown", run.endReason());
                List<SegmentRow> rows = segments(camera);
                assertEquals(run.start(), rows.get(0).start(), camera + " first segment starts the run");
                assertEquals(run.end(), rows.get(rows.size() - 1).end(), camera + " last segment ends the run");
                for (int i = 1; i < rows.size(); i++) {
                    assertEquals(rows.get(i - 1).end(), rows.get(i).start(), camera + " segment " + i + " is contiguous");
                }
                long frames = rows.stream().mapToLong(SegmentRow::frames).sum();
                double indexed = Duration.between(run.start(), run.end()).toMillis() / 1000.0;
                assertEquals(frames * FRAME, indexed, 0.05, camera + ": frames x 40 ms = the run's length");
                // The run covers the time we recorded, within one GOP at each end.
                assertTrue(!run.start().isAfter(recordingFrom), camera + " was recording when the window opened");
                // No picture is dated after it arrived: the start-of-session burst does not push the run
                // into the future.
                // (1 s of slack: under load the camera thread itself processes pictures late.)
                assertTrue(!run.end().isAfter(recordingTo.plusMillis(1000)), camera + " ends at " + run.end()
                        + ", after the stop at " + recordingTo);
                assertEquals(Duration.between(recordingFrom, recordingTo).toMillis() / 1000.0,
                        Duration.between(recordingFrom, run.end()).toMillis() / 1000.0, GOP + 0.5,
                        camera + " recorded until the stop");
            }
        }
    }

    @Test
    void codecsAreCopiedAndTaggedForPlayers() throws Exception {
        Map<String, List<String>> expected = Map.of(
                "h264", List.of("h264/avc1"),
                "h264-slices", List.of("h264/avc1"),
                "h264-aac", List.of("h264/avc1", "aac/mp4a"),
                "h264-alaw", List.of("h264/avc1", "aac/mp4a"), // MP4 cannot hold A-law: transcoded (the default)
                "h265", List.of("hevc/hvc1"));
        for (var e : expected.entrySet()) {
            Path file = root.resolve(segments(e.getKey()).get(0).path());
            List<String> streams = MediaProbe.streams(file).stream()
                    .map(s -> s.codecName() + "/" + s.codecTag()).collect(Collectors.toList());
            assertEquals(e.getValue(), streams, e.getKey());
            assertEquals(640, MediaProbe.streams(file).get(0).width());
        }
        SegmentRow h265 = segments("h265").get(0);
        assertEquals("hevc", h265.videoCodec());
        assertEquals(360, h265.height());
        assertNotNull(segments("h264-aac").get(0).audioCodec());
        assertEquals("aac", segments("h264-alaw").get(0).audioCodec());
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }
}
