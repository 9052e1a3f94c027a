package org.nvr.retention;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.store.SegmentPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place footage is deleted, following the invariant written down in {@link IndexWriter}
 * (Moonfire's protocol):
 * <ol>
 *   <li><b>mark</b>: one transaction turns the batch's rows from {@code closed} to {@code deleting},
 *       skipping any row an active evidence hold covers by then (the check is inside the same statement,
 *       so a hold committed before the mark is always honoured) or that is no longer closed;</li>
 *   <li><b>unlink</b> each marked file;</li>
 *   <li><b>fsync</b> each directory that lost an entry, so the unlinks survive a power cut;</li>
 *   <li><b>drop</b>: one transaction deletes the rows.</li>
 * </ol>
 * A crash after step 1 leaves {@code deleting} rows; {@link #finishInterrupted()}, run by startup
 * reconciliation, repeats steps 2 to 4 for them. Batches are at most {@link #MAX_BATCH} rows, so the
 * index writer is never held for long and other work interleaves.
 *
 * <p>Called by one thread at a time (the retention thread, or the starting thread before recording).
 * Owns nothing.
 */
public final class SegmentDeleter {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentDeleter.class);
    /** Rows per transaction. */
    public static final int MAX_BATCH = 64;
    /** How long to wait for the index before giving up on a step (the work itself may still complete). */
    static final long INDEX_WAIT_SECONDS = 30;

    /**
     * SQL condition, on a row of {@code segments}, that no active evidence hold overlaps it and no copy of
     * it as evidence is still pending (a released hold's footage stays until its off-site copy is
     * verified, while replication is configured; see {@code org.nvr.replication}). Holds cover {@code [from_ms, to_ms)}, segments
     * {@code [start_ms, end_ms)}.
     */
    static final String UNLOCKED = """
            NOT EXISTS (SELECT 1 FROM locks l WHERE l.camera = segments.camera AND l.released_ms IS NULL
                        AND l.from_ms < segments.end_ms AND l.to_ms > segments.start_ms)
            AND NOT EXISTS (SELECT 1 FROM replication_queue q WHERE q.kind = 'segment' AND q.path = segments.path
                        AND q.held = 1 AND q.state = 'pending'
                        AND (SELECT enabled FROM replication_settings WHERE id = 1) = 1)""";

    /** A segment to delete, as retention selected it. */
    public record Target(long id, String site, String camera, String path, Instant start, long bytes) {
        static Target of(SegmentRow row) {
            return new Target(row.id(), row.site(), row.camera(), row.path(), row.start(), row.bytes());
        }
    }

    private static final java.time.format.DateTimeFormatter DAY =
            java.time.format.DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(java.time.ZoneOffset.UTC);

    private final Path root;
    private final IndexWriter index;

    public SegmentDeleter(Path root, IndexWriter index) {
        this.root = root;
        this.index = index;
    }

    /**
     * Deletes closed, unlocked segments.
     *
     * @return the segments whose files are gone (rows a hold now covers, or that changed state, are
     *         left alone; a file that cannot be unlinked keeps its {@code deleting} row for the next start)
     * @throws IndexException when the index cannot be written (see {@link IndexWriter#isDiskFull})
     */
    public List<Target> delete(List<Target> batch) throws IndexException, InterruptedException {
        if (batch.size() > MAX_BATCH) {
            throw new IllegalArgumentException("at most " + MAX_BATCH + " segments per batch");
        }
        if (batch.isEmpty()) {
            return List.of();
        }
        List<Target> marked = await(index.submit(c -> {
            List<Target> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE segments SET state = 'deleting' "
                    + "WHERE id = ? AND state = 'closed' AND " + UNLOCKED)) {
                for (Target t : batch) {
                    ps.setLong(1, t.id());
                    if (ps.executeUpdate() == 1) {
                        out.add(t);
                    }
                }
            }
            return out;
        }), "mark segments for deletion");
        return unlinkAndDrop(marked);
    }

    /** Finishes deletions a crash interrupted: every {@code deleting} row, in batches. */
    public int finishInterrupted() throws IndexException, InterruptedException {
        List<SegmentRow> rows = await(index.submit(c -> FootageQueries.over(c).segmentsInState(SegmentState.DELETING)),
                "find interrupted deletions");
        int done = 0;
        for (int i = 0; i < rows.size(); i += MAX_BATCH) {
            List<Target> batch = rows.subList(i, Math.min(rows.size(), i + MAX_BATCH)).stream().map(Target::of).toList();
            done += unlinkAndDrop(batch).size();
        }
        if (done > 0) {
            LOG.info("finished {} deletion(s) interrupted by a crash", done);
        }
        return done;
    }

    private List<Target> unlinkAndDrop(List<Target> marked) throws IndexException, InterruptedException {
        List<Target> gone = new ArrayList<>();
        Set<Path> dirs = new LinkedHashSet<>();
        for (Target t : marked) {
            Path file = root.resolve(t.path());
            try {
                Files.deleteIfExists(file);
                gone.add(t);
                dirs.add(file.getParent());
            } catch (IOException e) {
                LOG.error("{}: cannot delete {}: {}; it stays marked and is retried at the next start", t.camera(),
                        file, e.getMessage());
            }
        }
        for (Path dir : dirs) {
            try {
                SegmentPaths.fsyncDirectory(dir);
            } catch (NoSuchFileException e) {
                // the directory itself is gone: nothing left to make durable in it
            } catch (IOException e) {
                // The rows are dropped anyway: at worst a power cut brings a file back, and the next start
                // indexes it again. Never the other way round.
                LOG.warn("cannot sync directory {} after deleting footage: {}", dir, e.getMessage());
            }
        }
        if (!gone.isEmpty()) {
            await(index.submitUntilWritten(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM segments WHERE id = ? AND state = 'deleting'")) {
                    for (Target t : gone) {
                        ps.setLong(1, t.id());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            }), "drop deleted segments");
        }
        return gone;
    }

    /**
     * Removes the day directories ({@code footage/<site>/<camera>/YYYY/MM/DD}) of deleted segments once they are
     * empty, and then their month and year directories, so years of ring buffer do not leave thousands
     * of empty directories behind. Only days before {@code keepFrom} (the day of the camera's oldest
     * footage left) are touched: a camera never writes into those again, so no segment can be created
     * in a directory as it goes.
     */
    public void pruneEmptyDays(List<Target> deleted, Instant keepFrom) {
        String keepDay = DAY.format(keepFrom);
        Set<Path> days = new LinkedHashSet<>();
        for (Target t : deleted) {
            Path day = root.resolve(t.path()).getParent();
            String rel = root.resolve(SegmentPaths.FOOTAGE).relativize(day).toString();
            String[] parts = rel.split("/");
            if (parts.length == 5 && (parts[2] + "/" + parts[3] + "/" + parts[4]).compareTo(keepDay) < 0) {
                days.add(day);
            }
        }
        for (Path day : days) {
            Path dir = day;
            for (int level = 0; level < 3 && removeIfEmpty(dir); level++) {
                dir = dir.getParent();
            }
        }
    }

    private static boolean removeIfEmpty(Path dir) {
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        try {
            Files.delete(dir);
            SegmentPaths.fsyncDirectory(dir.getParent());
            return true;
        } catch (IOException e) {
            return false; // not empty after all, or already gone: either way, nothing to do
        }
    }

    private static <T> T await(CompletableFuture<T> f, String what) throws IndexException, InterruptedException {
        try {
            return f.get(INDEX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IndexException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IndexException("index did not " + what + " within " + INDEX_WAIT_SECONDS + " s", e);
        }
    }
}
