package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A query connection never writes, never creates, and leaves the storage root as it found it. */
class OpenForQueriesTest {
    @TempDir
    Path dir;

    @Test
    void aQueryConnectionCannotWriteAndLeavesNoFilesBehind() throws Exception {
        Path db = dir.resolve("index.db");
        try (IndexWriter w = IndexWriter.open(db)) {
            w.startRun("s", "cam", Instant.parse("2026-11-29T07:00:00Z"), "h264", 1, 1, null).get();
        }
        byte[] before = Files.readAllBytes(db);
        try (Connection c = IndexDatabase.openForQueries(db); Statement st = c.createStatement()) {
            assertEquals(1, FootageQueries.over(c).runs("cam", Instant.EPOCH, Instant.now()).size());
            assertThrows(SQLException.class, () -> st.execute("DELETE FROM runs"));
        }
        assertArrayEquals(before, Files.readAllBytes(db));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("index.db"), files.map(p -> p.getFileName().toString()).toList(),
                    "the last connection removed the -wal and -shm, as the writer's does");
        }
    }

    @Test
    void emptyMissingOrForeignFilesAreNamedAndLeftAlone() throws Exception {
        Path empty = Files.write(dir.resolve("empty.db"), new byte[0]);
        IndexException e = assertThrows(IndexException.class, () -> IndexDatabase.openForQueries(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
        assertEquals(0, Files.size(empty));

        Path missing = dir.resolve("missing.db");
        e = assertThrows(IndexException.class, () -> IndexDatabase.openForQueries(missing));
        assertTrue(e.getMessage().contains("no index at " + missing), e.getMessage());
        assertTrue(Files.notExists(missing));

        Path foreign = dir.resolve("foreign.db");
        try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + foreign);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (x)");
        }
        e = assertThrows(IndexException.class, () -> IndexDatabase.openForQueries(foreign));
        assertTrue(e.getMessage().contains("not an nvr index"), e.getMessage());
    }
}
