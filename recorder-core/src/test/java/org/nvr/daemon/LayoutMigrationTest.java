package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentPaths;
import org.nvr.testing.FragmentedMp4;

/**
 * The footage layout and the move of old roots into it, on a real index and real MP4 files: no site or
 * camera id can make footage look like something else the recorder keeps at the root, and footage of a
 * root written before the footage tree (site directories at the root, one of them even named like the
 * quarantine) is moved into the tree with its rows, their ids and SHA-256s kept, also after a crash
 * half-way.
 */
class LayoutMigrationTest {
    private static final Instant T = Instant.parse("2026-11-29T07:00:00Z");
    private static final String DAY = "2026/11/29/";

    @TempDir
    static Path clips;
    static Path clip;

    @TempDir
    Path root;

    IndexWriter index;

    @BeforeAll
    static void encode() throws Exception {
        clip = clips.resolve("clip.mp4");
        FragmentedMp4.write(clip, 2);
    }

    @BeforeEach
    void open() throws Exception {
        index = IndexWriter.open(root.resolve("index.db"));
    }

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void footageOfSitesNamedLikeWhatTheRecorderKeepsSurvivesRestarts() throws Exception {
        for (String site : List.of("quarantine", "footage")) {
            String rel = SegmentPaths.newSegment(root, site, "cam-" + site, T);
            long id = closedRow(site, "cam-" + site, rel, footage(rel));

            assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 0, 0), StartupReconciler.reconcile(root, index),
                    "site " + site + ": nothing to put right");
            assertEquals(id, row(rel).orElseThrow().id(), "site " + site + "'s footage is still listed");
            assertTrue(Files.isRegularFile(root.resolve(rel)));
        }
        assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 0, 0), StartupReconciler.reconcile(root, index));
    }

    @Test
    void anOldRootIsMovedIntoTheFootageTreeWithItsRows() throws Exception {
        String a = "thon-1/cam-01/" + DAY + "20261129T070000Z.mp4";
        String open = "thon-1/cam-01/" + DAY + "20261129T070002Z.mp4";
        // a site named "quarantine" shared the folder with the real quarantine
        String q1 = "quarantine/cam-q/" + DAY + "20261129T070000Z.mp4";
        String q2 = "quarantine/cam-q/" + DAY + "20261129T070002Z.mp4"; // its row lost to the old bug
        String quarantined = "quarantine/thon-1/cam-01/" + DAY + "20261129T065800Z.mp4";
        String footageSite = "footage/cam-f/" + DAY + "20261129T070000Z.mp4"; // and a site named "footage"
        long idA = closedRow("thon-1", "cam-01", a, footage(a));
        long idQ = closedRow("quarantine", "cam-q", q1, footage(q1));
        long idF = closedRow("footage", "cam-f", footageSite, footage(footageSite));
        footage(open);
        long idOpen = index.openSegment(null, "thon-1", "cam-01", open, T.plusSeconds(2), "h264", 160, 120, null).get();
        footage(q2);
        Files.createDirectories(root.resolve(quarantined).getParent());
        Files.writeString(root.resolve(quarantined), "unreadable, set aside by an earlier start");
        String shaA = row(a).orElseThrow().sha256();

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(0, report.missing(), "no footage taken for gone");
        assertEquals(1, report.closed(), "the open segment, found at its new place");
        assertEquals(1, report.indexed(), "the file whose row an old start dropped");
        assertEquals(0, report.quarantined());
        assertEquals(idA, row("footage/" + a).orElseThrow().id());
        assertEquals(shaA, row("footage/" + a).orElseThrow().sha256(), "the SHA-256 taken at recording is kept");
        assertEquals(idQ, row("footage/" + q1).orElseThrow().id());
        assertEquals(idF, row("footage/" + footageSite).orElseThrow().id());
        assertEquals(idOpen, row("footage/" + open).orElseThrow().id());
        assertEquals("quarantine", row("footage/" + q2).orElseThrow().site());
        for (String rel : List.of(a, open, q1, q2, footageSite)) {
            assertTrue(Files.isRegularFile(root.resolve("footage/" + rel)), rel);
            assertFalse(Files.exists(root.resolve(rel)), rel);
        }
        assertEquals("unreadable, set aside by an earlier start", Files.readString(root.resolve(quarantined)),
                "the quarantine keeps what it held");
        assertFalse(Files.exists(root.resolve("thon-1")));
        assertFalse(Files.exists(root.resolve("quarantine/cam-q")), "no empty old folders left behind");
        assertFalse(Files.exists(root.resolve("footage/cam-f")), "no empty old folders left behind");
        assertFalse(Files.exists(root.resolve(".nvr-layout-migration")));
        assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 0, 0), StartupReconciler.reconcile(root, index),
                "a second start finds nothing to do");
    }

    @Test
    void aMoveInterruptedByACrashIsFinishedAtTheNextStart() throws Exception {
        // The crash came after the plan was written, the site folder renamed and one file of the shared
        // quarantine folder moved, but before the rows changed.
        String a = "thon-1/cam-01/" + DAY + "20261129T070000Z.mp4";
        String q1 = "quarantine/cam-q/" + DAY + "20261129T070000Z.mp4";
        String q2 = "quarantine/cam-q/" + DAY + "20261129T070002Z.mp4";
        long idA = closedRow("thon-1", "cam-01", a, footage("footage/" + a));
        long idQ1 = closedRow("quarantine", "cam-q", q1, footage("footage/" + q1));
        long idQ2 = closedRow("quarantine", "cam-q", q2, footage(q2));
        Files.writeString(root.resolve(".nvr-layout-migration"), "quarantine\nthon-1\n");

        StartupReconciler.Report report = StartupReconciler.reconcile(root, index);

        assertEquals(new StartupReconciler.Report(0, 0, 0, 0, 0, 0, 0), report);
        assertEquals(idA, row("footage/" + a).orElseThrow().id());
        assertEquals(idQ1, row("footage/" + q1).orElseThrow().id());
        assertEquals(idQ2, row("footage/" + q2).orElseThrow().id());
        assertTrue(Files.isRegularFile(root.resolve("footage/" + q2)));
        assertFalse(Files.exists(root.resolve(".nvr-layout-migration")));
    }

    @Test
    void aFileThatWouldLandOnAnotherStopsTheStartAndMovesNothingOver() throws Exception {
        String a = "thon-1/cam-01/" + DAY + "20261129T070000Z.mp4";
        closedRow("thon-1", "cam-01", a, footage(a));
        Files.createDirectories(root.resolve("footage/thon-1/cam-01/" + DAY));
        Files.writeString(root.resolve("footage/" + a), "another file already there");
        long before = Files.size(root.resolve(a));

        IndexException e = assertThrows(IndexException.class, () -> StartupReconciler.reconcile(root, index));

        assertTrue(e.getMessage().contains(root.resolve(a) + " and " + root.resolve("footage/" + a)), e.getMessage());
        assertEquals(before, Files.size(root.resolve(a)));
        assertEquals("another file already there", Files.readString(root.resolve("footage/" + a)));
        assertTrue(row(a).isPresent(), "the row still names the file where it is");
    }

    /** A copy of the clip at {@code rel}; returns its path. */
    private Path footage(String rel) throws Exception {
        Path file = root.resolve(rel);
        Files.createDirectories(file.getParent());
        Files.copy(clip, file);
        return file;
    }

    private long closedRow(String site, String camera, String rel, Path file) throws Exception {
        Instant start = SegmentPaths.parse(rel).or(() -> SegmentPaths.parse("footage/" + rel)).orElseThrow().start();
        long id = index.openSegment(null, site, camera, rel, start, "h264", 160, 120, null).get();
        index.closeSegment(id, start.plusSeconds(2), Duration.ofSeconds(2), Files.size(file), 50L,
                SegmentFinisher.sha256(file)).get();
        return id;
    }

    private Optional<SegmentRow> row(String rel) throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segmentAt(rel);
        }
    }
}
