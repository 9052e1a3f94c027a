package org.nvr.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;

/**
 * The one place that opens {@code index.db}: WAL journal (readers never block the writer),
 * {@code synchronous=FULL} (an indexed segment survives a power cut; commits are rare, one per segment
 * event), a busy timeout (the CLI and the daemon are separate processes), foreign keys on, and the
 * schema migrated to {@link Migrations#LATEST} before anything else touches it.
 */
public final class IndexDatabase {
    private IndexDatabase() {
    }

    /** Opens (creating it if needed) and migrates the index at {@code path}. */
    public static Connection open(Path path) throws IndexException {
        try {
            Files.createDirectories(path.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IndexException("cannot create the directory of " + path + ": " + e.getMessage(), e);
        }
        Connection c = connect(path, false);
        try {
            Migrations.apply(c);
            return c;
        } catch (IndexException | RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Opens an existing index for queries only. Fails if there is no index yet, or if its schema is
     * newer than this program (an older one is migrated, which needs write access).
     */
    public static Connection openForQueries(Path path) throws IndexException {
        if (!Files.exists(path)) {
            throw new IndexException("no index at " + path + " (has the recorder run with this storage root?)");
        }
        return open(path);
    }

    /**
     * A further connection to an index that {@link #open} has already opened and migrated (the
     * {@link WalCheckpointer}'s), with the same settings: its checkpoints fsync as {@code synchronous=FULL} says.
     */
    static Connection connectExisting(Path path) throws IndexException {
        return connect(path, false);
    }

    private static Connection connect(Path path, boolean readOnly) throws IndexException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        config.enforceForeignKeys(true);
        config.setBusyTimeout(10_000);
        config.setReadOnly(readOnly);
        try {
            Connection c = config.createConnection("jdbc:sqlite:" + path);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA temp_store = MEMORY");
            }
            return c;
        } catch (SQLException e) {
            throw new IndexException("cannot open index " + path + ": " + e.getMessage(), e);
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing after a failure; the original error is what matters
        }
    }
}
