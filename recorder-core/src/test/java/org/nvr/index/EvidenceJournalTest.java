package org.nvr.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evidence journal beside the index: every hold, release and audit line written through
 * {@link EvidenceLog} is in it, a torn last line is skipped (and the next append starts a new line),
 * text survives the round trip, and a replay into an empty index gives back the same rows and ids.
 */
class EvidenceJournalTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;

    @Test
    void holdsPlacedBeforeTheJournalExistedAreJournaledAtTheNextStartAndSurviveALostIndex() throws Exception {
        Path db = dir.resolve("index.db");
        LockRow hold;
        try (IndexWriter w = IndexWriter.open(db)) {
            hold = w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0, T0.plusSeconds(60), "old case", "ana", T0)).get();
        }
        Path journal = dir.resolve(EvidenceJournal.NAME);
        Files.delete(journal); // as an index written by a version without a journal
        try (IndexWriter w = IndexRecovery.openOrRebuild(db, java.time.Clock.systemUTC())) {
            assertTrue(w.lastRebuild().isEmpty());
        }
        assertEquals(1, Files.readAllLines(journal).size(), "seeded from the index");
        Files.delete(db);
        try (IndexWriter w = IndexRecovery.openOrRebuild(db, java.time.Clock.systemUTC())) {
            assertEquals("index.db is missing", w.lastRebuild().orElseThrow().cause());
        }
        try (Connection c = IndexDatabase.openForQueries(db)) {
            List<LockRow> back = EvidenceLog.activeHolds(c, "cam", Instant.EPOCH, T0.plusSeconds(3600));
            assertEquals(1, back.size());
            assertEquals(hold.id(), back.get(0).id());
            assertEquals(T0.minusSeconds(1), back.get(0).from(), "a second wider after a rebuild");
        }
    }

    @Test
    void holdsReleasesAndAuditComeBackFromTheJournalEvenAfterATornLine() throws Exception {
        Path db = dir.resolve("index.db");
        String reason = "vụ \"trộm\" xe\\máy\nsố 7/2026 \u2028 tab\t";
        try (IndexWriter w = IndexWriter.open(db)) {
            w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0, T0.plusSeconds(60), reason, "ana", T0)).get();
            w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(600), T0.plusSeconds(700), null, "bo", T0)).get();
            w.submit(c -> EvidenceLog.release(c, "cam", T0.plusSeconds(600), T0.plusSeconds(700), "chi",
                    T0.plusSeconds(5))).get();
            w.submit(c -> EvidenceLog.audit(c, new AuditEntry(null, T0, "ana", "export", "s", "cam", T0,
                    T0.plusSeconds(60), reason, "/tmp/out.mp4", "ab12", "1 segment"))).get();
        }
        Path journal = dir.resolve(EvidenceJournal.NAME);
        assertEquals(4, Files.readAllLines(journal).size());
        // A crash in the middle of an append tears the last line.
        Files.writeString(journal, "{\"type\":\"hold\",\"id\":9,\"site\":\"s\",\"cam", StandardOpenOption.APPEND);

        // The index is lost; a new one gets everything back.
        Path lost = dir.resolve("index.db.lost");
        Files.move(db, lost);
        Path fresh = dir.resolve("index.db");
        try (IndexWriter w = IndexWriter.open(fresh)) {
            EvidenceJournal.Replayed r = w.submit(c -> {
                try {
                    return EvidenceJournal.replay(fresh, c, Duration.ZERO);
                } catch (java.io.IOException e) {
                    throw new java.sql.SQLException(e);
                }
            }).get();
            assertEquals(new EvidenceJournal.Replayed(2, 1, 1, 1), r);
            // Appending after the torn line starts a new line: the next replay reads it.
            w.submit(c -> EvidenceLog.hold(c, "s", "cam", T0.plusSeconds(900), T0.plusSeconds(960), "later", "ana",
                    T0.plusSeconds(10))).get();
        }
        List<String> lines = Files.readAllLines(journal);
        assertTrue(lines.get(lines.size() - 1).startsWith("{\"type\":\"hold\",\"id\":3,"), lines.toString());
        try (Connection c = IndexDatabase.openForQueries(fresh);
             Connection old = IndexDatabase.openForQueries(lost)) {
            List<LockRow> all = EvidenceLog.activeHolds(c, null, Instant.EPOCH, T0.plusSeconds(3600));
            assertEquals(2, all.size());
            assertEquals(EvidenceLog.activeHolds(old, null, Instant.EPOCH, T0.plusSeconds(3600)), all.subList(0, 1));
            assertEquals(reason, all.get(0).reason());
            assertEquals(EvidenceLog.auditLog(old, null, Instant.EPOCH, T0.plusSeconds(3600)),
                    EvidenceLog.auditLog(c, null, Instant.EPOCH, T0.plusSeconds(3600)));
            try (var st = c.createStatement(); var rs = st.executeQuery(
                    "SELECT released_ms, released_by FROM locks WHERE id = 2")) {
                assertTrue(rs.next());
                assertEquals(T0.plusSeconds(5).toEpochMilli(), rs.getLong(1));
                assertEquals("chi", rs.getString(2));
            }
        }
        assertTrue(new String(Files.readAllBytes(journal), StandardCharsets.UTF_8).contains("\\u2028"));
    }
}
