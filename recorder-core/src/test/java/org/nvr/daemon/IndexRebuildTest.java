package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.camera.CameraState;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceJournal;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexWriter;
import org.nvr.index.LockRow;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * A lost index never stops recording and never loses an evidence hold. At start after an unclean stop, a
 * corrupt, truncated, empty or missing {@code index.db} is moved aside (kept), rebuilt from the footage on disk and the
 * evidence journal, and said so in a metric; the holds of the old index still keep footage from
 * retention. While recording, a deleted {@code index.db} turns the recorder unhealthy within seconds and
 * is recreated with everything in it, the camera recording throughout.
 */
class IndexRebuildTest {
    private static final Duration SEGMENT = Duration.ofSeconds(1);

    static RtspCameraSimulator sim;
    /** Footage of camera a, with a hold on its first two segments and an audit line, recorded once. */
    static Path template;
    static Set<String> templateFiles;
    static LockRow hold;
    static Set<String> heldFiles;
    List<SegmentRow> rebuiltRows;

    @TempDir
    Path dir;

    @BeforeAll
    static void recordFootageWithAHold(@TempDir Path shared) throws Exception {
        sim = new RtspCameraSimulator();
        sim.addCamera("a", SyntheticClip.generate(320, 240, 25, 25, 50, 300_000));
        sim.start();
        template = shared.resolve("template");
        try (Recorder recorder = Recorder.start(config(template, Retention.NONE), Recorder.Options.defaults())) {
            Poll.until(Duration.ofSeconds(30), "four closed segments", () -> closed(template).size() >= 4);
            List<SegmentRow> first = closed(template).subList(0, 2);
            hold = holdAndAudit(template, first.get(0).start(), first.get(1).end().minusMillis(1));
        }
        try (FootageQueries q = FootageQueries.open(template.resolve("index.db"))) {
            List<SegmentRow> all = q.segments("a", Instant.EPOCH, Instant.now().plusSeconds(60));
            templateFiles = all.stream().map(SegmentRow::path).collect(Collectors.toCollection(TreeSet::new));
            heldFiles = all.stream().filter(s -> s.start().isBefore(hold.to()) && s.end().isAfter(hold.from()))
                    .map(SegmentRow::path).collect(Collectors.toSet());
        }
        assertEquals(2, heldFiles.size());
        assertTrue(Files.exists(template.resolve(EvidenceJournal.NAME)), "holds and audit are journaled");
    }

    @AfterAll
    static void stopSimulator() {
        if (sim != null) {
            sim.close();
        }
    }

    enum Damage {
        GARBAGE, TRUNCATED, EMPTY, DELETED
    }

