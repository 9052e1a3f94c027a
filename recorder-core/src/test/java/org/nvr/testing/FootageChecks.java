package org.nvr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nvr.daemon.IndexDiskComparison;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;

/** Assertions about a storage root once no recorder runs on it. */
public final class FootageChecks {
    private FootageChecks() {
    }

    /**
     * No row without its file, no segment file without its row, every row closed with the file's size,
     * and every file decodes cleanly (Debian's ffmpeg).
     *
     * @return the number of segment files checked
     */
    public static int assertIndexEqualsDiskAndEverythingDecodes(Path root) throws Exception {
        List<String> disagreements = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            IndexDiskComparison.compare(root, (after, limit) -> {
                try {
                    return q.segmentsAfterPath(after, limit);
                } catch (java.sql.SQLException e) {
                    throw new IndexException(e.getMessage(), e);
                }
            }, new IndexDiskComparison.Visitor() {
                @Override
                public void both(SegmentRow row, Path file) throws IOException {
                    files.add(file);
                    if (row.state() != SegmentState.CLOSED) {
                        disagreements.add(row.state() + " after stop: " + row.path());
                    } else if (Files.size(file) != row.bytes()) {
                        disagreements.add("size " + row.path() + ": " + row.bytes() + " indexed, " + Files.size(file));
                    }
                }

                @Override
                public void rowOnly(SegmentRow row) {
                    disagreements.add("no file for " + row.state() + " row " + row.path());
                }

                @Override
                public void fileOnly(String relativePath, Path file) {
                    disagreements.add("no row for " + relativePath);
                }
            });
        }
        assertEquals(List.of(), disagreements);
        assertFalse(files.isEmpty(), "no footage at all under " + root);
        for (Path f : files) {
            assertEquals(List.of(), MediaProbe.decodeErrors(f), f.toString());
        }
        return files.size();
    }
}
