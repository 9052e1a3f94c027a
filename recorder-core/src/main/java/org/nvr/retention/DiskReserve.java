package org.nvr.retention;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.nvr.store.SegmentPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file of zeros ({@code <root>/.nvr-reserve}) that holds a little disk space back for the index.
 * Deleting footage starts with a write to the index (the mark), and SQLite may need new pages for it;
 * when something else has filled the disk to the last byte, retention releases the reserve so that the
 * mark can be written and footage freed, then writes the reserve again once there is room.
 *
 * <p>Used by the retention thread only. Owns the file.
 */
public final class DiskReserve {
    private static final Logger LOG = LoggerFactory.getLogger(DiskReserve.class);
    public static final String NAME = ".nvr-reserve";

    private final Path file;
    private final long size;

    DiskReserve(Path root, long size) {
        this.file = root.resolve(NAME);
        this.size = size;
    }

    long size() {
        return size;
    }

    boolean present() {
        return size <= 0 || (Files.isRegularFile(file) && sizeOnDisk() >= size);
    }

    /** Writes the reserve if it is missing; false (and nothing left behind) when there is no room. */
    boolean create() {
        if (present()) {
            return true;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
            long written = 0;
            while (written < size) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - written));
                written += ch.write(zeros);
            }
            ch.force(true);
            SegmentPaths.fsyncDirectory(file.getParent());
            return true;
        } catch (IOException e) {
            LOG.debug("cannot write the index reserve yet: {}", e.getMessage());
            delete();
            return false;
        }
    }

    /** Deletes the reserve; true if there was one to give back. */
    boolean release() {
        if (size <= 0 || !Files.exists(file)) {
            return false;
        }
        delete();
        LOG.warn("disk full: released the {} byte index reserve so that retention can free space", size);
        return true;
    }

    private void delete() {
        try {
            Files.deleteIfExists(file);
            SegmentPaths.fsyncDirectory(file.getParent());
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", file, e.getMessage());
        }
    }

    private long sizeOnDisk() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }
}
