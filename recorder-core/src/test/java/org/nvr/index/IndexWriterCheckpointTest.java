package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer's commits leave checkpoints to the {@link WalCheckpointer}, which starts where SQLite's own first
 * checkpoint would have come (see IndexWriter's "Checkpoints").
 */
class IndexWriterCheckpointTest {
    private static final int SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
    private static final Instant START = Instant.parse("2026-11-29T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theWritersCommitsDoNotCheckpointAtSqlitesDefault() throws Exception {
        Path db = dir.resolve("index.db");
        try (IndexWriter w = IndexWriter.open(db, Duration.ofHours(1), -1)) { // the checkpointer never runs here
            assertEquals(WalCheckpointer.WRITER_AUTOCHECKPOINT_PAGES, (int) w.submit(c -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA wal_autocheckpoint")) {
                    rs.next();
                    return rs.getInt(1);
                }
            }).get());
            // 20 commits of 1000 rows each: well past 1000 pages of WAL
            for (int batch = 0; batch < 20; batch++) {
                int b = batch;
                w.submit(c -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO segments (site, camera, path, state, "
                            + "start_ms) VALUES ('s', 'cam', ?, 'closed', ?)")) {
                        for (int i = 0; i < 1000; i++) {
                            ps.setString(1, "s/cam/" + "x".repeat(200) + "/" + b + "-" + i + ".mp4");
                            ps.setLong(2, b * 1000L + i);
                            ps.executeUpdate();
                        }
                    }
                    return null;
                }).get();
            }
            // Had the writer checkpointed at SQLite's default, the WAL would have restarted and hold fewer frames.
            WalCheckpointer.Result r = w.checkpointer().checkpoint();
            assertTrue(r.walFrames() > 2 * SQLITE_DEFAULT_AUTOCHECKPOINT, "frames in the WAL: " + r.walFrames());
            assertEquals(r.walFrames(), r.checkpointedFrames(), "nothing else reads, so everything is copied");
        }
    }

    @Test
    void aWalSmallerThanSqlitesFirstCheckpointIsLeftAlone() throws Exception {
        try (IndexWriter w = IndexWriter.open(dir.resolve("index.db"), Duration.ofMillis(10), -1)) {
            w.openSegment(null, "s", "cam", "s/cam/a.mp4", START, "h264", 640, 360, null).get();
            Thread.sleep(300);
            assertNull(w.checkpointer().last(),
                    "checkpointed a WAL of " + Files.size(dir.resolve("index.db-wal")) + " bytes");
        }
    }

    @Test
    void theCheckpointerCopiesTheWalBackAndCloseRemovesIt() throws Exception {
        Path db = dir.resolve("index.db");
        Path wal = dir.resolve("index.db-wal");
        try (IndexWriter w = IndexWriter.open(db, Duration.ofMillis(20), 0)) {
            w.openSegment(null, "s", "cam", "s/cam/a.mp4", START, "h264", 640, 360, null).get();
            // Two more checkpoints, so the second one started after the insert.
            WalCheckpointer.Result r = w.checkpointer().last();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            for (int seen = 0; seen < 2 && System.nanoTime() < deadline; ) {
                Thread.sleep(5);
                WalCheckpointer.Result now = w.checkpointer().last();
                if (now != r) {
                    r = now;
                    seen++;
                }
            }
            assertNotNull(r, "no checkpoint within 10 s");
            assertTrue(r.walFrames() > 0, "the checkpoint saw the insert's frames");
            assertEquals(r.walFrames(), r.checkpointedFrames());
            assertTrue(Files.exists(wal));
        }
        assertFalse(Files.exists(wal), "the writer's connection closes last and removes the WAL");
        try (FootageQueries q = FootageQueries.open(db)) {
            assertEquals(1, q.segments("cam", START, START.plus(Duration.ofDays(1))).size());
        }
    }
}
