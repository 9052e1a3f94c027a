package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
    @TempDir
    Path dir;

    @Test
    void newDatabaseGetsTheLatestSchemaInWalMode() throws Exception {
        try (Connection c = IndexDatabase.open(dir.resolve("index.db"))) {
            assertEquals(Migrations.LATEST, Migrations.version(c));
            assertEquals("wal", pragma(c, "journal_mode"));
            assertEquals("1", pragma(c, "foreign_keys"));
            assertTrue(tables(c).containsAll(List.of("runs", "segments", "outages", "camera_state", "locks", "audit")),
                    tables(c).toString());
        }
    }

    @Test
    void existingDatabaseKeepsItsRowsWhenReopened() throws Exception {
        Path db = dir.resolve("index.db");
        try (IndexWriter w = IndexWriter.open(db)) {
            w.openSegment(null, "s", "cam", "s/cam/a.mp4", Instant.parse("2026-11-29T00:00:00Z"), "h264", 640, 360, null).get();
        }
        try (Connection c = IndexDatabase.open(db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM segments")) {
            assertEquals(Migrations.LATEST, Migrations.version(c));
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void olderSchemaIsMigratedForward() throws Exception {
        Path db = dir.resolve("index.db");
        try (Connection c = IndexDatabase.open(db); Statement st = c.createStatement()) {
            // simulate an index from before the latest migration: version 0 with nothing in it
            for (String t : tables(c)) {
                st.execute("DROP TABLE " + t);
            }
            st.execute("PRAGMA user_version = 0");
        }
        try (Connection c = IndexDatabase.open(db)) {
            assertEquals(Migrations.LATEST, Migrations.version(c));
            assertTrue(tables(c).contains("segments"));
        }
    }

    @Test
    void newerSchemaIsRefusedNotMisread() throws Exception {
        Path db = dir.resolve("index.db");
        try (Connection c = IndexDatabase.open(db); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = " + (Migrations.LATEST + 1));
        }
        IndexException e = assertThrows(IndexException.class, () -> IndexDatabase.open(db));
        assertTrue(e.getMessage().contains("newer than this nvr supports"), e.getMessage());
    }

    @Test
    void auditLogIsAppendOnly() throws Exception {
        try (Connection c = IndexDatabase.open(dir.resolve("index.db")); Statement st = c.createStatement()) {
            st.execute("INSERT INTO audit (at_ms, os_user, action, camera) VALUES (1, 'officer', 'export', 'cam-01')");
            java.sql.SQLException update = assertThrows(java.sql.SQLException.class,
                    () -> st.execute("UPDATE audit SET os_user = 'someone else'"));
            assertTrue(update.getMessage().contains("append-only"), update.getMessage());
            assertThrows(java.sql.SQLException.class, () -> st.execute("DELETE FROM audit"));
        }
    }

    @Test
    void triggerBodiesStayOneStatement() {
        assertEquals(List.of("CREATE TABLE t (x)", "CREATE TRIGGER g BEFORE DELETE ON t\nBEGIN\nSELECT RAISE(ABORT, 'no');\nEND"),
                Migrations.statements("CREATE TABLE t (x);\nCREATE TRIGGER g BEFORE DELETE ON t\nBEGIN\nSELECT RAISE(ABORT, 'no');\nEND;\n"));
    }

    @Test
    void scriptsSplitIntoStatementsWithoutComments() {
        assertEquals(List.of("CREATE TABLE a (x INTEGER)", "CREATE INDEX i ON a (x)"),
                Migrations.statements("-- comment\nCREATE TABLE a (x INTEGER); -- trailing\nCREATE INDEX i ON a (x);\n"));
    }

    private static String pragma(Connection c, String name) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static List<String> tables(Connection c) throws Exception {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
