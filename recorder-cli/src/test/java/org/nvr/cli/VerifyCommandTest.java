package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.IndexWriter;
import org.nvr.store.SegmentFinisher;

/**
 * {@code nvr verify} on a real index and files in the segment layout: it checks presence, size and
 * SHA-256, not the video, so the files are plain bytes.
 */
class VerifyCommandTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    Path config;
    Path footage;

    @BeforeEach
    void indexThreeSegments() throws Exception {
        footage = dir.resolve("footage");
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage:
                  root: %s
                sites:
                  - id: thon-1
                    cameras:
                      - id: cam-01
                        url: rtsp://192.0.2.10/stream
                """.formatted(footage));
        try (IndexWriter w = IndexWriter.open(footage.resolve("index.db"))) {
            for (int i = 0; i < 3; i++) {
                Instant s = T0.plusSeconds(60L * i);
                String rel = path(i);
                Path file = footage.resolve(rel);
                Files.createDirectories(file.getParent());
                Files.write(file, ("segment " + i).repeat(1000).getBytes());
                long id = w.openSegment(null, "thon-1", "cam-01", rel, s, "h264", 1920, 1080, null).get();
                w.closeSegment(id, s.plusSeconds(60), Duration.ofSeconds(60), Files.size(file), 1500L,
                        SegmentFinisher.sha256(file)).get();
            }
            // one being written: its row exists, its file is not complete yet; not a disagreement
            w.openSegment(null, "thon-1", "cam-01", path(3), T0.plusSeconds(180), "h264", 1920, 1080, null).get();
        }
    }

    private static String path(int i) {
        return "footage/thon-1/cam-01/2026/11/29/20261129T07%02d00Z.mp4".formatted(i);
    }

    @Test
    void agreementExitsZero() {
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("3 closed segment(s) checked (sizes and SHA-256), 1 being written"), r.out());
        assertTrue(r.out().contains("index and disk agree"), r.out());
    }

    @Test
    void aMissingFileIsADisagreement() throws Exception {
        Files.delete(footage.resolve(path(1)));
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("MISSING  " + footage.resolve(path(1))), r.out());
    }

    @Test
    void aStrayFileIsADisagreement() throws Exception {
        Path stray = footage.resolve("footage/thon-1/cam-01/2026/11/29/20261129T080000Z.mp4");
        Files.writeString(stray, "no row");
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("STRAY    " + stray), r.out());
        assertTrue(r.out().contains("1 disagreement(s)"), r.out());
    }

    @Test
    void filesTheRecorderCannotAccountForAreDisagreementsButWhatItKeepsAtTheRootIsNot() throws Exception {
        List<Path> unknown = List.of(
                footage.resolve("footage/thon-1/cam-01/2026/11/29/20261129T080000Z.mp4.bak"),
                footage.resolve("footage/thon-1/cam-01/copy.mp4"),
                footage.resolve("footage/thon-1/cam-01/2026/11/29/old"), // a folder where segment files belong
                footage.resolve("export.mp4"),
                footage.resolve("thon-1")); // a site folder outside the footage tree
        Files.writeString(unknown.get(0), "a copy");
        Files.writeString(unknown.get(1), "a copy");
        Files.createDirectories(unknown.get(2));
        Files.writeString(unknown.get(2).resolve("20261129T080000Z.mp4"), "moved aside by hand");
        Files.writeString(unknown.get(3), "an export, not footage");
        Files.createDirectories(unknown.get(4).resolve("cam-01/2026/11/29"));
        Files.writeString(unknown.get(4).resolve("cam-01/2026/11/29/20261129T060000Z.mp4"), "footage nobody indexes");
        // what the recorder keeps beside the footage tree
        Files.createDirectories(footage.resolve("quarantine/footage/thon-1/cam-01/2026/11/29"));
        Files.writeString(footage.resolve("quarantine/footage/thon-1/cam-01/2026/11/29/20261129T050000Z.mp4"), "x");
        Files.writeString(footage.resolve("nvr.lock"), "1234\n");
        Files.writeString(footage.resolve(".nvr-reserve"), "0000");
        Files.writeString(footage.resolve("index.db-wal"), "");
        Files.createDirectories(footage.resolve("lost+found"));

        Cli r = Cli.run("verify", "--config", config.toString());

        assertEquals(1, r.exitCode(), r.out() + r.err());
        for (Path p : unknown) {
            assertTrue(r.out().contains("UNKNOWN  " + p + ": "), p + " in " + r.out());
        }
        assertTrue(r.out().contains("5 disagreement(s)"), r.out());
        assertTrue(r.out().contains("UNKNOWN  " + unknown.get(4) + ": footage in the layout before footage/; the "
                + "recorder's next start moves it there"), r.out());
        assertTrue(r.out().contains("UNKNOWN  " + unknown.get(3) + ": not something the recorder keeps"), r.out());
    }

    @Test
    void aChangedSizeOrContentIsADisagreement() throws Exception {
        Files.writeString(footage.resolve(path(0)), "truncated");
        byte[] same = Files.readAllBytes(footage.resolve(path(2)));
        same[10] ^= 1; // one bit, same size
        Files.write(footage.resolve(path(2)), same);
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("SIZE     " + footage.resolve(path(0))), r.out());
        assertTrue(r.out().contains("SHA256   " + footage.resolve(path(2))), r.out());

        Cli quick = Cli.run("verify", "--quick", "--config", config.toString());
        assertEquals(1, quick.exitCode());
        assertTrue(quick.out().contains("SIZE     "), quick.out());
        assertTrue(!quick.out().contains("SHA256"), "--quick compares sizes only: " + quick.out());
    }

    @Test
    void aCorruptIndexIsADisagreementEvenWhereTheSegmentsReadWell() throws Exception {
        Path db = footage.resolve("index.db");
        long page;
        long root;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement()) {
            page = st.executeQuery("PRAGMA page_size").getLong(1);
            root = st.executeQuery("SELECT rootpage FROM sqlite_master WHERE name = 'outages'").getLong(1);
        }
        // Garbage over the outages table's page: the segment queries verify runs never read it.
        try (var ch = java.nio.channels.FileChannel.open(db, java.nio.file.StandardOpenOption.WRITE)) {
            byte[] garbage = new byte[(int) page];
            java.util.Arrays.fill(garbage, (byte) 0x5a);
            ch.write(java.nio.ByteBuffer.wrap(garbage), (root - 1) * page);
        }
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(1, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("CORRUPT  " + db + ": index.db is corrupt (quick_check: "), r.out());
        assertTrue(r.out().contains("3 closed segment(s) checked"), "the footage is still compared: " + r.out());
    }

    @Test
    void noIndexIsAFailureNotAnAgreement() throws Exception {
        Files.delete(footage.resolve("index.db"));
        Cli r = Cli.run("verify", "--config", config.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("no index"), r.err());
    }
}
