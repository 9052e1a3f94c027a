package org.nvr.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.mp4.Mp4Probe;
import org.nvr.retention.SegmentDeleter;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentPaths;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes what a crash or power cut left half done, and makes the index agree with the disk, before
 * any camera records (see the invariant in {@link IndexWriter}). Footage of a root written before the
 * footage tree is first moved into it ({@link LayoutMigration}). Then:
 * <ol>
 *   <li>an {@code open} segment is closed with what its file really holds (a torn last fragment is cut
 *       off first), or dropped when the file holds no video (the file, if any, is quarantined);</li>
 *   <li>a {@code deleting} segment is finished by the {@link SegmentDeleter}, as retention would have;</li>
 *   <li>a closed row whose file is gone is removed, and logged;</li>
 *   <li>a segment file no row describes is indexed with what it holds, or moved to
 *       {@code <root>/quarantine/} when it holds no readable video;</li>
 *   <li>runs and outages left open are ended at the last moment footage proves the recorder alive.</li>
 * </ol>
 * Steps 3 and 4 walk every segment file and every row once ({@link IndexDiskComparison}); anything else
 * found in the footage tree is left where it is and logged ({@code nvr verify} reports it too).
 *
 * <p>Runs once, on the starting thread.
 */
public final class StartupReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(StartupReconciler.class);
    /** Where unreadable files go, under the root, beside the footage tree. */
    public static final String QUARANTINE = "quarantine";

    /**
     * What reconciliation did, for the log and for tests.
     *
     * @param closed      open segments closed with what their file holds
     * @param dropped     open segments dropped (no video in the file)
     * @param deleted     interrupted deletions finished
     * @param runsEnded   runs ended as crashed
     * @param missing     closed rows removed because their file was gone
     * @param indexed     files without a row that were indexed
     * @param quarantined files without a row that held no readable video
     */
    public record Report(int closed, int dropped, int deleted, int runsEnded, int missing, int indexed, int quarantined) {
        boolean anything() {
            return closed + dropped + deleted + runsEnded + missing + indexed + quarantined > 0;
        }
    }

    private StartupReconciler() {
    }

    public static Report reconcile(Path root, IndexWriter index) throws IndexException, InterruptedException {
        long started = System.nanoTime();
        LayoutMigration.migrate(root, index);
        int closed = 0;
        int dropped = 0;
        for (SegmentRow row : query(index, q -> q.segmentsInState(SegmentState.OPEN))) {
            Path file = root.resolve(row.path());
            try {
                // The footage cannot end after the file was last written (read before the torn tail is cut):
                // if the row's start was dated late (the anchor had not settled yet), that bounds it.
                Instant written = Files.isRegularFile(file) ? Files.getLastModifiedTime(file).toInstant() : null;
                Optional<SegmentFinisher.Recovered> recovered = Files.isRegularFile(file)
                        ? SegmentFinisher.recoverNow(file) : Optional.empty();
                if (recovered.isEmpty()) {
                    LOG.warn("{}: segment {} left open by a crash holds no readable video; dropping it", row.camera(),
                            row.path());
                    quarantine(root, file);
                    await(index.dropSegment(row.id()));
                    dropped++;
                    continue;
                }
                Mp4Probe.Contents c = recovered.get().contents();
                SegmentFinisher.Durable durable = recovered.get().durable();
                Instant start = row.start();
                Instant end = start.plus(c.duration());
                if (written != null && end.isAfter(written) && firstOfItsRun(index, row)) {
                    // only a run's first segment can be dated late (its anchor may not have settled);
                    // later ones start where the previous one ended, and must stay contiguous with it
                    end = written;
                    start = written.minus(c.duration());
                }
                await(index.closeSegment(row.id(), start, end, c.duration(), durable.bytes(), c.frames(),
                        durable.sha256()));
                LOG.info("{}: closed segment {} left open by a crash ({} s recovered{})", row.camera(), row.path(),
                        c.duration().toMillis() / 1000.0, recovered.get().tornBytes() > 0
                                ? ", a torn fragment of " + recovered.get().tornBytes() + " bytes cut off" : "");
                closed++;
            } catch (IOException e) {
                throw new IndexException("cannot reconcile " + file + ": " + e.getMessage(), e);
            }
        }
        int deleted = new SegmentDeleter(root, index).finishInterrupted();
        int[] disk = compareWithDisk(root, index);
        int runsEnded = endOpenRunsAndOutages(index);
        Report report = new Report(closed, dropped, deleted, runsEnded, disk[0], disk[1], disk[2]);
        if (report.anything()) {
            LOG.info("startup reconciliation: {} ({} ms)", report, (System.nanoTime() - started) / 1_000_000);
        }
        return report;
    }

    /** Steps 3 and 4; returns {missing, indexed, quarantined}. */
    private static int[] compareWithDisk(Path root, IndexWriter index) throws IndexException, InterruptedException {
        int[] counts = new int[3];
        List<String> unexpected = new ArrayList<>();
        try {
            IndexDiskComparison.compare(root, (after, limit) -> query(index, q -> q.segmentsAfterPath(after, limit)),
                    new IndexDiskComparison.Visitor() {
                        @Override
                        public void both(SegmentRow row, Path file) {
                            // agreement; sizes and hashes are for `nvr verify`, not for every start
                        }

                        @Override
                        public void rowOnly(SegmentRow row) throws IndexException, InterruptedException {
                            LOG.warn("{}: footage {} ({} to {}) is indexed but its file is gone; removing the row",
                                    row.camera(), row.path(), row.start(), row.end());
                            await(index.dropSegment(row.id()));
                            counts[0]++;
                        }

                        @Override
                        public void fileOnly(String relativePath, Path file)
                                throws IOException, IndexException, InterruptedException {
                            if (indexStray(root, relativePath, file, index)) {
                                counts[1]++;
                            } else {
                                counts[2]++;
                            }
                        }

                        @Override
                        public void unexpected(String relativePath, Path path) {
                            unexpected.add(relativePath);
                        }
                    });
        } catch (IOException e) {
            throw new IndexException("cannot compare the index with " + root + ": " + e.getMessage(), e);
        }
        if (!unexpected.isEmpty()) {
            LOG.warn("{} thing(s) in {} are not footage in its layout and are left alone (e.g. {}); `nvr verify` "
                    + "lists them", unexpected.size(), root.resolve(SegmentPaths.FOOTAGE), unexpected.get(0));
        }
        return counts;
    }

    /** Indexes a segment file that has no row; false when it was quarantined instead. */
    private static boolean indexStray(Path root, String relativePath, Path file, IndexWriter index)
            throws IOException, IndexException, InterruptedException {
        SegmentPaths.Parsed name = SegmentPaths.parse(relativePath).orElseThrow();
        Optional<SegmentFinisher.Recovered> recovered = SegmentFinisher.recoverNow(file);
        if (recovered.isEmpty()) {
            LOG.warn("{}: {} has no row and holds no readable video", name.camera(), relativePath);
            quarantine(root, file);
            return false;
        }
        Mp4Probe.Contents c = recovered.get().contents();
        SegmentFinisher.Durable durable = recovered.get().durable();
        long id = await(index.openSegment(null, name.site(), name.camera(), relativePath, name.start(), c.videoCodec(),
                c.width() > 0 ? c.width() : null, c.height() > 0 ? c.height() : null, null));
        await(index.closeSegment(id, name.start().plus(c.duration()), c.duration(), durable.bytes(), c.frames(),
                durable.sha256()));
        LOG.warn("{}: indexed {} found on disk without a row ({} s)", name.camera(), relativePath,
                c.duration().toMillis() / 1000.0);
        return true;
    }

    private static int endOpenRunsAndOutages(IndexWriter index) throws IndexException, InterruptedException {
        return await(index.submit(c -> {
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
    }

    private static boolean firstOfItsRun(IndexWriter index, SegmentRow row) throws IndexException, InterruptedException {
        if (row.runId() == null) {
            return true;
        }
        return await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM segments WHERE run_id = ? AND start_ms < ? AND id != ?")) {
                ps.setLong(1, row.runId());
                ps.setLong(2, row.start().toEpochMilli());
                ps.setLong(3, row.id());
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() && rs.getLong(1) == 0;
                }
            }
        }));
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
            Path target = root.resolve(QUARANTINE).resolve(root.relativize(file));
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
        return await(index.submit(c -> query.run(FootageQueries.over(c))));
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IndexException("startup reconciliation failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
