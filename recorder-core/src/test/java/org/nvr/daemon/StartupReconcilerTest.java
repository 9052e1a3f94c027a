package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.mp4.Mp4Fragments;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.FragmentedMp4;
import org.nvr.testing.MediaProbe;

/**
 * Startup reconciliation on a real index and real MP4 files (made by ffmpeg): every way a crash, a
 * power cut or a hand on the disk can leave index and disk disagreeing, put right before recording.
 */
class StartupReconcilerTest {
    private static final Instant T = Instant.parse("2026-11-29T07:00:00Z");
    private static final String DAY = "2026/11/29/";

    @TempDir
    Path root;

    IndexWriter index;

    @BeforeEach
    void open() throws Exception {
        index = IndexWriter.open(root.resolve("index.db"));
    }

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void aSegmentFileWithoutARowIsIndexedWithWhatItHolds() throws Exception {
        String indexed = "footage/s/a-b/" + DAY + "20261129T070000Z.mp4"; // "a-b/" sorts before "a/": the walk must agree
        String stray = "footage/s/a/" + DAY + "20261129T070003Z.mp4";
        String known = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        FragmentedMp4.write(root.resolve(indexed), 2);
        FragmentedMp4.write(root.resolve(known), 2);
        FragmentedMp4.write(root.resolve(stray), 3);
        closedRow("s", "a-b", indexed, T);
        closedRow("s", "a", known, T);
        Files.writeString(root.resolve("export.mp4"), "an operator's export, not footage");

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 1, 0), report);
        SegmentRow row = row(stray).orElseThrow();
        assertEquals(SegmentState.CLOSED, row.state());
        assertEquals("a", row.camera());
        assertEquals(Instant.parse("2026-11-29T07:00:03Z"), row.start());
        assertEquals(3000, row.duration().toMillis(), 100);
        assertEquals(75, row.frames());
        assertEquals(Files.size(root.resolve(stray)), row.bytes());
        assertEquals(SegmentFinisher.sha256(root.resolve(stray)), row.sha256());
        assertTrue(Files.exists(root.resolve("export.mp4")));
        assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 0, 0), StartupReconciler.reconcile(root, index),
                "a second start finds nothing to do");
    }

    @Test
    void anUnreadableFileWithoutARowIsQuarantined() throws Exception {
        String junk = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        Files.createDirectories(root.resolve(junk).getParent());
        Files.writeString(root.resolve(junk), "not a video");

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(1, report.quarantined());
        assertFalse(Files.exists(root.resolve(junk)));
        assertEquals("not a video", Files.readString(root.resolve("quarantine").resolve(junk)));
        assertEquals(Optional.empty(), row(junk));
        assertEquals(0, StartupReconciler.reconcile(root, index).quarantined(), "the quarantine is not footage");
    }

    @Test
    void aRowWhoseFileIsGoneIsRemoved() throws Exception {
        String gone = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        closedRow("s", "a", gone, T);

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(1, report.missing());
        assertEquals(Optional.empty(), row(gone));
    }

    @Test
    void aTornLastFragmentIsCutOffAndTheOpenSegmentClosed() throws Exception {
        String rel = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        Path file = root.resolve(rel);
        FragmentedMp4.write(file, 3);
        long complete = Files.size(file);
        byte[] bytes = Files.readAllBytes(file);
        // A kill in the middle of writing a fragment: the start of a moof+mdat, cut short.
        long lastMoof = MediaProbe.topLevelBoxes(file).stream().filter(b -> b.type().equals("moof"))
                .mapToLong(b -> b.offset()).max().orElseThrow();
        Files.write(file, Arrays.copyOfRange(bytes, (int) lastMoof, (int) lastMoof + (int) (complete - lastMoof) / 2),
                StandardOpenOption.APPEND);
        assertTrue(Mp4Fragments.inspect(file).torn());
        long id = index.openSegment(null, "s", "a", rel, T, "h264", 160, 120, null).get();

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(1, report.closed());
        assertEquals(complete, Files.size(file), "exactly the torn part is gone");
        SegmentRow row = row(rel).orElseThrow();
        assertEquals(id, row.id());
        assertEquals(SegmentState.CLOSED, row.state());
        assertEquals(complete, row.bytes());
        assertEquals(75, row.frames());
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
    }

    @Test
    void anOpenRowWithoutReadableVideoIsDropped() throws Exception {
        String rel = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        index.openSegment(null, "s", "a", rel, T, "h264", 160, 120, null).get(); // the row came, the file never did

        assertEquals(1, StartupReconciler.reconcile(root, index).dropped());
        assertEquals(Optional.empty(), row(rel));
    }

    @Test
    void aDeletionInterruptedByACrashIsFinished() throws Exception {
        String rel = "footage/s/a/" + DAY + "20261129T070000Z.mp4";
        FragmentedMp4.write(root.resolve(rel), 1);
        long id = closedRow("s", "a", rel, T);
        index.submit(c -> c.createStatement().executeUpdate("UPDATE segments SET state = 'deleting' WHERE id = " + id)).get();

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(1, report.deleted());
        assertEquals(0, report.indexed(), "a file marked for deletion is not footage to re-index");
        assertFalse(Files.exists(root.resolve(rel)));
        assertEquals(Optional.empty(), row(rel));
    }

    private long closedRow(String site, String camera, String rel, Instant start) throws Exception {
        Path file = root.resolve(rel);
        long bytes = Files.exists(file) ? Files.size(file) : 1000;
        String sha = Files.exists(file) ? SegmentFinisher.sha256(file) : "00";
        long id = index.openSegment(null, site, camera, rel, start, "h264", 160, 120, null).get();
        index.closeSegment(id, start.plusSeconds(2), Duration.ofSeconds(2), bytes, 50L, sha).get();
        return id;
    }

    private Optional<SegmentRow> row(String rel) throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segmentAt(rel);
        }
    }
}
