package org.nvr.retention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.nvr.config.ByteSize;
import org.nvr.config.ConfigException;
import org.nvr.config.StorageConfig;

/**
 * Refuses a free-space floor that the footage filesystem can never offer: with {@code min_free_bytes} at
 * least the size of the disk, every pass would find the floor unreachable, and a recorder that chased it
 * would delete each segment as it closed. Checked before recording starts (and by {@code check-config}),
 * on the filesystem that holds the storage root, or the nearest existing folder above it, so that the
 * check writes nothing.
 *
 * <p>Stateless.
 */
public final class FreeSpaceFloor {
    private static final String KEY = "storage.retention.min_free_bytes";

    private FreeSpaceFloor() {
    }

    /** Throws naming {@code storage.retention.min_free_bytes} and the disk's size when the floor cannot be met. */
    public static void requireBelowDiskSize(StorageConfig storage) throws ConfigException {
        OptionalLong floor = storage.retention().minFreeBytes();
        if (floor.isEmpty()) {
            return;
        }
        Path existing = storage.root().toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return;
        }
        long total;
        try {
            total = Files.getFileStore(existing).getTotalSpace();
        } catch (IOException e) {
            return; // the recorder itself reports an unusable root, with its own message
        }
        if (total > 0 && floor.getAsLong() >= total) {
            throw new ConfigException(KEY, ByteSize.format(floor.getAsLong()) + " is not less than the size of the disk"
                    + " holding " + storage.root() + " (" + ByteSize.format(total) + "): retention could never keep that"
                    + " much free and would delete every segment as it closed");
        }
    }
}
