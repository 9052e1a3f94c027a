package org.nvr.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the daemon's index, and when it is lost puts a new one in its place instead of refusing to
 * start (under {@code Restart=always} a refusal would loop forever, recording nothing).
 *
 * <p>Lost means: {@code index.db} is not a database or is corrupt (SQLite's {@code SQLITE_NOTADB} or
 * {@code SQLITE_CORRUPT} on open, or, when asked to, {@code PRAGMA quick_check} finds damage), is empty (0 bytes), or is
 * missing while its {@link EvidenceJournal} (written at the first start, {@link EvidenceJournal#seed})
 * or a {@code -wal} exists. A damaged file is moved aside, with its {@code -wal}
 * and {@code -shm}, to {@code index.db.corrupt-<UTC>}: kept, never deleted. Then a fresh index gets the
 * schema and the journal's holds and audit log back ({@link EvidenceJournal#replay}, each hold widened by
 * {@link #NAME_PRECISION}); the caller's startup
 * reconciliation indexes every segment file on disk, and {@link #deriveRuns} groups contiguous footage
 * into recording runs again. What is gone for good: outages, camera states and the reasons runs ended.
 *
 * <p>{@code quick_check} reads every page (about 12 s for ten million rows), so the daemon asks for it only
 * when the last stop was not clean (a kill, a crash, a power cut: see {@code StorageLock}); SQLite's
 * journal keeps a cleanly closed file whole. {@code nvr verify} runs it whenever asked.
 *
 * <p>Runs on the starting thread, before anything records.
 */
public final class IndexRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(IndexRecovery.class);
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_NOTADB = 26;
    /**
     * How precisely a rebuilt index places footage: a segment file's name gives its start to the second.
     * A rebuilt segment may therefore sit up to this much earlier than it really was, so replayed holds
     * start this much earlier too, and still cover all they covered (and perhaps a second more).
     */
    static final Duration NAME_PRECISION = Duration.ofSeconds(1);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * One rebuild of the index.
     *
     * @param at      when it was rebuilt
     * @param cause   what was wrong with the old one
     * @param movedTo where the damaged file was moved, null when there was none to keep
     */
    public record Rebuild(Instant at, String cause, Path movedTo) {
    }

    private IndexRecovery() {
    }

    /** {@link #openOrRebuild(Path, Clock, boolean)} with {@code PRAGMA quick_check}. */
    public static IndexWriter openOrRebuild(Path path, Clock clock) throws IndexException, InterruptedException {
        return openOrRebuild(path, clock, true);
    }

    /**
     * Opens the index at {@code path}, rebuilding it (see the class comment) when it is lost; the writer's
     * {@link IndexWriter#lastRebuild()} then says so.
     *
     * @param quickCheck whether to run {@code PRAGMA quick_check} (after an unclean stop); without it only
     *                   the first page is read, which finds a file that is not a database
     */
    public static IndexWriter openOrRebuild(Path path, Clock clock, boolean quickCheck)
            throws IndexException, InterruptedException {
        String lost = null;
        boolean damaged = false;
        if (Files.exists(path) && size(path) == 0) {
            lost = "index.db is empty (0 bytes)";
            damaged = true;
        } else if (!Files.exists(path) && (Files.exists(EvidenceJournal.of(path)) || Files.exists(sibling(path, "-wal"))
                || Files.exists(sibling(path, "-shm")))) {
            lost = "index.db is missing";
        } else if (Files.exists(path)) {
            lost = quickCheck ? quickCheck(path) : openCheck(path);
            damaged = lost != null;
        }
        if (lost == null) {
            IndexWriter index = IndexWriter.open(path);
            try {
                int seeded = await(index.submit(c -> {
                    try {
                        return EvidenceJournal.seed(path, c);
                    } catch (IOException e) {
                        throw new SQLException("cannot write " + EvidenceJournal.of(path) + ": " + e.getMessage(), e);
                    }
                }));
                if (seeded >= 0) {
                    LOG.info("{} written with the index's {} hold and audit line(s)", EvidenceJournal.NAME, seeded);
                }
            } catch (IndexException e) {
                // Not worth refusing to record for (a full disk, say): the first hold or audit line seeds it.
                LOG.warn("cannot write {} yet: {}", EvidenceJournal.NAME, e.getMessage());
            } catch (InterruptedException | RuntimeException e) {
                index.close();
                throw e;
            }
            return index;
        }
        Instant now = clock.instant();
        Path movedTo = moveAside(path, now, damaged);
        LOG.error("{}{}; rebuilding the index from the footage on disk and {}", lost,
                movedTo == null ? "" : " (kept as " + movedTo.getFileName() + ")", EvidenceJournal.NAME);
        IndexWriter index = IndexWriter.open(path);
        try {
            EvidenceJournal.Replayed replayed = await(index.submit(c -> {
                try {
                    return EvidenceJournal.replay(path, c, NAME_PRECISION);
                } catch (IOException e) {
                    throw new SQLException("cannot read " + EvidenceJournal.of(path) + ": " + e.getMessage(), e);
                }
            }));
            LOG.info("{}: {} hold(s), {} release(s) and {} audit line(s) put back into the new index{}",
                    EvidenceJournal.NAME, replayed.holds(), replayed.releases(), replayed.audit(),
                    replayed.skipped() > 0 ? ", " + replayed.skipped() + " unreadable line(s) skipped" : "");
        } catch (IndexException | InterruptedException | RuntimeException e) {
            index.close();
            throw e;
        }
        index.rebuilt(new Rebuild(now, lost, movedTo));
        return index;
    }

    /** Why the index at {@code path} cannot be used after an unclean stop, or null when it can. */
    private static String quickCheck(Path path) throws IndexException {
        LOG.info("the last stop was not clean: checking {} (PRAGMA quick_check)", path);
        long began = System.nanoTime();
        String problem = check(path, "PRAGMA quick_check", false);
        LOG.info("{} checked in {} ms: {}", path.getFileName(), (System.nanoTime() - began) / 1_000_000,
                problem == null ? "ok" : problem);
        return problem;
    }

    /** Why the index at {@code path} cannot be opened, or null when it can: reads its first page only. */
    private static String openCheck(Path path) throws IndexException {
        return check(path, "SELECT count(*) FROM sqlite_master", false);
    }

    /**
     * Whether {@code PRAGMA quick_check} finds the index at {@code path} whole: null when it does, else
     * what is wrong. For {@code nvr verify}; reads every page, and writes nothing.
     */
    public static String quickCheckOnly(Path path) throws IndexException {
        return check(path, "PRAGMA quick_check", true);
    }

    /**
     * Runs {@code sql}, whose first column is "ok" (quick_check) or a number, on a fresh connection: a
     * query-only one when {@code readOnly}, else the writer's (which applies migrations).
     */
    private static String check(Path path, String sql, boolean readOnly) throws IndexException {
        try (Connection c = readOnly ? IndexDatabase.openForQueries(path) : IndexDatabase.open(path);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            String first = rs.next() ? rs.getString(1) : "no answer";
            return "ok".equals(first) || !sql.startsWith("PRAGMA") ? null
                    : "index.db is corrupt (quick_check: " + first + ")";
        } catch (IndexException | SQLException e) {
            if (isCorrupt(e)) {
                return "index.db is corrupt (" + e.getMessage() + ")";
            }
            throw e instanceof IndexException ie ? ie
                    : new IndexException("cannot check index " + path + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code t} or a cause is SQLite saying the file is not a database or is corrupt. */
    public static boolean isCorrupt(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s) {
                int code = s.getErrorCode() & 0xff;
                String m = String.valueOf(s.getMessage());
                if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB || m.contains("SQLITE_CORRUPT")
                        || m.contains("SQLITE_NOTADB") || m.contains("malformed") || m.contains("not a database")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Moves {@code index.db} (when {@code keepMain}) and any {@code -wal} and {@code -shm} beside it to
     * {@code index.db.corrupt-<UTC>}; a WAL left by another file must never be applied to a new one.
     * Returns where the main file went, or null.
     */
    static Path moveAside(Path path, Instant now, boolean keepMain) throws IndexException {
        Path target = path.resolveSibling(path.getFileName() + ".corrupt-" + STAMP.format(now));
        for (int n = 2; Files.exists(target); n++) {
            target = path.resolveSibling(path.getFileName() + ".corrupt-" + STAMP.format(now) + "-" + n);
        }
        Path moved = null;
        try {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Path from = path.resolveSibling(path.getFileName() + suffix);
                if (Files.exists(from) && (keepMain || !suffix.isEmpty())) {
                    Path to = target.resolveSibling(target.getFileName() + suffix);
                    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                    if (suffix.isEmpty()) {
                        moved = to;
                    }
                }
            }
            IndexRecovery.fsyncDirectory(path.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new IndexException("cannot move the damaged index " + path + " aside: " + e.getMessage(), e);
        }
        return moved;
    }

    /**
     * After a rebuild, groups each camera's closed segments that have no run into runs: a run is footage
     * with no hole longer than {@code tolerance}. Its end reason is {@code unknown}: the old one was lost.
     * Returns the number of runs written. Runs inside the caller's transaction.
     */
    public static int deriveRuns(Connection c, Duration tolerance) throws SQLException {
        int runs = 0;
        try (PreparedStatement select = c.prepareStatement("""
                SELECT id, site, camera, start_ms, end_ms, video_codec, width, height, audio_codec FROM segments
                 WHERE run_id IS NULL AND state = 'closed' AND end_ms IS NOT NULL ORDER BY camera, start_ms, id""");
             PreparedStatement insert = c.prepareStatement("""
                INSERT INTO runs (site, camera, start_ms, end_ms, end_reason, detail, video_codec, width, height,
                                  audio_codec)
                VALUES (?, ?, ?, ?, 'unknown', 'derived from contiguous footage when the index was rebuilt',
                        ?, ?, ?, ?) RETURNING id""");
             PreparedStatement assign = c.prepareStatement(
                     "UPDATE segments SET run_id = ? WHERE camera = ? AND run_id IS NULL AND state = 'closed'"
                             + " AND start_ms >= ? AND end_ms <= ?");
             ResultSet rs = select.executeQuery()) {
            Run current = null;
            java.util.List<Run> done = new java.util.ArrayList<>();
            while (rs.next()) {
                String camera = rs.getString(3);
                long start = rs.getLong(4);
                long end = rs.getLong(5);
                if (current != null && current.camera.equals(camera) && start - current.end <= tolerance.toMillis()) {
                    current.end = Math.max(current.end, end);
                    continue;
                }
                current = new Run(rs.getString(2), camera, start, end, rs.getString(6), (Integer) rs.getObject(7),
                        (Integer) rs.getObject(8), rs.getString(9));
                done.add(current);
            }
            for (Run r : done) {
                insert.setString(1, r.site);
                insert.setString(2, r.camera);
                insert.setLong(3, r.start);
                insert.setLong(4, r.end);
                insert.setString(5, r.videoCodec);
                insert.setObject(6, r.width);
                insert.setObject(7, r.height);
                insert.setString(8, r.audioCodec);
                long id;
                try (ResultSet ids = insert.executeQuery()) {
                    ids.next();
                    id = ids.getLong(1);
                }
                assign.setLong(1, id);
                assign.setString(2, r.camera);
                assign.setLong(3, r.start);
                assign.setLong(4, r.end);
                assign.executeUpdate();
                runs++;
            }
        }
        return runs;
    }

    private static final class Run {
        final String site;
        final String camera;
        final long start;
        long end;
        final String videoCodec;
        final Integer width;
        final Integer height;
        final String audioCodec;

        Run(String site, String camera, long start, long end, String videoCodec, Integer width, Integer height,
            String audioCodec) {
            this.site = site;
            this.camera = camera;
            this.start = start;
            this.end = end;
            this.videoCodec = videoCodec;
            this.width = width;
            this.height = height;
            this.audioCodec = audioCodec;
        }
    }

    private static Path sibling(Path path, String suffix) {
        return path.resolveSibling(path.getFileName() + suffix);
    }

    /** Makes a rename or a new file in {@code dir} durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir,
                java.nio.file.StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    private static long size(Path path) throws IndexException {
        try {
            return Files.size(path);
        } catch (IOException e) {
            throw new IndexException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            throw new IndexException("cannot rebuild the index: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
