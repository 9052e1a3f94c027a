package org.nvr.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the WAL back into {@code index.db} every {@link #PERIOD}, on its own connection and thread
 * ({@code nvr-index-checkpoint}), so that the {@link IndexWriter}'s commits do not.
 *
 * <p>Why: left to itself, SQLite checkpoints inside the commit that takes the WAL past 1000 pages. With
 * ten million rows the pages a checkpoint copies are scattered over the file, and copying them and
 * fsyncing the database took 3 to 8 ms (bench/index-scale.sh: 32 cameras at 60x real time, retention
 * deleting as fast), every second or two: the insert that happened to trigger it, and whatever queued
 * behind it, waited that long. A {@code PASSIVE} checkpoint on another connection runs beside the
 * writer (WAL: the writer keeps appending while older frames are copied), so inserts only pay their
 * own WAL append and fsync. The writer's own automatic checkpoint stays as a backstop, at
 * {@link #WRITER_AUTOCHECKPOINT_PAGES}, for a checkpointer that cannot keep up or keeps failing.
 *
 * <p>Nothing is checkpointed until the WAL file has grown to {@link #FROM_PAGES} pages, where SQLite's
 * own first checkpoint would have come. After a complete checkpoint SQLite writes the WAL again from its
 * start, reusing the file, which is never shrunk; so, as before, the WAL file is allocated once at about
 * that size and later commits write into space the index already holds. That matters on a full disk,
 * where the first write that needs new space fails and makes retention release the {@code DiskReserve};
 * checkpointing a young, small WAL every second would change when that happens.
 *
 * <p>Thread-safe. Owns its connection and thread; {@link #close()} stops both and is safe to call twice.
 */
final class WalCheckpointer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WalCheckpointer.class);
    /** How often the WAL is checkpointed: bounds it to about a second of writes. */
    static final Duration PERIOD = Duration.ofSeconds(1);
    /**
     * The writer connection's {@code wal_autocheckpoint}, in pages (SQLite's default is 1000): the writer
     * checkpoints itself only once the WAL holds this many pages (40 MB), which this class prevents.
     */
    static final int WRITER_AUTOCHECKPOINT_PAGES = 10_000;
    /** WAL file size, in pages, from which the checkpointer works: SQLite's default automatic checkpoint. */
    static final int FROM_PAGES = 1000;

    /** What one checkpoint found: frames in the WAL, and how many of them are now in the database. */
    record Result(int walFrames, int checkpointedFrames) {
    }

    private final Connection connection;
    private final Path wal;
    private final long fromBytes;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nvr-index-checkpoint");
        t.setDaemon(true); // never keeps a CLI command alive; the writer's close checkpoints what is left
        return t;
    });
    private volatile Result last;
    private String lastFailure; // checkpoint thread only

    private WalCheckpointer(Connection connection, Path wal, long fromBytes) {
        this.connection = connection;
        this.wal = wal;
        this.fromBytes = fromBytes;
    }

    /**
     * Starts checkpointing the (already open and migrated) index at {@code path} every {@code period}
     * ({@link #PERIOD}; shorter in tests), once its WAL file has {@code fromBytes} (negative:
     * {@link #FROM_PAGES} pages; 0 in tests).
     */
    static WalCheckpointer start(Path path, Duration period, long fromBytes) throws IndexException {
        Connection connection = IndexDatabase.connectExisting(path);
        long from = fromBytes;
        if (from < 0) {
            try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_size")) {
                rs.next();
                from = (long) FROM_PAGES * rs.getInt(1);
            } catch (SQLException e) {
                IndexDatabase.closeQuietly(connection);
                throw new IndexException("cannot read the page size of " + path + ": " + e.getMessage(), e);
            }
        }
        WalCheckpointer c = new WalCheckpointer(connection, Path.of(path + "-wal"), from);
        long ms = period.toMillis();
        c.thread.scheduleWithFixedDelay(c::checkpointLogged, ms, ms, TimeUnit.MILLISECONDS);
        return c;
    }

    /**
     * One {@code PASSIVE} checkpoint: copies what it can without waiting for the writer or readers (a
     * reader on an older snapshot holds back only the frames after it). Checkpoint thread, or tests.
     */
    synchronized Result checkpoint() throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
            rs.next();
            last = new Result(rs.getInt(2), rs.getInt(3));
            return last;
        }
    }

    /** The last checkpoint's result; null before the first. */
    Result last() {
        return last;
    }

    private void checkpointLogged() {
        try {
            if (walBytes() < fromBytes) {
                return;
            }
            checkpoint();
            if (lastFailure != null) {
                LOG.info("index checkpoints work again");
                lastFailure = null;
            }
        } catch (SQLException | RuntimeException e) {
            // A scheduled task that throws is cancelled silently: log once per distinct failure, go on. The
            // writer's own automatic checkpoint still bounds the WAL meanwhile.
            String why = String.valueOf(e.getMessage());
            if (!why.equals(lastFailure)) {
                LOG.warn("cannot checkpoint the index WAL: {}", why);
                lastFailure = why;
            }
        }
    }

    private long walBytes() {
        try {
            return Files.size(wal);
        } catch (IOException e) {
            return 0; // no WAL (yet): nothing to copy
        }
    }

    /** Stops checkpointing (a running checkpoint finishes) and closes the connection. Safe to call twice. */
    @Override
    public void close() {
        if (thread.isShutdown()) {
            return;
        }
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("index checkpoint still running after 5 s; closing its connection anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            IndexDatabase.closeQuietly(connection);
        }
    }
}
