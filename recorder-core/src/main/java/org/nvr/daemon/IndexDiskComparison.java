package org.nvr.daemon;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.nvr.index.EvidenceJournal;
import org.nvr.index.IndexException;
import org.nvr.index.SegmentRow;
import org.nvr.retention.DiskReserve;
import org.nvr.store.SegmentPaths;

/**
 * Lines up the segment files under the storage root with the segment rows of the index: both are
 * walked in path order (the files by a sorted directory walk, the rows a page at a time through the
 * unique index on {@code path}) and merged like two sorted lists. Memory stays bounded by one directory
 * listing and one page of rows; time is one pass over each, done by startup reconciliation and by
 * {@code nvr verify}, never by the recording daemon while it runs.
 *
 * <p>Only the footage tree ({@code <root>/footage}) is walked: the index, the quarantine folder, the
 * disk reserve and the lock file lie beside it. Only files in the segment layout ({@link SegmentPaths#parse})
 * are matched with rows; anything else found in the footage tree is handed to {@link Visitor#unexpected}.
 *
 * <p>Stateless; the visitor runs on the calling thread and may change the index as it goes (rows are
 * paged by key, so rows it adds or drops behind the walk do not disturb it).
 */
public final class IndexDiskComparison {
    /** Rows per page. */
    static final int PAGE = 1000;
    /** Depth of a segment's directory below the root: footage/site/camera/YYYY/MM/DD. */
    private static final int DAY_DEPTH = SegmentPaths.FILE_DEPTH - 1;

    /** Pages of segment rows in path order: those after {@code path} (null: from the first). */
    @FunctionalInterface
    public interface RowPages {
        List<SegmentRow> after(String path, int limit) throws IndexException, InterruptedException;
    }

    /** What the walk finds, in path order. */
    public interface Visitor {
        /** A row and its file. */
        void both(SegmentRow row, Path file) throws IOException, IndexException, InterruptedException;

        /** A row whose file is not on disk. */
        void rowOnly(SegmentRow row) throws IOException, IndexException, InterruptedException;

        /** A segment file no row describes. */
        void fileOnly(String relativePath, Path file) throws IOException, IndexException, InterruptedException;

        /**
         * Something in the footage tree that is not in the segment layout: a file (or a directory where a
         * segment file belongs), not descended into. Not in path order.
         */
        default void unexpected(String relativePath, Path path) throws IOException {
        }
    }

    /**
     * What the recorder keeps at the root besides the index ({@code index.db} and SQLite's files beside it,
     * all named {@code index.db*}): the footage tree, the quarantine, the disk reserve, the lock, the
     * evidence journal (and its seeding copy), a layout migration's plan, the configuration {@code nvr demo} writes, and a filesystem's {@code lost+found}
     * when the root is a mount point.
     */
    private static final Set<String> KEPT_AT_ROOT = Set.of(SegmentPaths.FOOTAGE, StartupReconciler.QUARANTINE,
            DiskReserve.NAME, StorageLock.NAME, EvidenceJournal.NAME, EvidenceJournal.NAME + ".seeding", LayoutMigration.PLAN, LayoutMigration.PLAN + ".tmp", "demo.yaml",
            "lost+found");
    private static final String INDEX = "index.db";

    private IndexDiskComparison() {
    }

    /**
     * True when {@code entry}, directly under the root, holds footage in the layout before the footage
     * tree, which the recorder's next start moves into it.
     */
    public static boolean isOldLayoutFootage(Path root, Path entry) throws IOException {
        return LayoutMigration.holdsOldFootage(root, entry.getFileName().toString());
    }

    /**
     * Entries at the root that are nothing the recorder keeps there (an export an operator saved, a copied
     * folder, footage of the layout before the footage tree not yet moved by a start), sorted.
     */
    public static List<Path> unexpectedAtRoot(Path root) throws IOException {
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (!KEPT_AT_ROOT.contains(name) && !name.startsWith(INDEX)) {
                    found.add(child);
                }
            }
        }
        found.sort(Comparator.naturalOrder());
        return found;
    }

    public static void compare(Path root, RowPages rows, Visitor visitor)
            throws IOException, IndexException, InterruptedException {
        SegmentFiles files = new SegmentFiles(root, visitor);
        String file = files.next();
        List<SegmentRow> page = rows.after(null, PAGE);
        int i = 0;
        while (true) {
            if (i == page.size() && page.size() == PAGE) {
                page = rows.after(page.get(PAGE - 1).path(), PAGE);
                i = 0;
                continue;
            }
            SegmentRow row = i < page.size() ? page.get(i) : null;
            if (row == null && file == null) {
                return;
            }
            // Paths are ASCII (ids, digits, 'T', 'Z'), so String order is SQLite's BINARY order.
            int cmp = row == null ? 1 : file == null ? -1 : row.path().compareTo(file);
            if (cmp == 0) {
                visitor.both(row, root.resolve(file));
                i++;
                file = files.next();
            } else if (cmp < 0) {
                visitor.rowOnly(row);
                i++;
            } else {
                visitor.fileOnly(file, root.resolve(file));
                file = files.next();
            }
        }
    }

    /**
     * Segment files in the order of their relative paths: a depth-first walk that sorts each directory
     * by {@code name + "/"} (a directory's entries sort as their paths do: {@code a-b/} before {@code a/}).
     */
    private static final class SegmentFiles {
        private record Entry(String relative, boolean directory, int depth) {
        }

        private final Path root;
        private final Visitor visitor;
        private final Deque<Iterator<Entry>> stack = new ArrayDeque<>();

        SegmentFiles(Path root, Visitor visitor) throws IOException {
            this.root = root;
            this.visitor = visitor;
            push(SegmentPaths.FOOTAGE, 1);
        }

        /** The next segment file's relative path, or null at the end. */
        String next() throws IOException {
            while (!stack.isEmpty()) {
                Iterator<Entry> it = stack.peek();
                if (!it.hasNext()) {
                    stack.pop();
                    continue;
                }
                Entry e = it.next();
                if (e.directory() && e.depth() <= DAY_DEPTH) {
                    push(e.relative(), e.depth());
                } else if (!e.directory() && SegmentPaths.parse(e.relative()).isPresent()) {
                    return e.relative();
                } else {
                    visitor.unexpected(e.relative(), root.resolve(e.relative()));
                }
            }
            return null;
        }

        private void push(String relative, int depth) throws IOException {
            Path dir = root.resolve(relative);
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            List<Entry> entries = new ArrayList<>();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    String name = child.getFileName().toString();
                    boolean isDir = Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
                    entries.add(new Entry(relative + "/" + name, isDir, depth + 1));
                }
            }
            entries.sort(Comparator.comparing(e -> e.directory() ? e.relative() + "/" : e.relative()));
            stack.push(entries.iterator());
        }
    }
}