    @ParameterizedTest
    @EnumSource(Damage.class)
    void aLostIndexIsRebuiltFromTheFootageAndTheJournalAndRecordingGoesOn(Damage damage) throws Exception {
        Path root = dir.resolve("root");
        copy(template, root);
        // Damage comes with a power cut: the lock file as a kill leaves it (no clean stop), so the start checks.
        Files.writeString(root.resolve(StorageLock.NAME), "4242\n");
        Path db = root.resolve("index.db");
        byte[] original = Files.readAllBytes(db);
        switch (damage) {
            case GARBAGE -> Files.write(db, new java.util.Random(7).ints(64 * 1024, 0, 256)
                    .collect(java.io.ByteArrayOutputStream::new, (o, b) -> o.write(b), (x, y) -> { }).toByteArray());
            case TRUNCATED -> {
                try (var ch = java.nio.channels.FileChannel.open(db, StandardOpenOption.WRITE)) {
                    ch.truncate(original.length / 2);
                }
            }
            case EMPTY -> Files.write(db, new byte[0]);
            case DELETED -> Files.delete(db);
        }
        byte[] damaged = Files.exists(db) ? Files.readAllBytes(db) : null;

        try (RecorderMetrics metrics = new RecorderMetrics();
             Recorder recorder = Recorder.start(config(root, Retention.NONE),
                     Recorder.Options.defaults().withMetrics(metrics))) {
            Poll.until(Duration.ofSeconds(30), "a new segment recorded after the rebuild",
                    () -> closed(root).stream().anyMatch(s -> !templateFiles.contains(s.path())));
            assertEquals(1.0, metric(metrics.scrape(), "nvr_index_rebuilds_total"));
            assertTrue(recorder.index().lastRebuild().isPresent());
            assertTrue(recorder.healthy());
        }

        if (damaged != null) {
            List<Path> kept;
            try (Stream<Path> files = Files.list(root)) {
                kept = files.filter(p -> p.getFileName().toString().startsWith("index.db.corrupt-")
                        && !p.getFileName().toString().endsWith("-wal") && !p.getFileName().toString().endsWith("-shm"))
                        .toList();
            }
            assertEquals(1, kept.size(), "the damaged index is kept aside: " + kept);
            assertTrue(java.util.Arrays.equals(damaged, Files.readAllBytes(kept.get(0))), "kept as it was");
        }
        try (FootageQueries q = FootageQueries.open(db); Connection c = IndexDatabase.openForQueries(db)) {
            List<SegmentRow> all = q.segments("a", Instant.EPOCH, Instant.now().plusSeconds(60));
            rebuiltRows = all;
            Set<String> paths = all.stream().map(SegmentRow::path).collect(Collectors.toSet());
            assertTrue(paths.containsAll(templateFiles), "the old footage is indexed again: " + paths);
            List<RunRow> runs = q.runs("a", Instant.EPOCH, Instant.now().plusSeconds(60));
            assertFalse(runs.isEmpty(), "runs derived");
            SegmentRow firstOld = all.stream().filter(s -> templateFiles.contains(s.path())).findFirst().orElseThrow();
            assertTrue(runs.stream().anyMatch(r -> !r.start().isAfter(firstOld.start()) && r.end() != null
                    && !r.end().isBefore(firstOld.end())), "a run covers the old footage: " + runs);
            List<LockRow> holds = EvidenceLog.activeHolds(c, "a", Instant.EPOCH, Instant.now());
            LockRow widened = new LockRow(hold.id(), hold.site(), hold.camera(), hold.from().minusSeconds(1), hold.to(),
                    hold.reason(), hold.created(), hold.createdBy(), null, null);
            assertEquals(List.of(widened), holds, "the hold is back, with its id, a second wider (names give seconds)");
            List<AuditEntry> audit = EvidenceLog.auditLog(c, null, Instant.EPOCH, Instant.now());
            assertEquals(1, audit.size());
            assertEquals("lock", audit.get(0).action());
        }

        // The holds of the lost index protect footage in the new one: retention down to one byte keeps them.
        Retention tiny = new Retention(OptionalLong.of(1), OptionalLong.empty(), Optional.empty());
        try (RecorderMetrics metrics = new RecorderMetrics();
             Recorder recorder = Recorder.start(config(root, tiny), Recorder.Options.defaults().withMetrics(metrics))) {
            assertEquals(0.0, metric(metrics.scrape(), "nvr_index_rebuilds_total"),
                    "a sound index is not rebuilt");
            for (String f : heldFiles) {
                assertTrue(Files.exists(root.resolve(f)), f + " is held; hold " + hold + "; rebuilt " + rebuiltRows);
            }
            // Unheld footage goes (the segment after the hold may stay: it starts in the hold's last second).
            List<String> farFromTheHold = List.copyOf(templateFiles).subList(templateFiles.size() - 2, templateFiles.size());
            for (String f : farFromTheHold) {
                assertFalse(Files.exists(root.resolve(f)), f + " is not held; hold " + hold + "; rebuilt " + rebuiltRows);
            }
        }
        FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(root);
    }

