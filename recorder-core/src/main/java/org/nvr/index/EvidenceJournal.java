package org.nvr.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second copy of the evidence holds and the audit log, outside SQLite: {@code evidence.journal}
 * next to {@code index.db}, one JSON object per line, appended and fsynced, never rewritten. When the
 * index is lost (corrupt, deleted) it is rebuilt from the footage on disk, and {@link #replay} puts the
 * holds and the audit log back from here, with their ids, so retention never deletes held footage.
 *
 * <h2>Order of writes</h2>
 * {@link EvidenceLog} writes the row first (inside the caller's transaction, which gives the id), then
 * appends and fsyncs the line, and only then does the caller commit. So every committed hold or audit
 * line is in the journal; a journal that cannot be written fails the transaction (nothing half done).
 * The one way the two can differ is a commit that fails after the line was written: then the journal
 * holds a line the index does not. It only matters after a rebuild, and errs on the safe side (a hold
 * that keeps footage, shown by {@code footage locks} and releasable). SQLite gives a rolled-back id to
 * the next row, so on replay a later line with the same id replaces the earlier one.
 *
 * <p>The daemon's start writes the journal from the index when there is none yet ({@link #seed}: the
 * first start, or the first after an upgrade from a version without one), and so does the first append
 * that finds none, so that no hold exists only in SQLite.
 *
 * <p>Lines: {@code {"type":"hold", "id", "site", "camera", "from_ms", "to_ms", "reason", "created_ms",
 * "created_by"}}, {@code {"type":"release", "id", "released_ms", "released_by"}} and {@code {"type":"audit",
 * "id", "at_ms", "os_user", "action", "site", "camera", "from_ms", "to_ms", "reason", "output", "sha256",
 * "detail"}}. A torn last line (a crash mid-append) is skipped with a warning, never fatal; an append
 * after it starts on a new line.
 *
 * <p>Appends come from inside SQLite write transactions, so SQLite's write lock orders them across the
 * daemon and the CLI. Stateless; thread-safe.
 */
public final class EvidenceJournal {
    private static final Logger LOG = LoggerFactory.getLogger(EvidenceJournal.class);
    public static final String NAME = "evidence.journal";

    /** What a replay put back. */
    public record Replayed(int holds, int releases, int audit, int skipped) {
        public int total() {
            return holds + releases + audit;
        }
    }

    private EvidenceJournal() {
    }

    /** The journal of the index at {@code indexPath}. */
    public static Path of(Path indexPath) {
        return indexPath.toAbsolutePath().resolveSibling(NAME);
    }

    static void hold(Connection c, LockRow h) throws SQLException {
        append(c, holdLine(h));
    }

    private static Map<String, Object> holdLine(LockRow h) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "hold");
        line.put("id", h.id());
        line.put("site", h.site());
        line.put("camera", h.camera());
        line.put("from_ms", h.from().toEpochMilli());
        line.put("to_ms", h.to().toEpochMilli());
        line.put("reason", h.reason());
        line.put("created_ms", h.created().toEpochMilli());
        line.put("created_by", h.createdBy());
        return line;
    }

    static void release(Connection c, LockRow h) throws SQLException {
        append(c, releaseLine(h));
    }

    private static Map<String, Object> releaseLine(LockRow h) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "release");
        line.put("id", h.id());
        line.put("camera", h.camera());
        line.put("released_ms", h.released().toEpochMilli());
        line.put("released_by", h.releasedBy());
        return line;
    }

    static void audit(Connection c, long id, AuditEntry e) throws SQLException {
        append(c, auditLine(id, e));
    }

    private static Map<String, Object> auditLine(long id, AuditEntry e) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "audit");
        line.put("id", id);
        line.put("at_ms", e.at().toEpochMilli());
        line.put("os_user", e.osUser());
        line.put("action", e.action());
        line.put("site", e.site());
        line.put("camera", e.camera());
        line.put("from_ms", e.from() == null ? null : e.from().toEpochMilli());
        line.put("to_ms", e.to() == null ? null : e.to().toEpochMilli());
        line.put("reason", e.reason());
        line.put("output", e.output());
        line.put("sha256", e.sha256());
        line.put("detail", e.detail());
        return line;
    }

    /**
     * Writes the journal of the index at {@code indexPath} from the holds and audit lines {@code c} reads,
     * when there is none yet: at the daemon's first start, and the first start after an upgrade from a
     * version without a journal, whose holds would otherwise exist only in SQLite. Written to a temporary
     * file and renamed, so that a crash leaves either no journal (seeded again) or a whole one. Returns
     * the lines written, or -1 when a journal was there already.
     */
    public static int seed(Path indexPath, Connection c) throws SQLException, IOException {
        Path file = of(indexPath);
        if (Files.exists(file)) {
            return -1;
        }
        StringBuilder out = new StringBuilder();
        int lines = 0;
        List<LockRow> holds = new java.util.ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT id, site, camera, from_ms, to_ms, reason, created_ms, created_by, released_ms, released_by"
                        + " FROM locks ORDER BY id")) {
            while (rs.next()) {
                holds.add(new LockRow(rs.getLong(1), rs.getString(2), rs.getString(3), FootageQueries.instant(rs, 4),
                        FootageQueries.instant(rs, 5), rs.getString(6), FootageQueries.instant(rs, 7),
                        rs.getString(8), FootageQueries.instant(rs, 9), rs.getString(10)));
            }
        }
        for (LockRow h : holds) {
            out.append(JsonLine.write(holdLine(h))).append('\n');
            lines++;
        }
        for (LockRow h : holds) {
            if (h.released() != null) {
                out.append(JsonLine.write(releaseLine(h))).append('\n');
                lines++;
            }
        }
        for (AuditEntry e : EvidenceLog.auditLog(c, null, java.time.Instant.ofEpochMilli(Long.MIN_VALUE),
                java.time.Instant.ofEpochMilli(Long.MAX_VALUE))) {
            out.append(JsonLine.write(auditLine(e.id(), e))).append('\n');
            lines++;
        }
        Path tmp = file.resolveSibling(NAME + ".seeding");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        IndexRecovery.fsyncDirectory(file.getParent());
        return lines;
    }

    /** Appends one line to the journal beside the database {@code c} writes to, and fsyncs it. */
    private static void append(Connection c, Map<String, Object> line) throws SQLException {
        Path db = databaseFile(c);
        Path file = of(db);
        byte[] bytes = (JsonLine.write(line) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            // No journal yet (never seeded, or its seeding at start failed): seed it now, or older holds would
            // never be in it. The seed reads this transaction's own row too, so that is all there is to write.
            if (seed(db, c) >= 0) {
                return;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long size = ch.size();
                ByteBuffer buf;
                if (size > 0 && !endsWithNewline(ch, size)) {
                    buf = ByteBuffer.allocate(bytes.length + 1).put((byte) '\n').put(bytes).flip();
                } else {
                    buf = ByteBuffer.wrap(bytes);
                }
                long at = size;
                while (buf.hasRemaining()) {
                    at += ch.write(buf, at);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new SQLException("cannot append to the evidence journal " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean endsWithNewline(FileChannel ch, long size) throws IOException {
        ByteBuffer last = ByteBuffer.allocate(1);
        ch.read(last, size - 1);
        return last.get(0) == '\n';
    }

    private static Path databaseFile(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA database_list")) {
            while (rs.next()) {
                if ("main".equals(rs.getString("name"))) {
                    String file = rs.getString("file");
                    if (file == null || file.isEmpty()) {
                        throw new SQLException("the index has no file, so no evidence journal can go beside it");
                    }
                    return Path.of(file);
                }
            }
        }
        throw new SQLException("the index has no main database");
    }

    /**
     * Puts the holds, their releases and the audit lines of the journal beside {@code indexPath} into the
     * (rebuilt) index {@code c}, with their ids, in one transaction the caller owns. Each hold starts
     * {@code widen} earlier than it was placed: the footage of a rebuilt index is placed only as precisely
     * as its files' names say, and a hold must still cover every segment it covered. Lines that cannot be
     * read (a torn last line) are skipped with a warning.
     */
    public static Replayed replay(Path indexPath, Connection c, java.time.Duration widen)
            throws SQLException, IOException {
        Path file = of(indexPath);
        if (!Files.exists(file)) {
            return new Replayed(0, 0, 0, 0);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        int holds = 0;
        int releases = 0;
        int audit = 0;
        int skipped = 0;
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i);
            if (text.isBlank()) {
                continue;
            }
            Map<String, Object> line;
            try {
                line = JsonLine.read(text);
            } catch (IllegalArgumentException e) {
                LOG.warn("{} line {}: skipped, unreadable ({}){}", file, i + 1, e.getMessage(),
                        i == lines.size() - 1 ? "; a crash while it was written tears the last line" : "");
                skipped++;
                continue;
            }
            switch (String.valueOf(line.get("type"))) {
                case "hold" -> {
                    if (line.get("from_ms") instanceof Long from) {
                        line.put("from_ms", from - widen.toMillis());
                    }
                    exec(c, "INSERT OR REPLACE INTO locks (id, site, camera, from_ms, to_ms, reason, created_ms,"
                            + " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", line, "id", "site", "camera", "from_ms",
                            "to_ms", "reason", "created_ms", "created_by");
                    holds++;
                }
                case "release" -> {
                    exec(c, "UPDATE locks SET released_ms = ?, released_by = ? WHERE id = ?", line, "released_ms",
                            "released_by", "id");
                    releases++;
                }
                case "audit" -> {
                    // A reused id (a failed commit) replaces the earlier line, as for holds. REPLACE fires no
                    // delete trigger (recursive_triggers is off), so the append-only triggers do not object.
                    exec(c, "INSERT OR REPLACE INTO audit (id, at_ms, os_user, action, site, camera, from_ms, to_ms,"
                            + " reason, output, sha256, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", line, "id",
                            "at_ms", "os_user", "action", "site", "camera", "from_ms", "to_ms", "reason", "output",
                            "sha256", "detail");
                    audit++;
                }
                default -> {
                    LOG.warn("{} line {}: skipped, unknown type {}", file, i + 1, line.get("type"));
                    skipped++;
                }
            }
        }
        return new Replayed(holds, releases, audit, skipped);
    }

    private static void exec(Connection c, String sql, Map<String, Object> line, String... keys) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < keys.length; i++) {
                Object v = line.get(keys[i]);
                if (v == null) {
                    ps.setNull(i + 1, Types.NULL);
                } else if (v instanceof Long l) {
                    ps.setLong(i + 1, l);
                } else {
                    ps.setString(i + 1, v.toString());
                }
            }
            ps.executeUpdate();
        }
    }
}
