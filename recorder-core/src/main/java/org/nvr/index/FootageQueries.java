package org.nvr.index;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Read-only questions about footage, asked of its own connection (WAL: never blocks the daemon's
 * writer, works while it runs). Ranges are half-open {@code [from, to)} and match rows that overlap
 * them.
 *
 * <p>Not thread-safe: one instance per thread. Owns its connection.
 */
public final class FootageQueries implements AutoCloseable {
    /**
     * Segments are never longer than this, so a range query can bound {@code start_ms} from below and
     * use the {@code (camera, start_ms)} index instead of scanning a camera's whole history.
     */
    public static final Duration MAX_SEGMENT = Duration.ofHours(2);

    private static final String SEGMENT_COLUMNS = """
            id, run_id, site, camera, path, state, start_ms, end_ms, duration_ms, bytes, frames, video_codec,
            width, height, audio_codec, sha256""";

    private final Connection c;

    private FootageQueries(Connection c) {
        this.c = c;
    }

    public static FootageQueries open(Path index) throws IndexException {
        return new FootageQueries(IndexDatabase.openForQueries(index));
    }

    /** Wraps a connection the caller owns (tests, the writer thread). */
    public static FootageQueries over(Connection c) {
        return new FootageQueries(c);
    }

    /**
     * Segments of {@code camera} overlapping {@code [from, to)}, oldest first; open segments included: one
     * reaches to now (it is still being written), so it overlaps every range after its start.
     */
    public List<SegmentRow> segments(String camera, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SEGMENT_COLUMNS + """
                 FROM segments
                WHERE camera = ? AND start_ms >= ? AND start_ms < ? AND (end_ms IS NULL OR end_ms >= ?)
                  AND state != 'deleting'
                ORDER BY start_ms, id""")) {
            ps.setString(1, camera);
            ps.setLong(2, from.toEpochMilli() - MAX_SEGMENT.toMillis());
            ps.setLong(3, to.toEpochMilli());
            ps.setLong(4, from.toEpochMilli());
            List<SegmentRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    SegmentRow row = segment(rs);
                    if (row.end() == null || row.end().isAfter(from) || row.start().equals(from)) {
                        out.add(row);
                    }
                }
            }
            return out;
        }
    }

    /** Every segment row in the given state, oldest first (reconciliation, verify). */
    public List<SegmentRow> segmentsInState(SegmentState state) throws SQLException {
        // The state is a literal, not a parameter, so that SQLite can use the partial index on
        // unfinished rows (V3) for 'open' and 'deleting'.
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SEGMENT_COLUMNS
                + " FROM segments WHERE state = '" + state.sql() + "' ORDER BY start_ms, id")) {
            List<SegmentRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(segment(rs));
                }
            }
            return out;
        }
    }

    /**
     * Up to {@code limit} segment rows whose path sorts after {@code afterPath} (null: from the first), in
     * path order: pages through the whole index in short read transactions, for comparing it with the
     * files on disk.
     */
    public List<SegmentRow> segmentsAfterPath(String afterPath, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SEGMENT_COLUMNS
                + " FROM segments WHERE path > ? ORDER BY path LIMIT ?")) {
            ps.setString(1, afterPath == null ? "" : afterPath);
            ps.setInt(2, limit);
            List<SegmentRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(segment(rs));
                }
            }
            return out;
        }
    }

    /** The row of the segment stored at {@code path} (relative to the storage root), if any. */
    public Optional<SegmentRow> segmentAt(String path) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + SEGMENT_COLUMNS + " FROM segments WHERE path = ?")) {
            ps.setString(1, path);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(segment(rs)) : Optional.empty();
            }
        }
    }

    /**
     * The end of the newest footage of {@code camera}. A camera's segments do not overlap, so the newest
     * start has the newest end: one step down the {@code (camera, start_ms)} index instead of a scan of
     * the camera's whole history.
     */
    public Optional<Instant> lastFootageEnd(String camera) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT COALESCE(end_ms, start_ms) FROM segments WHERE camera = ? AND state != 'deleting'
                ORDER BY start_ms DESC LIMIT 1""")) {
            ps.setString(1, camera);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Instant.ofEpochMilli(rs.getLong(1))) : Optional.empty();
            }
        }
    }

    /**
     * When the recorder first did anything for {@code camera}: the earliest start of its runs, outages and
     * segments; empty if it never has. Three steps down the {@code (camera, start_ms)} indexes.
     */
    public Optional<Instant> firstActivity(String camera) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT MIN(m) FROM (SELECT MIN(start_ms) AS m FROM runs WHERE camera = ?
                 UNION ALL SELECT MIN(start_ms) FROM outages WHERE camera = ?
                 UNION ALL SELECT MIN(start_ms) FROM segments WHERE camera = ?)""")) {
            ps.setString(1, camera);
            ps.setString(2, camera);
            ps.setString(3, camera);
            try (ResultSet rs = ps.executeQuery()) {
                return Optional.ofNullable(rs.next() ? instant(rs, 1) : null);
            }
        }
    }

    /** Runs of {@code camera} overlapping {@code [from, to)}, oldest first. */
    public List<RunRow> runs(String camera, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, site, camera, start_ms, end_ms, end_reason, detail FROM runs
                WHERE camera = ? AND start_ms < ? AND (end_ms IS NULL OR end_ms > ?)
                ORDER BY start_ms, id""")) {
            ps.setString(1, camera);
            ps.setLong(2, to.toEpochMilli());
            ps.setLong(3, from.toEpochMilli());
            List<RunRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new RunRow(rs.getLong(1), rs.getString(2), rs.getString(3), instant(rs, 4),
                            instant(rs, 5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        }
    }

    /** Outages of {@code camera} overlapping {@code [from, to)}, oldest first. */
    public List<OutageRow> outages(String camera, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, site, camera, start_ms, end_ms, reason, detail FROM outages
                WHERE camera = ? AND start_ms < ? AND (end_ms IS NULL OR end_ms > ?)
                ORDER BY start_ms, id""")) {
            ps.setString(1, camera);
            ps.setLong(2, to.toEpochMilli());
            ps.setLong(3, from.toEpochMilli());
            List<OutageRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OutageRow(rs.getLong(1), rs.getString(2), rs.getString(3), instant(rs, 4),
                            instant(rs, 5), rs.getString(6), rs.getString(7)));
                }
            }
            return out;
        }
    }

    /** The video codec of the camera's latest recording run, as FFmpeg names it; empty when it never recorded. */
    public Optional<String> lastVideoCodec(String camera) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT video_codec FROM runs WHERE camera = ? AND video_codec IS NOT NULL ORDER BY start_ms DESC, id DESC LIMIT 1")) {
            ps.setString(1, camera);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /**
     * How the daemon last said it records each camera, by camera id. Empty for an index from before the
     * daemon published it.
     */
    public Map<String, CameraSourceRow> cameraSources() throws SQLException {
        Map<String, CameraSourceRow> out = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT camera, source, fallback FROM camera_source");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getString(1), new CameraSourceRow(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        } catch (SQLException e) {
            if (!String.valueOf(e.getMessage()).contains("no such table")) {
                throw e;
            }
        }
        return out;
    }

    public List<CameraStateRow> cameraStates() throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT site, camera, state, since_ms, reason, detail, updated_ms FROM camera_state ORDER BY site, camera");
             ResultSet rs = ps.executeQuery()) {
            List<CameraStateRow> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new CameraStateRow(rs.getString(1), rs.getString(2), rs.getString(3), instant(rs, 4),
                        rs.getString(5), rs.getString(6), instant(rs, 7)));
            }
            return out;
        }
    }

    static SegmentRow segment(ResultSet rs) throws SQLException {
        Long duration = nullableLong(rs, 9);
        return new SegmentRow(rs.getLong(1), nullableLong(rs, 2), rs.getString(3), rs.getString(4), rs.getString(5),
                SegmentState.fromSql(rs.getString(6)), instant(rs, 7), instant(rs, 8),
                duration == null ? null : Duration.ofMillis(duration), rs.getLong(10), nullableLong(rs, 11),
                rs.getString(12), nullableInt(rs, 13), nullableInt(rs, 14), rs.getString(15), rs.getString(16));
    }

    static Instant instant(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private static Long nullableLong(ResultSet rs, int col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? null : v;
    }

    private static Integer nullableInt(ResultSet rs, int col) throws SQLException {
        int v = rs.getInt(col);
        return rs.wasNull() ? null : v;
    }

    @Override
    public void close() {
        IndexDatabase.closeQuietly(c);
    }
}
