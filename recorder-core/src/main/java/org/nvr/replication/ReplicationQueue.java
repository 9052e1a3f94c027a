package org.nvr.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;

/**
 * The persistent queue of objects to copy, in the index ({@code replication_queue} and
 * {@code replication_parts}, migration V5): every statement the replicator runs, through the single
 * {@link IndexWriter}. Items are added by triggers (see the migration) in the transaction that places a
 * hold, closes a segment inside one, or audits an export; {@link #configure} turns them on and queues
 * what active holds already cover. Completed parts of a multipart upload are written as the server
 * confirms each, so a crash never sends one again.
 *
 * <p>Called by the replication thread (and the daemon's start); each call waits for the index at most
 * {@link #WAIT_SECONDS}. Owns nothing.
 */
public final class ReplicationQueue {
    static final long WAIT_SECONDS = 30;

    /** A part the server confirmed. */
    record Part(int number, long bytes, String etag, String md5) {
    }

    private final IndexWriter index;

    public ReplicationQueue(IndexWriter index) {
        this.index = index;
    }

    /**
     * Turns queueing on or off for the triggers, sets the cameras copied whole, and queues the closed
     * segments that active holds cover now (holds placed while replication was off, or before this
     * version). Returns how many items that added.
     */
    public int configure(boolean enabled, Collection<String> allCameras) throws IndexException, InterruptedException {
        return await(index.submit(c -> {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("UPDATE replication_settings SET enabled = ? WHERE id = 1")) {
                    ps.setInt(1, enabled ? 1 : 0);
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM replication_cameras")) {
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO replication_cameras (camera) VALUES (?)")) {
                    for (String camera : enabled ? allCameras : List.<String>of()) {
                        ps.setString(1, camera);
                        ps.executeUpdate();
                    }
                }
                int added = 0;
                if (enabled) {
                    try (PreparedStatement ps = c.prepareStatement("""
                            INSERT INTO replication_queue (kind, site, camera, start_ms, path, sha256, bytes, held, created_ms)
                            SELECT 'segment', s.site, s.camera, s.start_ms, s.path, s.sha256, s.bytes, 1,
                                   CAST(unixepoch('subsec') * 1000 AS INTEGER)
                            FROM segments s
                            WHERE s.state = 'closed' AND EXISTS (SELECT 1 FROM locks l WHERE l.camera = s.camera
                                AND l.released_ms IS NULL AND l.from_ms < s.end_ms AND l.to_ms > s.start_ms)
                            ON CONFLICT (kind, path) DO UPDATE SET held = 1,
                                state = CASE WHEN state = 'done' THEN 'pending' ELSE state END,
                                next_ms = CASE WHEN state = 'done' THEN 0 ELSE next_ms END
                            WHERE held = 0""")) {
                        added = ps.executeUpdate();
                    }
                }
                c.commit();
                return added;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        }), "configure replication");
    }

    /** The next pending item due at {@code now}: evidence first, then oldest first. */
    Optional<QueueItem> next(Instant now) throws IndexException, InterruptedException {
        return await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    SELECT id, kind, site, camera, start_ms, path, sha256, held, attempts, upload_id
                    FROM replication_queue WHERE state = 'pending' AND next_ms <= ?
                    ORDER BY held DESC, id LIMIT 1""")) {
                ps.setLong(1, now.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<QueueItem>empty();
                    }
                    return Optional.of(new QueueItem(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6), rs.getString(7), rs.getInt(8) == 1, rs.getInt(9),
                            rs.getString(10)));
                }
            }
        }), "read the replication queue");
    }

    /** When the next pending item is due; empty when none is pending. */
    Optional<Instant> nextDue() throws IndexException, InterruptedException {
        return await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT MIN(next_ms) FROM replication_queue WHERE state = 'pending'");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                Object v = rs.getObject(1);
                return v == null ? Optional.<Instant>empty() : Optional.of(Instant.ofEpochMilli(rs.getLong(1)));
            }
        }), "read the replication queue");
    }

    List<Part> parts(long itemId) throws IndexException, InterruptedException {
        return await(index.submit(c -> {
            List<Part> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT part_number, bytes, etag, md5 FROM replication_parts WHERE item_id = ? ORDER BY part_number")) {
                ps.setLong(1, itemId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Part(rs.getInt(1), rs.getLong(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            return out;
        }), "read uploaded parts");
    }

    void bytes(long itemId, long bytes) throws IndexException, InterruptedException {
        update("UPDATE replication_queue SET bytes = ? WHERE id = ?", bytes, itemId);
    }

    void uploadStarted(long itemId, String uploadId) throws IndexException, InterruptedException {
        update("UPDATE replication_queue SET upload_id = ? WHERE id = ?", uploadId, itemId);
    }

    /** Forgets a multipart upload the server no longer has (or never finished): start again. */
    void uploadForgotten(long itemId) throws IndexException, InterruptedException {
        await(index.submit(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM replication_parts WHERE item_id = ?");
                 PreparedStatement up = c.prepareStatement("UPDATE replication_queue SET upload_id = NULL WHERE id = ?")) {
                del.setLong(1, itemId);
                del.executeUpdate();
                up.setLong(1, itemId);
                up.executeUpdate();
            }
            return null;
        }), "forget an upload");
    }

    void partDone(long itemId, Part p) throws IndexException, InterruptedException {
        await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT OR REPLACE INTO replication_parts (item_id, part_number, bytes, etag, md5) VALUES (?, ?, ?, ?, ?)""")) {
                ps.setLong(1, itemId);
                ps.setInt(2, p.number());
                ps.setLong(3, p.bytes());
                ps.setString(4, p.etag());
                ps.setString(5, p.md5());
                ps.executeUpdate();
            }
            return null;
        }), "record an uploaded part");
    }

    /** The copy is verified: the item is done, its parts forgotten; a released hold's footage may go now. */
    void done(long itemId, String key, long bytes, Instant now) throws IndexException, InterruptedException {
        await(index.submit(c -> {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM replication_parts WHERE item_id = ?");
                 PreparedStatement up = c.prepareStatement("""
                         UPDATE replication_queue SET state = 'done', object_key = ?, bytes = ?, done_ms = ?, upload_id = NULL,
                             last_reason = NULL, last_error = NULL WHERE id = ?""")) {
                del.setLong(1, itemId);
                del.executeUpdate();
                up.setString(1, key);
                up.setLong(2, bytes);
                up.setLong(3, now.toEpochMilli());
                up.setLong(4, itemId);
                up.executeUpdate();
            }
            return null;
        }), "mark an item copied");
    }

    /** The file is gone (retention, or removed by hand): nothing left to copy. */
    void dropped(long itemId, String reason, String error) throws IndexException, InterruptedException {
        update("UPDATE replication_queue SET state = 'dropped', last_reason = ?, last_error = ? WHERE id = ?",
                reason, error, itemId);
    }

    void failed(long itemId, String reason, String error, Instant nextTry) throws IndexException, InterruptedException {
        update("UPDATE replication_queue SET attempts = attempts + 1, last_reason = ?, last_error = ?, next_ms = ? "
                + "WHERE id = ?", reason, error, nextTry.toEpochMilli(), itemId);
    }

    ReplicationStatus status() throws IndexException, InterruptedException {
        return await(index.submit(ReplicationStatus::read), "read the replication queue");
    }

    private void update(String sql, Object... args) throws IndexException, InterruptedException {
        await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < args.length; i++) {
                    if (args[i] == null) {
                        ps.setNull(i + 1, Types.VARCHAR);
                    } else {
                        ps.setObject(i + 1, args[i]);
                    }
                }
                ps.executeUpdate();
            }
            return null;
        }), "update the replication queue");
    }

    private static <T> T await(CompletableFuture<T> f, String what) throws IndexException, InterruptedException {
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IndexException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IndexException("index did not " + what + " within " + WAIT_SECONDS + " s", e);
        }
    }
}
