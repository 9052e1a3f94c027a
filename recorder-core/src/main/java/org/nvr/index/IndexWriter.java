package org.nvr.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of {@code index.db}: one connection used by one thread ({@code nvr-index}), fed by
 * a queue, so camera threads never contend for SQLite's write lock and a slow camera cannot hold up
 * the index. Every method returns a future; camera threads wait only for the ids they need.
 *
 * <h2>The disk/index invariant</h2>
 * Files under the storage root are the footage; the index describes them. A segment moves through:
 * <ol>
 *   <li>{@code open}: the row is inserted (with its path and start) <em>before</em> the file is created;</li>
 *   <li>{@code closed}: after the file's trailer is written, the file and its directory fsynced and its
 *       SHA-256 computed, the row gets end, duration, bytes and hash in one update;</li>
 *   <li>{@code deleting}: retention marks the row, unlinks the file, fsyncs the directory, then drops
 *       the row.</li>
 * </ol>
 * A crash can leave an {@code open} row whose file holds what was written (flushed fragments), an
 * {@code open} row with no file, a {@code deleting} row, or (if the disk lost the insert) a file with
 * no row. Startup reconciliation finishes each of these before recording starts. Creation is enforced
 * by {@code RecordingSession} (row, then file) and {@code SegmentFinisher} (fsync and hash, then close);
 * deletion only by {@code org.nvr.retention.SegmentDeleter}, which startup reconciliation uses too.
 *
 * <h2>A full disk</h2>
 * When SQLite cannot write (the disk is full, an I/O error), the transaction is rolled back, its
 * future fails, and {@link #healthy()} turns false until a later transaction writes again.
 * {@link #submitUntilWritten} keeps retrying such work every {@link #FULL_RETRY} instead, for updates
 * the index must not lose while the daemon runs (a segment closed or dropped).
 *
 * <h2>Checkpoints</h2>
 * A {@link WalCheckpointer} copies the WAL back into the database every second on its own connection
 * (once the WAL has grown to 1000 pages), so that no commit of this thread carries a checkpoint: with ten
 * million rows one took 3 to 8 ms, and the insert that triggered it waited as long. This connection
 * checkpoints only as a backstop, once the WAL holds {@link WalCheckpointer#WRITER_AUTOCHECKPOINT_PAGES}
 * pages.
 *
 * <h2>A lost index</h2>
 * A corrupt or missing index at start is rebuilt by {@link IndexRecovery}. While the daemon runs,
 * {@link #watchForDeletion} notices {@code index.db} deleted or replaced and recreates it from this
 * writer's open connection.
 *
 * <p>Thread-safe. Owns its connection, its thread and the checkpointer; {@link #close()} drains the
 * queue and closes them.
 */
public final class IndexWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IndexWriter.class);
    /** How often work waiting for disk space is tried again. */
    public static final Duration FULL_RETRY = Duration.ofSeconds(1);
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_FULL = 13;

    /** Work run on the writer thread with the write connection. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final Path path;
    private final Duration checkpointPeriod;
    private final long checkpointFromBytes;
    /** Replaced only by {@link #recreate}, on the writer thread; read by {@link #close} after it stopped. */
    private volatile Connection connection;
    private volatile WalCheckpointer checkpointer;
    /** The identity (device, inode) of the file this writer writes, to notice it deleted or replaced. */
    private volatile Object fileKey;
    /** Why index.db is not the file this writer writes (deleted, replaced); null while it is. */
    private volatile String missing;
    private String recreateFailure; // writer thread
    private volatile IndexRecovery.Rebuild lastRebuild;
    private final java.util.concurrent.atomic.AtomicLong rebuilds = new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledThreadPoolExecutor thread;
    /** Futures of work waiting for disk space, failed at close so that no caller waits forever. */
    private final Set<CompletableFuture<?>> parked = ConcurrentHashMap.newKeySet();
    /** Why the last write failed (disk full, I/O error); null while writes succeed. Writer thread only writes it. */
    private volatile String notWritable;

    private IndexWriter(Path path, Connection connection, WalCheckpointer checkpointer, Duration checkpointPeriod,
                        long checkpointFromBytes) {
        this.path = path;
        this.connection = connection;
        this.checkpointer = checkpointer;
        this.checkpointPeriod = checkpointPeriod;
        this.checkpointFromBytes = checkpointFromBytes;
        this.fileKey = fileKey(path);
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nvr-index");
            t.setDaemon(false);
            return t;
        });
        // At close, retries waiting for disk space are dropped (and their futures failed), not run.
        thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    public static IndexWriter open(Path path) throws IndexException {
        return open(path, WalCheckpointer.PERIOD, -1);
    }

    /** As {@link #open(Path)}, with the checkpointer's settings (see {@code WalCheckpointer.start}; tests). */
    static IndexWriter open(Path path, Duration checkpointPeriod, long checkpointFromBytes) throws IndexException {
        Connection c = IndexDatabase.open(path);
        try {
            setUp(c);
            return new IndexWriter(path, c, WalCheckpointer.start(path, checkpointPeriod, checkpointFromBytes),
                    checkpointPeriod, checkpointFromBytes);
        } catch (SQLException e) {
            IndexDatabase.closeQuietly(c);
            throw new IndexException("cannot set up index " + path + ": " + e.getMessage(), e);
        } catch (IndexException | RuntimeException e) {
            IndexDatabase.closeQuietly(c);
            throw e;
        }
    }

    private static void setUp(Connection c) throws SQLException {
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("PRAGMA wal_autocheckpoint = " + WalCheckpointer.WRITER_AUTOCHECKPOINT_PAGES);
        }
    }

    /** The checkpointer (tests). */
    WalCheckpointer checkpointer() {
        return checkpointer;
    }

    public Path path() {
        return path;
    }

    /** Runs {@code work} on the writer thread inside one transaction. */
    public <T> CompletableFuture<T> submit(Work<T> work) {
        return submit(work, false);
    }

    /**
     * Like {@link #submit}, but when the transaction fails because the disk is full or cannot be written,
     * it is run again every {@link #FULL_RETRY} until it commits or the writer closes. For work that is
     * safe to repeat (each attempt is its own, rolled back, transaction).
     */
    public <T> CompletableFuture<T> submitUntilWritten(Work<T> work) {
        return submit(work, true);
    }

    private <T> CompletableFuture<T> submit(Work<T> work, boolean untilWritten) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            thread.execute(() -> attempt(work, result, untilWritten));
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new IllegalStateException("index writer is closed"));
        }
        return result;
    }

    private <T> void attempt(Work<T> work, CompletableFuture<T> result, boolean untilWritten) {
        try {
            long changesBefore = notWritable != null ? totalChanges() : 0;
            connection.setAutoCommit(false);
            T value = work.run(connection);
            connection.commit();
            if (notWritable != null && totalChanges() > changesBefore) {
                LOG.info("the index is writable again");
                notWritable = null;
            }
            parked.remove(result);
            result.complete(value);
        } catch (SQLException | RuntimeException e) {
            rollback(e);
            boolean cannotWrite = isDiskFull(e) || isIoError(e);
            if (cannotWrite) {
                if (notWritable == null) {
                    LOG.error("the index cannot be written: {}", e.getMessage());
                }
                notWritable = e.getMessage();
            }
            if (cannotWrite && untilWritten && !thread.isShutdown()) {
                parked.add(result);
                try {
                    thread.schedule(() -> attempt(work, result, true), FULL_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (RejectedExecutionException closed) {
                    // fall through: fail the future
                }
            }
            parked.remove(result);
            result.completeExceptionally(e);
        } finally {
            try {
                connection.setAutoCommit(true);
            } catch (SQLException ignored) {
                // the next transaction will report a broken connection
            }
        }
    }

    private long totalChanges() throws SQLException {
        try (java.sql.Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT total_changes()")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /**
     * True when the writer thread is alive and the last transaction that tried to write did not fail for
     * want of disk space or an I/O error (for /healthz and the watchdog).
     */
    public boolean healthy() {
        return !thread.isShutdown() && notWritable == null && missing == null;
    }

    /** Why the index cannot be written at the moment; empty while it can. */
    public java.util.Optional<String> notWritable() {
        String gone = missing;
        return java.util.Optional.ofNullable(gone != null ? gone : notWritable);
    }

    // ---- a lost index -----------------------------------------------------------------------------

    /** The last time the index was rebuilt or recreated by this process; empty if never. */
    public java.util.Optional<IndexRecovery.Rebuild> lastRebuild() {
        return java.util.Optional.ofNullable(lastRebuild);
    }

    /** How often the index was rebuilt or recreated by this process. */
    public long rebuilds() {
        return rebuilds.get();
    }

    void rebuilt(IndexRecovery.Rebuild rebuild) {
        lastRebuild = rebuild;
        rebuilds.incrementAndGet();
    }

    /**
     * Looks every {@code period}, on the writer thread, whether {@code index.db} is still the file this
     * writer writes. When it was deleted (or replaced by another file) {@link #healthy()} turns false and
     * one ERROR is logged; at the next look the index is recreated from this writer's own connection,
     * which still reads the deleted file: {@code VACUUM INTO} a new file, which takes the old one's place,
     * with every row and id (open segments, holds, audit, runs). Waiting one look lets a command that
     * deletes {@code index.db-wal} and {@code -shm} too finish first. Work queued meanwhile goes to the old
     * file and is copied with it, so nothing is lost. For the daemon; CLI commands do not watch.
     */
    public void watchForDeletion(Duration period, java.time.Clock clock) {
        thread.scheduleWithFixedDelay(() -> checkFile(clock), period.toMillis(), period.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void checkFile(java.time.Clock clock) {
        try {
            Object key = fileKey(path);
            if (key != null && key.equals(fileKey) || fileKey == null && Files.exists(path)) {
                return; // (a filesystem without file keys: only a deletion can be noticed)
            }
            if (missing == null) {
                missing = (key == null ? "index.db was deleted" : "index.db was replaced by another file")
                        + " while the daemon runs; recreating it";
                LOG.error("{}: {}", path, missing);
                return;
            }
            recreate(key != null, clock.instant());
            recreateFailure = null;
        } catch (SQLException | IOException | IndexException | RuntimeException e) {
            // A scheduled task that throws is cancelled: log once per distinct failure, and try again.
            if (!String.valueOf(e.getMessage()).equals(recreateFailure)) {
                LOG.error("cannot recreate {}: {}", path, e.getMessage());
                recreateFailure = String.valueOf(e.getMessage());
            }
        }
    }

    private void recreate(boolean replaced, Instant now) throws SQLException, IOException, IndexException {
        Path copy = path.resolveSibling(path.getFileName() + ".recreating");
        boolean fresh = false;
        if (!connection.isClosed()) {
            Files.deleteIfExists(copy);
            try (java.sql.Statement st = connection.createStatement()) {
                st.execute("VACUUM INTO '" + copy.toString().replace("'", "''") + "'");
            } catch (SQLException e) {
                Files.deleteIfExists(copy); // a partial copy (a full disk) must not hold the space until the next try
                throw e;
            }
            checkpointer.close();
            IndexDatabase.closeQuietly(connection);
        } else if (!Files.exists(copy)) {
            // An earlier attempt closed the old connection and then failed: nothing is left to copy from. A
            // fresh index gets the holds back from the journal; the next start indexes the footage again.
            fresh = true;
        }
        String cause = missing;
        // Whatever is left at the path belongs to the lost file (a replacement, a WAL, a shared-memory
        // index) and must never be mixed with the new one: kept aside.
        Path movedTo = IndexRecovery.moveAside(path, now, replaced);
        if (!fresh) {
            Files.move(copy, path, StandardCopyOption.ATOMIC_MOVE);
            IndexRecovery.fsyncDirectory(path.toAbsolutePath().getParent());
        }
        Connection c = IndexDatabase.open(path);
        try {
            setUp(c);
            if (fresh) {
                c.setAutoCommit(false);
                EvidenceJournal.replay(path, c, IndexRecovery.NAME_PRECISION);
                c.commit();
                c.setAutoCommit(true);
            }
        } catch (SQLException | IOException e) {
            IndexDatabase.closeQuietly(c);
            throw e;
        }
        connection = c;
        checkpointer = WalCheckpointer.start(path, checkpointPeriod, checkpointFromBytes);
        fileKey = fileKey(path);
        missing = null;
        rebuilt(new IndexRecovery.Rebuild(now, cause.replace("; recreating it", ""), movedTo));
        LOG.warn("{} recreated from the daemon's open connection, with everything it held", path);
    }

    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether {@code t} or one of its causes is SQLite reporting a full disk ({@code SQLITE_FULL}). */
    public static boolean isDiskFull(Throwable t) {
        return hasSqliteCode(t, SQLITE_FULL, "SQLITE_FULL");
    }

    private static boolean isIoError(Throwable t) {
        return hasSqliteCode(t, SQLITE_IOERR, "SQLITE_IOERR");
    }

    private static boolean hasSqliteCode(Throwable t, int primary, String name) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s
                    && ((s.getErrorCode() & 0xff) == primary || String.valueOf(s.getMessage()).contains(name))) {
                return true;
            }
        }
        return false;
    }

    private void rollback(Exception cause) {
        try {
            connection.rollback();
        } catch (SQLException e) {
            // SQLite has already rolled back after some errors (SQLITE_FULL among them)
            LOG.debug("index rollback after '{}' failed: {}", cause.getMessage(), e.getMessage());
        }
    }

    // ---- runs -----------------------------------------------------------------------------------

    public CompletableFuture<Long> startRun(String site, String camera, Instant start, String videoCodec,
                                            Integer width, Integer height, String audioCodec) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO runs (site, camera, start_ms, video_codec, width, height, audio_codec)
                    VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
                ps.setString(1, site);
                ps.setString(2, camera);
                ps.setLong(3, start.toEpochMilli());
                ps.setString(4, videoCodec);
                setInt(ps, 5, width);
                setInt(ps, 6, height);
                ps.setString(7, audioCodec);
                return returnedId(ps);
            }
        });
    }

    public CompletableFuture<Void> endRun(long runId, Instant end, String reason, String detail) {
        return endRun(runId, null, end, reason, detail);
    }

    /** Ends a run; {@code start}, when not null, corrects the start written when it began. */
    public CompletableFuture<Void> endRun(long runId, Instant start, Instant end, String reason, String detail) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE runs SET start_ms = COALESCE(?, start_ms), end_ms = ?, end_reason = ?, detail = ? WHERE id = ?")) {
                setLong(ps, 1, start == null ? null : start.toEpochMilli());
                ps.setLong(2, end.toEpochMilli());
                ps.setString(3, reason);
                ps.setString(4, detail);
                ps.setLong(5, runId);
                ps.executeUpdate();
                return null;
            }
        });
    }

    /** Re-dates a run and its first segment once the run's clock anchor has settled. */
    public CompletableFuture<Void> correctStart(long runId, long segmentId, Instant start) {
        return submit(c -> {
            try (PreparedStatement run = c.prepareStatement("UPDATE runs SET start_ms = ? WHERE id = ?");
                 PreparedStatement seg = c.prepareStatement("UPDATE segments SET start_ms = ? WHERE id = ?")) {
                run.setLong(1, start.toEpochMilli());
                run.setLong(2, runId);
                run.executeUpdate();
                seg.setLong(1, start.toEpochMilli());
                seg.setLong(2, segmentId);
                seg.executeUpdate();
                return null;
            }
        });
    }

    // ---- segments -------------------------------------------------------------------------------

    /** Step 1 of the invariant: the row exists before the file. */
    public CompletableFuture<Long> openSegment(Long runId, String site, String camera, String relativePath,
                                               Instant start, String videoCodec, Integer width, Integer height,
                                               String audioCodec) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO segments (run_id, site, camera, path, state, start_ms, video_codec, width, height,
                                          audio_codec)
                    VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?) RETURNING id""")) {
                if (runId == null) {
                    ps.setNull(1, Types.INTEGER);
                } else {
                    ps.setLong(1, runId);
                }
                ps.setString(2, site);
                ps.setString(3, camera);
                ps.setString(4, relativePath);
                ps.setLong(5, start.toEpochMilli());
                ps.setString(6, videoCodec);
                setInt(ps, 7, width);
                setInt(ps, 8, height);
                ps.setString(9, audioCodec);
                return returnedId(ps);
            }
        });
    }

    /**
     * Step 2 of the invariant: called once the file is complete, fsynced and hashed. Retried while the
     * disk is full (see {@link #submitUntilWritten}): the file is footage, its row must say so.
     */
    public CompletableFuture<Void> closeSegment(long id, Instant end, Duration duration, long bytes, Long frames,
                                                String sha256) {
        return closeSegment(id, null, end, duration, bytes, frames, sha256);
    }

    /** As above; {@code start}, when not null, corrects the start written when the segment opened. */
    public CompletableFuture<Void> closeSegment(long id, Instant start, Instant end, Duration duration, long bytes,
                                                Long frames, String sha256) {
        return submitUntilWritten(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE segments SET state = 'closed', start_ms = COALESCE(?, start_ms), end_ms = ?, duration_ms = ?,
                        bytes = ?, frames = ?, sha256 = ?
                    WHERE id = ?""")) {
                setLong(ps, 1, start == null ? null : start.toEpochMilli());
                ps.setLong(2, end.toEpochMilli());
                ps.setLong(3, duration.toMillis());
                ps.setLong(4, bytes);
                setLong(ps, 5, frames);
                ps.setString(6, sha256);
                ps.setLong(7, id);
                ps.executeUpdate();
                return null;
            }
        });
    }

    /**
     * Drops a row whose file was never created or held nothing (the file is removed first). Retried while
     * the disk is full, like {@link #closeSegment}.
     */
    public CompletableFuture<Void> dropSegment(long id) {
        return submitUntilWritten(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM segments WHERE id = ?")) {
                ps.setLong(1, id);
                ps.executeUpdate();
                return null;
            }
        });
    }

    // ---- outages and camera state ---------------------------------------------------------------

    public CompletableFuture<Long> openOutage(String site, String camera, Instant start, String reason, String detail) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO outages (site, camera, start_ms, reason, detail) VALUES (?, ?, ?, ?, ?) RETURNING id""")) {
                ps.setString(1, site);
                ps.setString(2, camera);
                ps.setLong(3, start.toEpochMilli());
                ps.setString(4, reason);
                ps.setString(5, detail);
                return returnedId(ps);
            }
        });
    }

    /** Updates the reason of an ongoing outage (the first failure was "refused", now it is "auth"...). */
    public CompletableFuture<Void> updateOutage(long id, String reason, String detail) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outages SET reason = ?, detail = ? WHERE id = ?")) {
                ps.setString(1, reason);
                ps.setString(2, detail);
                ps.setLong(3, id);
                ps.executeUpdate();
                return null;
            }
        });
    }

    public CompletableFuture<Void> closeOutage(long id, Instant end) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outages SET end_ms = ? WHERE id = ?")) {
                ps.setLong(1, end.toEpochMilli());
                ps.setLong(2, id);
                ps.executeUpdate();
                return null;
            }
        });
    }

    /**
     * How the daemon records {@code camera} now: {@code source} ({@code rtsp}, {@code ffmpeg}) and, when
     * a camera configured for the RTSP client fell back to FFmpeg, the codec that made it.
     */
    public CompletableFuture<Void> cameraSource(String site, String camera, String source, String fallback,
                                                Instant now) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO camera_source (camera, site, source, fallback, updated_ms) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (camera) DO UPDATE SET site = excluded.site, source = excluded.source,
                        fallback = excluded.fallback, updated_ms = excluded.updated_ms""")) {
                ps.setString(1, camera);
                ps.setString(2, site);
                ps.setString(3, source);
                ps.setString(4, fallback);
                ps.setLong(5, now.toEpochMilli());
                ps.executeUpdate();
                return null;
            }
        });
    }

    public CompletableFuture<Void> cameraState(String site, String camera, String state, Instant since, String reason,
                                               String detail, Instant now) {
        return submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO camera_state (camera, site, state, since_ms, reason, detail, updated_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (camera) DO UPDATE SET site = excluded.site, state = excluded.state,
                        since_ms = excluded.since_ms, reason = excluded.reason, detail = excluded.detail,
                        updated_ms = excluded.updated_ms""")) {
                ps.setString(1, camera);
                ps.setString(2, site);
                ps.setString(3, state);
                ps.setLong(4, since.toEpochMilli());
                ps.setString(5, reason);
                ps.setString(6, detail);
                ps.setLong(7, now.toEpochMilli());
                ps.executeUpdate();
                return null;
            }
        });
    }

    private static long returnedId(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("insert returned no id");
            }
            return rs.getLong(1);
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, v);
        }
    }

    private static void setInt(PreparedStatement ps, int i, Integer v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setInt(i, v);
        }
    }

    /** Drains queued work (waiting up to 5 s), then closes the connection. Safe to call twice. */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    /**
     * Drains queued work, waiting up to {@code timeout}, then closes the connection. Safe to call twice.
     * Returns whether everything queued was done before the connection closed (false: work was cut short,
     * or an earlier call closed it).
     */
    public boolean close(Duration timeout) {
        if (thread.isShutdown()) {
            return false;
        }
        boolean drained = false;
        thread.shutdown();
        for (CompletableFuture<?> f : parked) {
            f.completeExceptionally(new IllegalStateException("index writer closed while waiting for disk space"));
        }
        try {
            drained = thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!drained) {
                LOG.warn("index writer did not drain within {} ms; closing anyway", timeout.toMillis());
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            // The checkpointer's connection first: the last connection to close checkpoints what is left
            // and removes the WAL, and that should be this one, after the last write.
            checkpointer.close();
            IndexDatabase.closeQuietly(connection);
        }
        return drained;
    }
}
