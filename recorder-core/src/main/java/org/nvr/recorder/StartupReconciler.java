package org.nvr.recorder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.segment.Mp4Probe;
import org.nvr.segment.SegmentFinisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes what a crash or power cut left half done, before any camera records (see the invariant in
 * {@link IndexWriter}): an {@code open} segment is closed with what its file really holds (its flushed
 * fragments) or dropped when the file holds nothing; a {@code deleting} segment's file is removed and
 * its row dropped; runs and outages left open are ended at the last moment footage proves the
 * recorder was alive.
 *
 * <p>Runs once, on the starting thread.
 */
public final class StartupReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(StartupReconciler.class);

    /** What reconciliation did, for the log and for tests. */
    public record Report(int closed, int dropped, int deleted, int runsEnded) {
    }

    private StartupReconciler() {
    }

    public static Report reconcile(Path root, IndexWriter index) throws IndexException, InterruptedException {
        int closed = 0;
        int dropped = 0;
        int deleted = 0;
        for (SegmentRow row : query(index, q -> q.segmentsInState(SegmentState.OPEN))) {
            Path file = root.resolve(row.path());
            Optional<Mp4Probe.Contents> contents = Files.isRegularFile(file) ? Mp4Probe.probe(file) : Optional.empty();
            if (contents.isEmpty()) {
                LOG.warn("{}: segment {} left open by a crash holds no readable video; dropping it", row.camera(),
                        row.path());
                quarantine(root, file);
                wait(index.dropSegment(row.id()));
                dropped++;
                continue;
            }
            try {
                SegmentFinisher.Durable durable = SegmentFinisher.syncAndHash(file);
                Mp4Probe.Contents c = contents.get();
                // The footage cannot end after the file was last written: if the row's start was dated
                // late (the anchor had not settled yet), the file's modification time bounds it.
                Instant end = row.start().plus(c.duration());
                Instant written = Files.getLastModifiedTime(file).toInstant();
                Instant start = row.start();
                if (end.isAfter(written)) {
                    end = written;
                    start = written.minus(c.duration());
                }
                wait(index.closeSegment(row.id(), start, end, c.duration(), durable.bytes(), c.frames(),
                        durable.sha256()));
                LOG.info("{}: closed segment {} left open by a crash ({} s recovered)", row.camera(), row.path(),
                        c.duration().toMillis() / 1000.0);
                closed++;
            } catch (IOException e) {
                throw new IndexException("cannot reconcile " + file + ": " + e.getMessage(), e);
            }
        }
        for (SegmentRow row : query(index, q -> q.segmentsInState(SegmentState.DELETING))) {
            try {
                Files.deleteIfExists(root.resolve(row.path()));
            } catch (IOException e) {
                throw new IndexException("cannot finish deleting " + row.path() + ": " + e.getMessage(), e);
            }
            wait(index.dropSegment(row.id()));
            deleted++;
        }
        int runsEnded = wait(index.submit(c -> {
            // A run or outage still open belonged to a recorder that died: end it where its footage ends.
            int n;
            try (PreparedStatement ps = c.prepareStatement("""
                    UPDATE runs SET end_reason = 'crash',
                        start_ms = MIN(start_ms, COALESCE((SELECT MIN(start_ms) FROM segments s WHERE s.run_id = runs.id),
                                                          start_ms)),
                        end_ms = MAX(start_ms, COALESCE((SELECT MAX(end_ms) FROM segments s WHERE s.run_id = runs.id), 0))
                    WHERE end_ms IS NULL""")) {
                n = ps.executeUpdate();
            }
            long lastAlive = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COALESCE(MAX(updated_ms), 0) FROM camera_state"); ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    lastAlive = rs.getLong(1);
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE outages SET end_ms = MAX(start_ms, ?) WHERE end_ms IS NULL")) {
                ps.setLong(1, lastAlive);
                ps.executeUpdate();
            }
            return n;
        }));
        Report report = new Report(closed, dropped, deleted, runsEnded);
        if (closed + dropped + deleted + runsEnded > 0) {
            LOG.info("startup reconciliation: {}", report);
        }
        return report;
    }

    /** Moves an unreadable file aside rather than deleting what might still be evidence. */
    private static void quarantine(Path root, Path file) {
        if (!Files.exists(file)) {
            return;
        }
        try {
            if (Files.size(file) == 0) {
                Files.delete(file);
                return;
            }
            Path target = root.resolve("quarantine").resolve(root.relativize(file));
            Files.createDirectories(target.getParent());
            Files.move(file, target);
            LOG.warn("moved unreadable {} to {}", file, target);
        } catch (IOException e) {
            LOG.warn("cannot move unreadable {} aside: {}", file, e.getMessage());
        }
    }

    private interface Query<T> {
        T run(FootageQueries q) throws java.sql.SQLException;
    }

    private static <T> T query(IndexWriter index, Query<T> query) throws IndexException, InterruptedException {
        return wait(index.submit(c -> query.run(FootageQueries.over(c))));
    }

    private static <T> T wait(java.util.concurrent.CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IndexException("startup reconciliation failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
