package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nvr.config.NvrConfig;
import org.nvr.footage.FootageExporter;
import org.nvr.footage.OutputFile;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.mp4.Mp4Probe;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * Records H.264 and H.265 with B-frames (x264 and x265 {@code bframes=2}, so pictures arrive out of
 * presentation order) from GStreamer's RTSP server in 2 s segments, then checks what a player sees: in
 * every segment and in an export across segments, pictures shown in order, one frame apart, with no
 * hole at a segment boundary, and each file as long as the footage it holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BFramesGstTest {
    static final Duration SEGMENT = Duration.ofSeconds(2);
    static final double FRAME = 1.0 / 25;

    @TempDir
    static Path root;
    @TempDir
    Path exports;

    static final List<String> CAMERAS = List.of("h264", "h265");

    GstRtspServer gst;
    NvrConfig config;
    /** Each camera's segments, oldest first. */
    final Map<String, List<SegmentRow>> rows = new TreeMap<>();

    @BeforeAll
    void record() throws Exception {
        gst = GstRtspServer.start();
        config = TestCameras.config(root, SEGMENT,
                TestCameras.camera("h264", "gst", gst.url(GstRtspServer.H264_BFRAMES)),
                TestCameras.camera("h265", "gst", gst.url(GstRtspServer.H265_BFRAMES)));
        try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
            Poll.until(Duration.ofSeconds(30), "four closed segments of each camera",
                    () -> CAMERAS.stream().allMatch(c -> closedSegments(c) >= 4));
        }
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            for (String camera : CAMERAS) {
                rows.put(camera, q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60)));
            }
        }
    }

    private long closedSegments(String camera) {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(r -> r.state() == SegmentState.CLOSED).count();
        } catch (Exception e) {
            return 0;
        }
    }

    @AfterAll
    void stopServer() {
        if (gst != null) {
            gst.close();
        }
    }

    @Test
    void theStreamsReallyHaveBFrames() throws Exception {
        for (String camera : CAMERAS) {
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(root.resolve(rows.get(camera).get(1).path()));
            long reordered = packets.stream().filter(p -> p.ptsTime() > p.dtsTime() + FRAME / 2).count();
            assertTrue(reordered > packets.size() / 4,
                    camera + ": " + reordered + " of " + packets.size() + " pictures are shown after they are decoded");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264", "h265"})
    void everySegmentShowsItsPicturesInOrderOneFrameApartFromZeroForItsWholeLength(String camera) throws Exception {
        List<SegmentRow> rows = this.rows.get(camera);
        for (SegmentRow row : rows) {
            Path file = root.resolve(row.path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file), row.path());
            List<Double> shown = MediaProbe.pictureTimes(file);
            assertEquals(row.frames(), shown.size(), row.path() + " pictures");
            assertEquals(0.0, shown.get(0), 0.001, row.path() + " first picture shown at zero");
            double end = shown.get(shown.size() - 1) + FRAME;
            assertEquals(row.duration().toMillis() / 1000.0, end, 0.002, row.path() + " length in the index");
            // what crash recovery would index for this file
            assertEquals(row.duration().toMillis(), Mp4Probe.probe(file).orElseThrow().duration().toMillis(), 1,
                    row.path() + " length read back from the file");
            if (row != rows.get(rows.size() - 1)) {
                assertEquals(end, MediaProbe.duration(file).toMillis() / 1000.0, 0.002, row.path() + " container duration");
                assertEvenlySpaced(row.path(), shown);
            } else {
                // The last segment ends when recording stops, possibly after a reference picture but before
                // the B-frames shown just before it (the camera never sent them); every other one is cut
                // at a keyframe.
                for (int i = 1; i < shown.size(); i++) {
                    assertTrue(shown.get(i) > shown.get(i - 1), row.path() + " shown in order: " + shown);
                }
            }
        }
    }

    @Test
    void segmentsFollowEachOtherWithoutAHole() {
        for (String camera : CAMERAS) {
            List<SegmentRow> rows = this.rows.get(camera);
            for (int i = 1; i < rows.size(); i++) {
                assertEquals(rows.get(i - 1).end(), rows.get(i).start(), camera + " segment " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"h264", "h265"})
    void anExportAcrossSegmentsShowsEveryPictureInOrderWithNoHoleAtTheBoundaries(String camera) throws Exception {
        List<SegmentRow> closed = rows.get(camera).stream().filter(r -> r.state() == SegmentState.CLOSED).toList();
        Instant from = closed.get(0).start().plusMillis(500);
        Instant to = closed.get(closed.size() - 2).end().minusMillis(500);
        Path out = exports.resolve(camera + "-export.mp4");
        FootageExporter.Result result;
        try (OutputFile claimed = OutputFile.claim(out, root, false)) {
            result = new FootageExporter(root, false, null).export(closed, from, to, claimed);
            claimed.publish();
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
        List<Double> shown = MediaProbe.pictureTimes(out);
        assertEquals(0.0, shown.get(0), 0.001, "first picture shown at zero");
        assertEvenlySpaced("export", shown);
        // It starts at the first picture at or after `from`, a B-frame decoded after the keyframe and
        // the P-frame it depends on.
        long lateMs = Duration.between(from, result.start()).toMillis();
        assertTrue(lateMs >= 0 && lateMs < FRAME * 1000, "starts " + lateMs + " ms after from");
        // It ends at `to`, or up to two pictures later: pictures shown just before `to` may depend on a
        // picture shown after it, which is then in the export too.
        double length = shown.size() * FRAME;
        double asked = Duration.between(result.start(), to).toMillis() / 1000.0;
        assertTrue(length >= asked - 0.002 && length <= asked + 2 * FRAME + 0.002, length + " s for " + asked + " s asked");
        assertEquals(length, MediaProbe.duration(out).toMillis() / 1000.0, 0.002, "export lasts as long as its pictures");
        assertEquals(length, result.length().toMillis() / 1000.0, 0.002, "reported length");
        assertEquals(length, Duration.between(result.start(), result.end()).toMillis() / 1000.0, 0.002, "reported span");
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
