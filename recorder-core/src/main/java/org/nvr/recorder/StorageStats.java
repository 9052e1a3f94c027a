package org.nvr.recorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.index.IndexWriter;

/**
 * Running totals of the footage on disk: bytes used and each camera's oldest footage. Read from the
 * index once at start, then kept current by the events that change them (a segment closed, a segment
 * deleted), so the gauges never rescan ten million rows.
 *
 * <p>Thread-safe.
 */
public final class StorageStats {
    private final Path root;
    private final AtomicLong used = new AtomicLong();
    private final Map<String, Instant> oldest = new ConcurrentHashMap<>();

    StorageStats(Path root) {
        this.root = root;
    }

    /** Loads the totals from the index (one aggregate query per start). */
    static StorageStats load(Path root, IndexWriter index) throws Exception {
        StorageStats stats = new StorageStats(root);
        index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT camera, MIN(start_ms), SUM(bytes) FROM segments WHERE state = 'closed' GROUP BY camera");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stats.oldest.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
                    stats.used.addAndGet(rs.getLong(3));
                }
            }
            return null;
        }).get();
        return stats;
    }

    void added(String camera, Instant start, long bytes) {
        used.addAndGet(bytes);
        oldest.merge(camera, start, (a, b) -> a.isBefore(b) ? a : b);
    }

    /** Bytes of closed footage. */
    public long usedBytes() {
        return used.get();
    }

    /** Free space for an unprivileged writer on the storage filesystem. */
    public long freeBytes() {
        try {
            return Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Null when the camera has no footage. */
    public Instant oldest(String camera) {
        return oldest.get(camera);
    }
}
