package org.nvr.footage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.retention.SegmentDeleter;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;

/**
 * Exports of real footage (three 3 s segments made by Debian's ffmpeg, indexed in a real index) whose
 * sources go away while the export runs.
 */
class FootageExporterTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    Path root;
    IndexWriter writer;
    FootageQueries queries;
    List<SegmentRow> rows;

    @BeforeEach
    void recordThreeSegments() throws Exception {
        root = dir.resolve("storage");
        writer = IndexWriter.open(root.resolve("index.db"));
        for (int i = 0; i < 3; i++) {
            Instant start = T0.plusSeconds(3L * i);
            String rel = "thon-1/cam-01/2026/11/29/20261129T07000%dZ.mp4".formatted(3 * i);
            Path file = root.resolve(rel);
            FragmentedMp4.write(file, 3);
            long id = writer.openSegment(null, "thon-1", "cam-01", rel, start, "h264", 160, 120, null).get();
            writer.closeSegment(id, start.plusSeconds(3), Duration.ofSeconds(3), Files.size(file), 75L,
                    SegmentFinisher.sha256(file)).get();
        }
        queries = FootageQueries.open(root.resolve("index.db"));
        rows = queries.segments("cam-01", T0, T0.plusSeconds(9));
        assertEquals(3, rows.size());
    }

    @AfterEach
    void closeIndex() {
        queries.close();
        writer.close();
    }

    @Test
    void aSegmentRetentionDeletesDuringTheExportIsAGapDeletedByRetentionNotTampering() throws Exception {
        SegmentDeleter retention = new SegmentDeleter(root, writer);
        SegmentRow victim = rows.get(1);
        FootageExporter exporter = new FootageExporter(root, false, null, row -> queries.segmentAt(row.path()));
        List<Long> deleted = new ArrayList<>();
        exporter.beforeSource(row -> {
            if (row.id() == victim.id()) {
                try {
                    deleted.addAll(retention.delete(List.of(new SegmentDeleter.Target(row.id(), row.site(),
                            row.camera(), row.path(), row.start(), row.bytes()))).stream()
                            .map(SegmentDeleter.Target::id).toList());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        });
        Path out = dir.resolve("case.mp4");
        FootageExporter.Result result;
        try (OutputFile claimed = OutputFile.claim(out, root, false)) {
            result = exporter.export(rows, T0, T0.plusSeconds(9), claimed);
            claimed.publish();
        }
        assertEquals(List.of(victim.id()), deleted, "retention really deleted it while the export ran");
        assertTrue(Files.notExists(root.resolve(victim.path())));

        assertEquals(1, result.gaps().size(), result.gaps().toString());
        Gap gap = result.gaps().get(0);
        assertEquals("deleted", gap.reason());
        assertTrue(gap.detail().contains("deleted by retention") && gap.detail().contains(victim.path()), gap.detail());
        assertEquals(T0.plusSeconds(3), gap.start());
        assertEquals(T0.plusSeconds(6), gap.end());
        assertTrue(result.warnings().stream().noneMatch(w -> w.contains("does not match") || w.contains("missing")),
                result.warnings().toString());
        assertEquals(List.of(rows.get(0).id(), rows.get(2).id()),
                result.sources().stream().map(s -> s.row().id()).toList());
        assertEquals(Duration.ofSeconds(6), result.length());
        assertEquals(6000, MediaProbe.duration(out).toMillis(), 50.0);
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
    }

    @Test
    void withAllowMismatchAChangedUnreadableSourceIsAGapNotAFailure() throws Exception {
        SegmentRow changed = rows.get(2);
        Files.writeString(root.resolve(changed.path()), "overwritten by someone");
        FootageExporter exporter = new FootageExporter(root, true, null, row -> queries.segmentAt(row.path()));
        Path out = dir.resolve("case.mp4");
        FootageExporter.Result result;
        try (OutputFile claimed = OutputFile.claim(out, root, false)) {
            result = exporter.export(rows, T0, T0.plusSeconds(9), claimed);
            claimed.publish();
        }
        assertEquals(1, result.gaps().size(), result.gaps().toString());
        assertEquals("hash_mismatch", result.gaps().get(0).reason());
        assertEquals(T0.plusSeconds(6), result.gaps().get(0).start());
        assertEquals(T0.plusSeconds(9), result.gaps().get(0).end());
        FootageExporter.Source flagged = result.sources().get(2);
        assertEquals(changed.id(), flagged.row().id());
        assertTrue(!flagged.matchesIndex());
        // the footage ends with the second segment: 6 s, up to the last picture's own duration
        assertEquals(6000, result.length().toMillis(), 100.0);
        assertEquals(result.length().toMillis(), MediaProbe.duration(out).toMillis(), 15.0);
    }
}
