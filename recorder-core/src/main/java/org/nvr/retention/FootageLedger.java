package org.nvr.retention;

import java.time.Instant;
import java.util.Set;

/**
 * The running totals of closed footage that retention reads instead of rescanning the index, and keeps
 * current when it deletes (implemented by {@code org.nvr.daemon.StorageStats}, which also counts the
 * segments that close). Implementations are thread-safe.
 */
public interface FootageLedger {
    /** Cameras that have closed footage. */
    Set<String> cameras();

    /** Bytes of closed footage, all cameras. */
    long usedBytes();

    /** Bytes of closed footage of one camera. */
    long usedBytes(String camera);

    /** Start of the camera's oldest closed footage; null when it has none. */
    Instant oldest(String camera);

    /**
     * Retention deleted {@code bytes} of the camera's oldest footage.
     *
     * @param oldestLeft        start of the oldest closed footage left (null: none was left when asked)
     * @param newestDeletedStart start of the newest segment deleted, to tell a segment closed meanwhile
     *                          from what was deleted
     */
    void removed(String camera, long bytes, Instant oldestLeft, Instant newestDeletedStart);
}
