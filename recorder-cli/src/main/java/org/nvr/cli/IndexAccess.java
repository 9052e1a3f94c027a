package org.nvr.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ExecutionException;
import org.nvr.config.NvrConfig;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;

/**
 * The index as the operator commands use it: one read-only connection per command (WAL: works while the
 * daemon records, and on a read-only mount), and short write transactions (holds, audit lines) through this process's own
 * {@link IndexWriter}, SQLite's busy timeout serialising them with the daemon's writer.
 *
 * <p>Used by one command on one thread; owns its connection.
 */
final class IndexAccess implements AutoCloseable {
    private final NvrConfig config;
    private final Connection connection;

    private IndexAccess(NvrConfig config, Connection connection) {
        this.config = config;
        this.connection = connection;
    }

    /**
     * Opens the existing index read-only (see {@link IndexDatabase#openForQueries}); a missing, empty or
     * unreadable one is a run-time failure (exit 1).
     */
    static IndexAccess open(NvrConfig config) {
        try {
            return new IndexAccess(config, IndexDatabase.openForQueries(config.storage().indexPath()));
        } catch (IndexException e) {
            throw UserError.failed(Texts.current().get("error.index", e.getMessage()));
        }
    }

    /** What a query command reads from the index. */
    @FunctionalInterface
    interface Read<T> {
        T from(IndexAccess index) throws SQLException;
    }

    /**
     * Opens the index, reads from it and closes it: the whole life of a query command's connection, so
     * that each reports a missing index or a failed query alike, as a run-time failure (exit 1).
     */
    static <T> T read(NvrConfig config, Read<T> read) {
        try (IndexAccess index = open(config)) {
            return read.from(index);
        } catch (SQLException e) {
            throw failed(e);
        }
    }

    Path path() {
        return config.storage().indexPath();
    }

    /** Whether this process may write the index (it is opened read-only either way). */
    boolean writable() {
        Path index = config.storage().indexPath().toAbsolutePath();
        return Files.isWritable(index) && Files.isWritable(index.getParent());
    }

    Connection connection() {
        return connection;
    }

    FootageQueries queries() {
        return FootageQueries.over(connection);
    }

    /** Runs {@code work} in one write transaction and returns its result. */
    <T> T write(IndexWriter.Work<T> work) throws InterruptedException {
        try (IndexWriter writer = IndexWriter.open(config.storage().indexPath())) {
            return writer.submit(work).get();
        } catch (IndexException e) {
            throw UserError.failed(Texts.current().get("error.index", e.getMessage()));
        } catch (ExecutionException e) {
            throw UserError.failed(Texts.current().get("error.index", e.getCause().getMessage()));
        }
    }

    /** A query failed: the index is unreadable or locked for too long. */
    static UserError failed(SQLException e) {
        return UserError.failed(Texts.current().get("error.index", e.getMessage()));
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // read-only use: nothing to lose
        }
    }
}
