package org.nvr.replication;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nvr.config.ReplicationConfig;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * {@code nvr verify --remote}: compares held footage and exports with the bucket. For every closed
 * segment an active hold covers, and every export and manifest in the queue: copied ones must be in the
 * bucket under their key with the index's size and {@code sha256} metadata (a HEAD each, nothing
 * downloaded); pending ones are counted; held segments not in the queue at all (a hold placed while
 * replication was off, queued at the daemon's next start) are reported. Runs on the caller's thread with
 * a read connection to the index; owns its S3 client for the call.
 */
public final class RemoteVerification {
    /** What was found: the disagreements, and how many objects were checked, pending or not queued. */
    public record Result(List<String> problems, int checked, int pending, int notQueued) {
    }

    private RemoteVerification() {
    }

    public static Result run(ReplicationConfig config, Connection c) throws SQLException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        int pending = 0;
        int notQueued = 0;
        ObjectKeys keys = new ObjectKeys(config.prefix());
        try (S3Store store = new S3Store(config, null);
             PreparedStatement ps = c.prepareStatement("""
                     SELECT 'segment', s.site, s.camera, s.start_ms, s.path, s.sha256, s.bytes, q.state
                     FROM segments s LEFT JOIN replication_queue q ON q.kind = 'segment' AND q.path = s.path
                     WHERE s.state = 'closed' AND EXISTS (SELECT 1 FROM locks l WHERE l.camera = s.camera
                         AND l.released_ms IS NULL AND l.from_ms < s.end_ms AND l.to_ms > s.start_ms)
                     UNION ALL
                     SELECT kind, site, camera, start_ms, path, sha256, bytes, state FROM replication_queue
                     WHERE kind IN ('export', 'manifest') AND state != 'dropped'
                     ORDER BY 2, 3, 4""");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                QueueItem item = new QueueItem(0, rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getString(5), rs.getString(6), true, 0, null);
                long bytes = rs.getLong(7);
                String state = rs.getString(8);
                String key = keys.of(item);
                if (state == null) {
                    notQueued++;
                    problems.add("NOT QUEUED " + item.path() + ": held but not in the replication queue (queued at the "
                            + "daemon's next start)");
                    continue;
                }
                if (!state.equals("done")) {
                    pending++;
                    continue;
                }
                checked++;
                Optional<S3Store.Head> head;
                try {
                    head = store.head(key);
                } catch (SdkException e) {
                    problems.add("REMOTE     " + key + ": " + ReplicationFailure.of(key, e).getMessage());
                    continue;
                }
                if (head.isEmpty()) {
                    problems.add("MISSING    " + key + ": copied but not in the bucket");
                } else if (head.get().size() != bytes) {
                    problems.add("SIZE       " + key + ": " + bytes + " bytes here, " + head.get().size() + " in the bucket");
                } else if (item.sha256() != null && !head.get().sha256Metadata().map(item.sha256()::equalsIgnoreCase)
                        .orElse(false)) {
                    problems.add("SHA256     " + key + ": the bucket's sha256 " + head.get().sha256Metadata().orElse("(none)")
                            + " is not the index's " + item.sha256());
                }
            }
        }
        return new Result(problems, checked, pending, notQueued);
    }
}
