package org.nvr.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.store.SegmentPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the footage of a root written before the footage tree ({@code <root>/<site>/<camera>/...}) into
 * it ({@code <root>/footage/<site>/<camera>/...}), and the paths of its index rows with it. Runs at
 * start-up under the {@link StorageLock}, before reconciliation; does nothing on a root already in the
 * layout.
 *
 * <p>What is old footage is decided by the segment layout, not by configured ids: a directory
 * {@code <root>/<name>} whose files sit at {@code <name>/<camera>/YYYY/MM/DD/<UTC start>.mp4}, or that
 * index rows name that way. A site whose id was a name the recorder keeps at the root ({@code quarantine},
 * {@code footage}) shared that directory with it; there only the files at that depth are footage (a
 * quarantined file lies one level deeper, a new-layout segment too), and they are moved one by one.
 * Any other site directory is renamed whole (one atomic rename on the same filesystem).
 *
 * <p>Crash-safe: the names to move are written to {@value #PLAN} (fsynced) before anything moves; the
 * moves are made durable (directories fsynced) before the rows change, in one transaction; the plan is
 * removed last. Every step is idempotent, so a start after a crash at any point finishes the work. A
 * file that would land on an existing one stops the start with both named: nothing is overwritten.
 *
 * <p>Runs once, on the starting thread.
 */
final class LayoutMigration {
    private static final Logger LOG = LoggerFactory.getLogger(LayoutMigration.class);
    /** The migration's plan, at the root while it runs: one directory name a line. */
    static final String PLAN = ".nvr-layout-migration";
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    /** Names of directory levels of the old layout below the site: camera, year, month, day. */
    private static final Pattern[] LEVELS = {ID, Pattern.compile("\\d{4}"), Pattern.compile("\\d{2}"),
            Pattern.compile("\\d{2}")};
    /** Directories the recorder keeps at the root that an old site may have shared. */
    private static final Set<String> SHARED = Set.of(SegmentPaths.FOOTAGE, StartupReconciler.QUARANTINE);

    private LayoutMigration() {
    }

    /** Moves old-layout footage into the footage tree; returns the files and directories moved. */
    static int migrate(Path root, IndexWriter index) throws IndexException, InterruptedException {
        try {
            return run(root, index);
        } catch (IOException e) {
            throw new IndexException("cannot move old footage of " + root + " into " + root.resolve(SegmentPaths.FOOTAGE)
                    + ": " + e.getMessage() + " (nothing was lost; the next start continues)", e);
        }
    }

    private static int run(Path root, IndexWriter index) throws IOException, IndexException, InterruptedException {
        Path plan = root.resolve(PLAN);
        Set<String> names = new TreeSet<>();
        if (Files.exists(plan)) {
            Files.readAllLines(plan, StandardCharsets.UTF_8).stream().map(String::strip)
                    .filter(n -> ID.matcher(n).matches()).forEach(names::add);
            LOG.info("resuming the move of old footage into {} interrupted at the last start: {}",
                    root.resolve(SegmentPaths.FOOTAGE), names);
        }
        names.addAll(oldSitesOnDisk(root));
        names.addAll(await(index.submit(LayoutMigration::oldSitesInIndex)));
        if (names.isEmpty()) {
            return 0;
        }
        writePlan(root, plan, names);
        Path footage = root.resolve(SegmentPaths.FOOTAGE);
        if (!Files.isDirectory(footage)) {
            Files.createDirectories(footage);
            SegmentPaths.fsyncDirectory(root);
        }
        int moved = 0;
        for (String name : names) {
            moved += move(root, name);
        }
        int rows = await(index.submit(c -> {
            int n = 0;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE OR IGNORE segments SET path = ? || '/' || path
                    WHERE path >= ? AND path < ? AND length(path) - length(replace(path, '/', '')) = 5""")) {
                for (String name : names) {
                    ps.setString(1, SegmentPaths.FOOTAGE);
                    ps.setString(2, name + "/");
                    ps.setString(3, name + "0"); // '0' follows '/': the range is exactly the paths under name/
                    n += ps.executeUpdate();
                }
            }
            return n;
        }));
        Files.delete(plan);
        SegmentPaths.fsyncDirectory(root);
        if (moved + rows > 0) {
            LOG.warn("moved the footage of {} into {} ({} file(s) or folder(s) moved, {} index row(s) updated)",
                    names, footage, moved, rows);
        }
        return moved;
    }

    /** True when {@code <root>/<name>} holds footage in the layout before the footage tree. */
    static boolean holdsOldFootage(Path root, String name) throws IOException {
        return ID.matcher(name).matches() && Files.isDirectory(root.resolve(name), LinkOption.NOFOLLOW_LINKS)
                && !oldFiles(root, name, true).isEmpty();
    }

    /** Directories at the root holding at least one file in the old layout. */
    private static List<String> oldSitesOnDisk(Path root) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                if (holdsOldFootage(root, name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /**
     * Sites named by rows in the old layout (outside the footage tree): one index seek per site. Rows of
     * an old site named {@code footage} lie inside the tree's range; their files are found on disk.
     */
    private static Set<String> oldSitesInIndex(java.sql.Connection c) throws java.sql.SQLException {
        Set<String> names = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT path FROM segments WHERE path > ? ORDER BY path LIMIT 1")) {
            String after = "";
            while (true) {
                ps.setString(1, after);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return names;
                    }
                    String path = rs.getString(1);
                    int slash = path.indexOf('/');
                    String first = slash < 0 ? path : path.substring(0, slash);
                    if (!first.equals(SegmentPaths.FOOTAGE) && SegmentPaths.parseOld(path).isPresent()) {
                        names.add(first);
                    }
                    after = first + "0"; // past every path under first/
                }
            }
        }
    }

    /**
     * Files of {@code <root>/<name>} in the old layout, relative to the root, walking only directories
     * whose names fit it (so the footage tree itself costs a few listings); the first one only if
     * {@code firstOnly}.
     */
    private static List<String> oldFiles(Path root, String name, boolean firstOnly) throws IOException {
        List<String> found = new ArrayList<>();
        collect(root, name, 0, firstOnly, found);
        return found;
    }

    private static void collect(Path root, String relative, int level, boolean firstOnly, List<String> found)
            throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root.resolve(relative))) {
            for (Path child : children) {
                String rel = relative + "/" + child.getFileName();
                if (level < LEVELS.length) {
                    if (LEVELS[level].matcher(child.getFileName().toString()).matches()
                            && Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                        collect(root, rel, level + 1, firstOnly, found);
                    }
                } else if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS) && SegmentPaths.parseOld(rel).isPresent()) {
                    found.add(rel);
                }
                if (firstOnly && !found.isEmpty()) {
                    return;
                }
            }
        } catch (NoSuchFileException e) {
            // gone since it was listed: nothing to move
        }
    }

    /** Moves {@code <root>/<name>}'s old footage into the footage tree; idempotent. */
    private static int move(Path root, String name) throws IOException {
        Path source = root.resolve(name);
        if (!Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
            return 0; // moved at an earlier start, or rows whose files are gone (reconciliation drops them)
        }
        Path footage = root.resolve(SegmentPaths.FOOTAGE);
        Path target = footage.resolve(name);
        if (!SHARED.contains(name) && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
            SegmentPaths.fsyncDirectory(footage);
            SegmentPaths.fsyncDirectory(root);
            LOG.info("moved {} to {}", source, target);
            return 1;
        }
        // Shared with what the recorder keeps, or merged into a site folder already in the tree: file by file.
        List<String> files = oldFiles(root, name, false);
        Set<Path> dirs = new LinkedHashSet<>();
        for (String rel : files) {
            Path from = root.resolve(rel);
            Path to = footage.resolve(rel);
            if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("both " + from + " and " + to + " exist; move one of them out of the storage "
                        + "root, then start again");
            }
            SegmentPaths.createParents(root, to);
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            dirs.add(from.getParent());
            dirs.add(to.getParent());
        }
        for (Path dir : dirs) {
            SegmentPaths.fsyncDirectory(dir);
        }
        // Leave no empty old-layout folders behind; a shared folder itself stays.
        for (String rel : files) {
            Path dir = root.resolve(rel).getParent();
            Path stop = SHARED.contains(name) ? source : root;
            while (!dir.equals(stop) && removeIfEmpty(dir)) {
                dir = dir.getParent();
            }
        }
        if (!files.isEmpty()) {
            LOG.info("moved {} file(s) from {} into {}", files.size(), source, target);
        }
        return files.size();
    }

    private static boolean removeIfEmpty(Path dir) throws IOException {
        try {
            Files.delete(dir);
            SegmentPaths.fsyncDirectory(dir.getParent());
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            return false;
        }
    }

    private static void writePlan(Path root, Path plan, Set<String> names) throws IOException {
        Path tmp = root.resolve(PLAN + ".tmp");
        Files.write(tmp, names, StandardCharsets.UTF_8);
        try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, plan, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        SegmentPaths.fsyncDirectory(root);
    }

    private static <T> T await(CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IndexException("cannot move the index to the footage tree: " + e.getCause().getMessage(),
                    e.getCause());
        }
    }
}
