package org.nvr.recorder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.NvrConfig;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * Records H.264 with B-frames (x264 {@code bframes=2}, so pictures arrive out of presentation order)
 * from GStreamer's RTSP server in 2 s segments, then checks what a player sees: in every segment and
 * in an export across segments, pictures shown in order, one frame apart, with no hole at a segment
 * boundary, and each file as long as the footage it holds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BFramesGstTest {
    static final Duration SEGMENT = Duration.ofSeconds(2);
    static final double FRAME = 1.0 / 25;

    @TempDir
    static Path root;

    GstRtspServer gst;
    NvrConfig config;
    List<SegmentRow> rows;

    @BeforeAll
    void record() throws Exception {
        gst = GstRtspServer.start();
        config = TestCameras.config(root, SEGMENT, TestCameras.camera("bframes", "gst", gst.url(GstRtspServer.H264_BFRAMES)));
        try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
            Poll.until(Duration.ofSeconds(30), "four closed segments", () -> closedSegments() >= 4);
        }
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            rows = q.segments("bframes", Instant.EPOCH, Instant.now().plusSeconds(60));
        }
    }

    private long closedSegments() {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.segments("bframes", Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
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
    void theStreamReallyHasBFrames() throws Exception {
        List<MediaProbe.Packet> packets = MediaProbe.videoPackets(root.resolve(rows.get(1).path()));
        long reordered = packets.stream().filter(p -> p.ptsTime() > p.dtsTime() + FRAME / 2).count();
        assertTrue(reordered > packets.size() / 4, reordered + " of " + packets.size() + " pictures are shown after they are decoded");
    }

    @Test
    void everySegmentShowsItsPicturesInOrderOneFrameApartFromZeroForItsWholeLength() throws Exception {
        for (SegmentRow row : rows) {
            Path file = root.resolve(row.path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file), row.path());
            List<Double> shown = MediaProbe.pictureTimes(file);
            assertEquals(row.frames(), shown.size(), row.path() + " pictures");
            assertEquals(0.0, shown.get(0), 0.001, row.path() + " first picture shown at zero");
            assertEvenlySpaced(row.path(), shown);
            assertEquals(row.duration().toMillis() / 1000.0, shown.size() * FRAME, 0.002, row.path() + " length in the index");
            assertEquals(shown.size() * FRAME, MediaProbe.duration(file).toMillis() / 1000.0, 0.002,
                    row.path() + " container duration");
        }
    }

    @Test
    void segmentsFollowEachOtherWithoutAHole() {
        for (int i = 1; i < rows.size(); i++) {
            assertEquals(rows.get(i - 1).end(), rows.get(i).start(), "segment " + i);
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