    @Test
    void indexDeletedWhileRecordingIsNoticedAndRecreatedWithoutLosingAnything() throws Exception {
        Path root = dir.resolve("live");
        try (RecorderMetrics metrics = new RecorderMetrics();
             Recorder recorder = Recorder.start(config(root, Retention.NONE),
                     Recorder.Options.defaults().withMetrics(metrics))) {
            Poll.until(Duration.ofSeconds(30), "two closed segments", () -> closed(root).size() >= 2);
            List<SegmentRow> first = closed(root);
            LockRow placed = holdAndAudit(root, first.get(0).start(), first.get(0).end());
            for (String f : new String[] {"index.db", "index.db-wal", "index.db-shm"}) {
                Files.deleteIfExists(root.resolve(f));
            }
            long deleted = System.nanoTime();
            Poll.until(Duration.ofSeconds(3), "unhealthy once index.db is gone", () -> !recorder.healthy());
            System.out.printf("noticed after %d ms: %s%n", (System.nanoTime() - deleted) / 1_000_000,
                    recorder.index().notWritable().orElse(""));
            Poll.until(Duration.ofSeconds(10), "index.db recreated",
                    () -> recorder.healthy() && recorder.index().rebuilds() == 1 && Files.exists(root.resolve("index.db")));
            assertEquals(1.0, metric(metrics.scrape(), "nvr_index_rebuilds_total"));
            int before = first.size();
            Poll.until(Duration.ofSeconds(30), "two more segments indexed in the new file",
                    () -> closed(root).size() >= before + 2);
            assertTrue(recorder.statuses().stream().allMatch(s -> s.current() == CameraState.RECORDING));
            try (Connection c = IndexDatabase.openForQueries(root.resolve("index.db"))) {
                assertEquals(List.of(placed), EvidenceLog.activeHolds(c, "a", Instant.EPOCH, Instant.now()));
            }
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<SegmentRow> all = q.segments("a", Instant.EPOCH, Instant.now().plusSeconds(60));
            Set<Long> runs = all.stream().map(SegmentRow::runId).collect(Collectors.toSet());
            assertEquals(1, runs.size(), "one run throughout: " + all);
            for (int i = 1; i < all.size(); i++) {
                assertEquals(all.get(i - 1).end(), all.get(i).start(), "no gap at " + all.get(i).path());
            }
            long frames = 0;
            for (SegmentRow s : all) {
                assertEquals(MediaProbe.videoPackets(root.resolve(s.path())).size(), s.frames(), s.path());
                frames += s.frames();
            }
            Duration recorded = Duration.between(all.get(0).start(), all.get(all.size() - 1).end());
            assertTrue(Math.abs(frames - recorded.toMillis() * 25 / 1000) <= 2, frames + " frames in " + recorded);
        }
        FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(root);
    }

    /** A hold and its audit line, placed as {@code nvr footage lock} does, from a writer of its own. */
    private static LockRow holdAndAudit(Path root, Instant from, Instant to) throws Exception {
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            return w.submit(c -> {
                LockRow h = EvidenceLog.hold(c, "site", "a", from, to, "case 7/2026", "ana", Instant.now());
                EvidenceLog.audit(c, new AuditEntry(null, Instant.now(), "ana", "lock", "site", "a", from, to,
                        "case 7/2026", null, null, "hold #" + h.id()));
                return h;
            }).get();
        }
    }

    static double metric(String scrape, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^" + java.util.regex.Pattern.quote(name) + " (\\S+)$",
                java.util.regex.Pattern.MULTILINE).matcher(scrape);
        if (!m.find()) {
            throw new AssertionError("no sample " + name + " in\n" + scrape);
        }
        return Double.parseDouble(m.group(1));
    }

    private static NvrConfig config(Path root, Retention retention) {
        return TestCameras.config(root, SEGMENT, retention, TestCameras.camera("a", "site", sim.url("a")));
    }

    private static List<SegmentRow> closed(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments("a", Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(s -> s.state() == SegmentState.CLOSED).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES); // as a restore keeps it
                }
            }
        }
    }
}
