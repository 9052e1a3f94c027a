package org.nvr.index;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Evidence holds ({@code locks}) and the append-only {@code audit} log, as SQL over a connection the
 * caller owns. Writes are meant to run inside one transaction (for example through
 * {@link IndexWriter#submit}), so that a hold and the audit line that records it land together.
 *
 * <h2>What a hold means</h2>
 * A hold names a camera and a half-open range {@code [from, to)}. While it is active, every segment of
 * that camera overlapping the range, including footage recorded into the range after the hold was
 * placed, must not be deleted by retention: {@link #NOT_HELD} is the one predicate retention uses to
 * pick deletable segments. Releasing sets {@code released_ms}; rows are never deleted, so the history
 * of holds stays in the index next to the audit log.
 *
 * <p>{@link #release} releases the active holds of a camera that lie entirely inside the given range
 * (naming a wider range releases several, a narrower one releases none): a hold is never shortened
 * or split by an unlock, so footage another case still needs cannot be let go by accident.
 *
 * <p>Every hold, release and audit line is also appended to the {@link EvidenceJournal} beside the
 * index (row, then fsynced line, then the caller's commit), so that they survive the loss of the index.
 *
 * <p>Stateless; thread-safe as far as its connection is.
 */
public final class EvidenceLog {
    /**
     * SQL condition, true for a row of {@code segments} (aliased or named {@code segments}) that no
     * active hold covers. Retention must select only segments matching it. An open segment (no end yet)
     * counts as reaching to the end of time.
     */
    public static final String NOT_HELD = """
            NOT EXISTS (SELECT 1 FROM locks l
                         WHERE l.camera = segments.camera AND l.released_ms IS NULL
                           AND l.from_ms < COALESCE(segments.end_ms, 9223372036854775807)
                           AND l.to_ms > segments.start_ms)""";

    private static final String LOCK_COLUMNS =
            "id, site, camera, from_ms, to_ms, reason, created_ms, created_by, released_ms, released_by";

    private EvidenceLog() {
    }

    /** Places a hold and returns it with its id. */
    public static LockRow hold(Connection c, String site, String camera, Instant from, Instant to, String reason,
                               String user, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO locks (site, camera, from_ms, to_ms, reason, created_ms, created_by)
                VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
            ps.setString(1, site);
            ps.setString(2, camera);
            ps.setLong(3, from.toEpochMilli());
            ps.setLong(4, to.toEpochMilli());
            ps.setString(5, reason);
            ps.setLong(6, now.toEpochMilli());
            ps.setString(7, user);
            LockRow placed;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                placed = new LockRow(rs.getLong(1), site, camera, ms(from), ms(to), reason, ms(now), user, null, null);
            }
            EvidenceJournal.hold(c, placed);
            return placed;
        }
    }

    /** Releases the active holds of {@code camera} lying within {@code [from, to)}; returns them as released. */
    public static List<LockRow> release(Connection c, String camera, Instant from, Instant to, String user,
                                        Instant now) throws SQLException {
        List<LockRow> inside = new ArrayList<>();
        for (LockRow l : activeHolds(c, camera, from, to)) {
            if (!l.from().isBefore(ms(from)) && !l.to().isAfter(ms(to))) {
                inside.add(l);
            }
        }
        List<LockRow> released = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE locks SET released_ms = ?, released_by = ? WHERE id = ? AND released_ms IS NULL")) {
            for (LockRow l : inside) {
                ps.setLong(1, now.toEpochMilli());
                ps.setString(2, user);
                ps.setLong(3, l.id());
                if (ps.executeUpdate() == 1) {
                    LockRow r = new LockRow(l.id(), l.site(), l.camera(), l.from(), l.to(), l.reason(), l.created(),
                            l.createdBy(), ms(now), user);
                    EvidenceJournal.release(c, r);
                    released.add(r);
                }
            }
        }
        return released;
    }

    /** Releases the one active hold {@code id}; empty when there is none (unknown or already released). */
    public static Optional<LockRow> releaseOne(Connection c, long id, String user, Instant now) throws SQLException {
        LockRow l;
        try (PreparedStatement ps = c.prepareStatement("SELECT " + LOCK_COLUMNS
                + " FROM locks WHERE id = ? AND released_ms IS NULL")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                l = new LockRow(rs.getLong(1), rs.getString(2), rs.getString(3), FootageQueries.instant(rs, 4),
                        FootageQueries.instant(rs, 5), rs.getString(6), FootageQueries.instant(rs, 7),
                        rs.getString(8), FootageQueries.instant(rs, 9), rs.getString(10));
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE locks SET released_ms = ?, released_by = ? WHERE id = ? AND released_ms IS NULL")) {
            ps.setLong(1, now.toEpochMilli());
            ps.setString(2, user);
            ps.setLong(3, id);
            if (ps.executeUpdate() != 1) {
                return Optional.empty();
            }
        }
        LockRow r = new LockRow(l.id(), l.site(), l.camera(), l.from(), l.to(), l.reason(), l.created(), l.createdBy(),
                ms(now), user);
        EvidenceJournal.release(c, r);
        return Optional.of(r);
    }

    /** Active holds of {@code camera} overlapping {@code [from, to)}, oldest first; a null camera means all. */
    public static List<LockRow> activeHolds(Connection c, String camera, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + LOCK_COLUMNS + """
                 FROM locks WHERE released_ms IS NULL AND (? IS NULL OR camera = ?) AND from_ms < ? AND to_ms > ?
                ORDER BY from_ms, id""")) {
            ps.setString(1, camera);
            ps.setString(2, camera);
            ps.setLong(3, to.toEpochMilli());
            ps.setLong(4, from.toEpochMilli());
            List<LockRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LockRow(rs.getLong(1), rs.getString(2), rs.getString(3), FootageQueries.instant(rs, 4),
                            FootageQueries.instant(rs, 5), rs.getString(6), FootageQueries.instant(rs, 7),
                            rs.getString(8), FootageQueries.instant(rs, 9), rs.getString(10)));
                }
            }
            return out;
        }
    }

    /** Whether an active hold covers any part of {@code [start, end)} of {@code camera} (end null: open). */
    public static boolean held(List<LockRow> holds, String camera, Instant start, Instant end) {
        for (LockRow l : holds) {
            if (l.active() && l.camera().equals(camera) && (end == null || l.from().isBefore(end))
                    && l.to().isAfter(start)) {
                return true;
            }
        }
        return false;
    }

    /** Appends one audit line and returns its id. */
    public static long audit(Connection c, AuditEntry e) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit (at_ms, os_user, action, site, camera, from_ms, to_ms, reason, output, sha256, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""")) {
            ps.setLong(1, e.at().toEpochMilli());
            ps.setString(2, e.osUser());
            ps.setString(3, e.action());
            ps.setString(4, e.site());
            ps.setString(5, e.camera());
            setInstant(ps, 6, e.from());
            setInstant(ps, 7, e.to());
            ps.setString(8, e.reason());
            ps.setString(9, e.output());
            ps.setString(10, e.sha256());
            ps.setString(11, e.detail());
            long id;
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                id = rs.getLong(1);
            }
            EvidenceJournal.audit(c, id, e);
            return id;
        }
    }

    /** Audit lines with {@code at} in {@code [from, to)}, optionally of one camera, oldest first. */
    public static List<AuditEntry> auditLog(Connection c, String camera, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, at_ms, os_user, action, site, camera, from_ms, to_ms, reason, output, sha256, detail
                  FROM audit WHERE (? IS NULL OR camera = ?) AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id""")) {
            ps.setString(1, camera);
            ps.setString(2, camera);
            ps.setLong(3, from.toEpochMilli());
            ps.setLong(4, to.toEpochMilli());
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new AuditEntry(rs.getLong(1), FootageQueries.instant(rs, 2), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getString(6), FootageQueries.instant(rs, 7),
                            FootageQueries.instant(rs, 8), rs.getString(9), rs.getString(10), rs.getString(11),
                            rs.getString(12)));
                }
            }
            return out;
        }
    }

    private static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
        if (t == null) {
            ps.setNull(i, Types.INTEGER);
        } else {
            ps.setLong(i, t.toEpochMilli());
        }
    }

    /** The instant as the index stores it (milliseconds), so returned rows equal what a query reads back. */
    private static Instant ms(Instant t) {
        return Instant.ofEpochMilli(t.toEpochMilli());
    }
}
