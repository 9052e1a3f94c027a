package org.nvr.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

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
     * Opens an existing index for queries only ({@code query_only}; {@code SQLITE_OPEN_READONLY} where
     * this process may not write it): it works on a read-only mount or for a user who cannot write the
     * storage root, and never creates, migrates or changes anything, not even the journal mode. Fails with a message naming the file if there is no
     * index, if {@code index.db} is empty or not an nvr index (a reader never gives it a schema), or if
     * its schema is newer than this program. An index of an older schema is migrated first when the
     * caller may write it, and refused otherwise.
     *
     * <p>WAL: a read-only reader needs the {@code -shm} file. While the recorder runs it exists; after a
     * clean stop SQLite has removed it along with the {@code -wal}, and a reader that cannot create it
     * opens the file as immutable instead, which is exact because without a {@code -wal} every commit is
     * in the main file. Only a recorder that starts and checkpoints during that one query could disturb
     * it (the query then fails, and running the command again reads through the recorder's -shm).
     */
    public static Connection openForQueries(Path path) throws IndexException {
        if (!Files.exists(path)) {
            throw new IndexException("no index at " + path + " (has the recorder run with this storage root?)");
        }
        try {
            if (!Files.isRegularFile(path)) {
                throw new IndexException("the index " + path + " is not a regular file");
            }
            if (Files.size(path) == 0) {
                throw new IndexException("the index " + path + " is empty (0 bytes), not an nvr index; "
                        + "restore it from a backup or move it away and let the recorder start a new one");
            }
        } catch (IOException e) {
            throw new IndexException("cannot read the index " + path + ": " + e.getMessage(), e);
        }
        Connection c = connectReadOnly(path);
        int version;
        try {
            version = Migrations.version(c);
            if (version == 0) {
                throw new IndexException("the index " + path + " is not an nvr index (it has no schema)");
            }
        } catch (SQLException e) {
            closeQuietly(c);
            throw new IndexException("cannot read the index " + path + ": " + e.getMessage(), e);
        } catch (IndexException e) {
            closeQuietly(c);
            throw e;
        }
        if (version > Migrations.LATEST) {
            closeQuietly(c);
            throw new IndexException("the index " + path + " has schema version " + version + ", newer than this "
                    + "program (" + Migrations.LATEST + "); upgrade nvr");
        }
        if (version < Migrations.LATEST) {
            closeQuietly(c);
            if (!Files.isWritable(path) || !Files.isWritable(path.toAbsolutePath().getParent())) {
                throw new IndexException("the index " + path + " has schema version " + version + " and this program "
                        + "needs " + Migrations.LATEST + "; run it once with write access (the recorder does) to "
                        + "upgrade the index");
            }
            return open(path);
        }
        return c;
    }

    /**
     * A connection that never writes ({@code query_only}). Where this process may write the index and its
     * directory it is opened read-write without create: the last connection to close then checkpoints
     * and removes the {@code -wal} and {@code -shm} as SQLite does, so a query leaves no files behind.
     * Elsewhere it is {@code SQLITE_OPEN_READONLY}, and immutable when the {@code -shm} a WAL reader
     * needs cannot be created and there is no {@code -wal}.
     */
    private static Connection connectReadOnly(Path path) throws IndexException {
        Path absolute = path.toAbsolutePath();
        boolean walLeft = Files.exists(Path.of(absolute + "-wal"));
        boolean dirWritable = Files.isWritable(absolute.getParent());
        boolean canMakeShm = Files.exists(Path.of(absolute + "-shm")) || dirWritable;
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(10_000);
        String url = "jdbc:sqlite:" + absolute;
        if (dirWritable && Files.isWritable(absolute)) {
            config.resetOpenMode(SQLiteOpenMode.CREATE);
        } else {
            config.setReadOnly(true);
            if (!canMakeShm && !walLeft) {
                // file: URI; every character outside the unreserved set of a path percent-encoded
                url = "jdbc:sqlite:" + absolute.toUri().toASCIIString() + "?immutable=1";
                config.setOpenMode(SQLiteOpenMode.OPEN_URI);
            }
        }
        try {
            Connection c = config.createConnection(url);
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA query_only = ON");
            }
            return c;
        } catch (SQLException e) {
            throw new IndexException("cannot open index " + path + " for reading: " + e.getMessage(), e);
        }
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
