package org.nvr.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.index.IndexWriter;
import org.nvr.retention.FootageLedger;

/**
 * Running totals of the closed footage on disk: bytes used, overall and per camera, and each camera's
 * oldest footage. Read from the index once at start, then kept current by the events that change them
 * (a segment closed: {@link #added}; retention deleted: {@link #removed}), so neither the gauges nor
 * retention ever rescan ten million rows.
 *
 * <p>Thread-safe.
 */
public final class StorageStats implements FootageLedger {
    private final Path root;
    private final AtomicLong used = new AtomicLong();
    private final Map<String, AtomicLong> usedByCamera = new ConcurrentHashMap<>();
    private final Map<String, Instant> oldest = new ConcurrentHashMap<>();

    StorageStats(Path root) {
        this.root = root;
    }

    /** Loads the totals from the index (one aggregate query per start). */
    public static StorageStats load(Path root, IndexWriter index) throws Exception {
        StorageStats stats = new StorageStats(root);
        index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT camera, MIN(start_ms), SUM(bytes) FROM segments WHERE state = 'closed' GROUP BY camera");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stats.oldest.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
                    stats.usedByCamera.put(rs.getString(1), new AtomicLong(rs.getLong(3)));
                    stats.used.addAndGet(rs.getLong(3));
                }
            }
            return null;
        }).get();
        return stats;
    }

    void added(String camera, Instant start, long bytes) {
        used.addAndGet(bytes);
        usedByCamera.computeIfAbsent(camera, k -> new AtomicLong()).addAndGet(bytes);
        oldest.merge(camera, start, (a, b) -> a.isBefore(b) ? a : b);
    }

    @Override
    public void removed(String camera, long bytes, Instant oldestLeft, Instant newestDeletedStart) {
        used.addAndGet(-bytes);
        usedByCamera.computeIfAbsent(camera, k -> new AtomicLong()).addAndGet(-bytes);
        oldest.compute(camera, (k, current) -> {
            if (oldestLeft != null) {
                return oldestLeft;
            }
            // Nothing was left when retention asked; keep a start only if a segment closed since then.
            return current != null && current.isAfter(newestDeletedStart) ? current : null;
        });
    }

    @Override
    public Set<String> cameras() {
        return Set.copyOf(usedByCamera.keySet());
    }

    /** Bytes of closed footage. */
    @Override
    public long usedBytes() {
        return used.get();
    }

    @Override
    public long usedBytes(String camera) {
        AtomicLong v = usedByCamera.get(camera);
        return v == null ? 0 : v.get();
    }

    /** Free space for an unprivileged writer on the storage filesystem; -1 when it cannot be read. */
    public long freeBytes() {
        try {
            return Files.getFileStore(root).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Null when the camera has no footage. */
    @Override
    public Instant oldest(String camera) {
        return oldest.get(camera);
    }
}
