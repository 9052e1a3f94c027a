package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evidence holds and the audit log on a real index: what retention may delete, what unlock releases. */
class EvidenceLogTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    IndexWriter w;
    List<Long> seg = new ArrayList<>();

    @BeforeEach
    void sixMinutes() throws Exception {
        w = IndexWriter.open(dir.resolve("index.db"));
        for (int i = 0; i < 6; i++) {
            Instant s = T0.plusSeconds(60L * i);
            long id = w.openSegment(null, "s", "cam", "cam/" + i + ".mp4", s, "h264", 1, 1, null).get();
            if (i < 5) {
                w.closeSegment(id, s.plusSeconds(60), Duration.ofSeconds(60), 10, 1L, "ab").get();
            }
            seg.add(id);
        }
        w.openSegment(null, "s", "other", "other/0.mp4", T0, "h264", 1, 1, null).get();
    }

    List<Long> deletable() throws Exception {
        return w.submit(c -> ids(c, "SELECT id FROM segments WHERE camera = 'cam' AND " + EvidenceLog.NOT_HELD
                + " ORDER BY start_ms")).get();
    }

    static List<Long> ids(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<Long> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
            return out;
        }
    }

    @Test
    void aHoldKeepsEverySegmentItOverlapsIncludingTheOpenOne() throws Exception {
        // 07:01:30 to 07:02:10 touches segments 1 and 2
        w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(90), T0.plusSeconds(130), "case", "ana", T0)).get();
        assertEquals(List.of(seg.get(0), seg.get(3), seg.get(4), seg.get(5)), deletable());
        // a hold reaching into the future keeps the segment still being written
        w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(400), T0.plusSeconds(9000), null, "ana", T0)).get();
        assertEquals(List.of(seg.get(0), seg.get(3), seg.get(4)), deletable());
        // holds of another camera change nothing; a hold ending where a segment starts does not hold it
        w.submit(c -> EvidenceLog.hold(c, "s", "other", T0, T0.plusSeconds(9000), null, "ana", T0)).get();
        w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.minusSeconds(60), T0, null, "ana", T0)).get();
        assertEquals(List.of(seg.get(0), seg.get(3), seg.get(4)), deletable());
    }

    @Test
    void unlockReleasesOnlyHoldsInsideTheRangeAndKeepsTheirHistory() throws Exception {
        LockRow a = w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(60), T0.plusSeconds(120), "a", "ana", T0)).get();
        LockRow b = w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(100), T0.plusSeconds(300), "b", "ana", T0)).get();
        List<LockRow> none = w.submit(c -> EvidenceLog.release(c, "cam", T0.plusSeconds(61), T0.plusSeconds(299), "bo",
                T0.plusSeconds(5))).get();
        assertEquals(List.of(), none, "a range that cuts into a hold releases nothing of it");
        List<LockRow> released = w.submit(c -> EvidenceLog.release(c, "cam", T0.plusSeconds(30), T0.plusSeconds(200),
                "bo", T0.plusSeconds(5))).get();
        assertEquals(List.of(a.id()), released.stream().map(LockRow::id).toList());
        assertEquals("bo", released.get(0).releasedBy());
        List<LockRow> active = w.submit(c -> EvidenceLog.activeHolds(c, "cam", Instant.EPOCH, T0.plusSeconds(9999))).get();
        assertEquals(List.of(b.id()), active.stream().map(LockRow::id).toList());
        assertEquals(2L, (long) w.submit(c -> ids(c, "SELECT id FROM locks").size()).get().intValue());
    }

    @Test
    void theAuditLogIsAppendOnly() throws Exception {
        long id = w.submit(c -> EvidenceLog.audit(c, new AuditEntry(null, T0, "ana", "export", "s", "cam", T0,
                T0.plusSeconds(60), "case 1", "/tmp/x.mp4", "ab12", "ok"))).get();
        List<AuditEntry> log = w.submit(c -> EvidenceLog.auditLog(c, null, Instant.EPOCH, T0.plusSeconds(1))).get();
        assertEquals(1, log.size());
        assertEquals(id, log.get(0).id().longValue());
        assertEquals("ab12", log.get(0).sha256());
        var update = assertThrows(java.util.concurrent.ExecutionException.class, () -> w.submit(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate("UPDATE audit SET sha256 = 'ff'");
            }
        }).get());
        assertTrue(update.getCause().getMessage().contains("append-only"), update.getCause().getMessage());
        assertThrows(java.util.concurrent.ExecutionException.class, () -> w.submit(c -> {
            try (Statement st = c.createStatement()) {
                return st.executeUpdate("DELETE FROM audit");
            }
        }).get());
    }

    @org.junit.jupiter.api.AfterEach
    void close() {
        w.close();
    }
}
