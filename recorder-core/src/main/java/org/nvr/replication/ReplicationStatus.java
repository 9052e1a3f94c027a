package org.nvr.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@code nvr replicate status} and the metrics show: pending objects and their bytes (the bytes
 * of an export not yet read count as 0), the oldest pending item's time, what was copied and what
 * retention dropped before it could be, and the last failure. Read by one query from any connection
 * (the CLI reads while the daemon writes).
 *
 * @param lastError the last failure of a still-pending item, newest first; empty when none
 */
public record ReplicationStatus(long pendingObjects, long pendingBytes, Optional<Instant> oldestPending,
                                long doneObjects, long droppedObjects, Optional<String> lastReason,
                                Optional<String> lastError) {
    public static ReplicationStatus read(Connection c) throws SQLException {
        long pending;
        long bytes;
        Long oldest;
        long done;
        long dropped;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT COALESCE(SUM(state = 'pending'), 0),
                       COALESCE(SUM(CASE WHEN state = 'pending' THEN COALESCE(bytes, 0) END), 0),
                       MIN(CASE WHEN state = 'pending' THEN created_ms END),
                       COALESCE(SUM(state = 'done'), 0),
                       COALESCE(SUM(state = 'dropped'), 0)
                FROM replication_queue""")) {
            rs.next();
            pending = rs.getLong(1);
            bytes = rs.getLong(2);
            oldest = rs.getObject(3) == null ? null : rs.getLong(3);
            done = rs.getLong(4);
            dropped = rs.getLong(5);
        }
        String reason = null;
        String error = null;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT last_reason, last_error FROM replication_queue
                WHERE state = 'pending' AND last_reason IS NOT NULL ORDER BY next_ms DESC, id DESC LIMIT 1""")) {
            if (rs.next()) {
                reason = rs.getString(1);
                error = rs.getString(2);
            }
        }
        return new ReplicationStatus(pending, bytes, Optional.ofNullable(oldest).map(Instant::ofEpochMilli), done,
                dropped, Optional.ofNullable(reason), Optional.ofNullable(error));
    }
}
