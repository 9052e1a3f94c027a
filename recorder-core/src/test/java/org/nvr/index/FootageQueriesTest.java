package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FootageQueriesTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    @Test
    void rangeQueriesReturnOverlappingSegmentsOfOneCameraInOrder() throws Exception {
        Path db = dir.resolve("index.db");
        try (IndexWriter w = IndexWriter.open(db)) {
            long run = w.startRun("s", "cam-01", T0, "h264", 640, 360, null).get();
            for (int i = 0; i < 5; i++) {
                Instant start = T0.plusSeconds(60L * i);
                long id = w.openSegment(run, "s", "cam-01", "s/cam-01/" + i + ".mp4", start, "h264", 640, 360, null).get();
                w.closeSegment(id, start.plusSeconds(60), Duration.ofSeconds(60), 1000 + i, 1500L, "ab").get();
            }
            w.openSegment(null, "s", "cam-02", "s/cam-02/x.mp4", T0, "h264", 640, 360, null).get();
        }
        try (FootageQueries q = FootageQueries.open(db)) {
            List<SegmentRow> rows = q.segments("cam-01", T0.plusSeconds(90), T0.plusSeconds(150));
            assertEquals(List.of("s/cam-01/1.mp4", "s/cam-01/2.mp4"), rows.stream().map(SegmentRow::path).toList());
            assertEquals(SegmentState.CLOSED, rows.get(0).state());
            assertEquals(Duration.ofSeconds(60), rows.get(0).duration());
            assertEquals(1001, rows.get(0).bytes());
            // a range ending exactly where a segment starts does not include it
            assertEquals(1, q.segments("cam-01", T0, T0.plusSeconds(60)).size());
            assertEquals(List.of(), q.segments("cam-01", T0.plusSeconds(300), T0.plusSeconds(400)));
            assertEquals(1, q.segments("cam-02", T0, T0.plusSeconds(1)).size(), "open segments are listed");
            assertEquals(1, q.segments("cam-02", T0.plusSeconds(30), T0.plusSeconds(31)).size(),
                    "an open segment overlaps any range after its start: it is still being written");
            assertEquals(T0.plusSeconds(300), q.lastFootageEnd("cam-01").orElseThrow());
        }
    }
}
