package org.nvr.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.Retention;
import org.nvr.daemon.StorageStats;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.retention.RetentionPolicy.Breach;
import org.nvr.retention.RetentionPolicy.Warning;
import org.nvr.store.SegmentPaths;

/**
 * The enforcer against a real index and real files (of known sizes, not video: retention never reads
 * them), with a clock and a free-space reading the test sets. Passes are run directly, no timers.
 */
class RetentionEnforcerTest {
    private static final int KB = 1000;
    private static final Instant T0 = Instant.parse("2026-11-29T00:00:00Z");
    private static final Duration SEG = Duration.ofSeconds(2);

    @TempDir
    Path root;

    IndexWriter index;
    RecorderMetrics metrics;
    MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    StorageStats stats;

    @BeforeEach
    void open() throws Exception {
        index = IndexWriter.open(root.resolve("index.db"));
        metrics = new RecorderMetrics();
        metrics.camera("site", "a"); // as the recorder registers every configured camera
        metrics.camera("site", "b");
    }

    @AfterEach
    void close() {
        index.close();
        metrics.close();
    }

    @Test
    void aHighBitrateCameraLosesItsOldestFootageAndTheOtherKeepsItsShare() throws Exception {
        List<Long> a = segments("a", 20, 100 * KB);
        List<Long> b = segments("b", 5, 100 * KB);
        RetentionEnforcer enforcer = enforcer(limits(1200L * KB, null, null), Map.of(), () -> -1);

        RetentionEnforcer.Report report = enforcer.runPass();

        // budget 1.2 MB, two cameras: b (500 kB) is within its 600 kB share and keeps everything; a keeps 700 kB.
        assertEquals(13, report.deletedSegments());
        assertEquals(a.subList(13, 20), ids("a"), "a's 13 oldest segments went, oldest first");
        assertEquals(b, ids("b"));
        assertEquals(1200L * KB, stats.usedBytes());
        assertEquals(700L * KB, stats.usedBytes("a"));
        assertEquals(T0.plus(SEG.multipliedBy(13)), stats.oldest("a"));
        assertEquals(5 + 7, filesOnDisk().size(), "files follow the rows");
        String scrape = metrics.scrape();
        assertEquals(1300.0 * KB, metric(scrape, "nvr_retention_deleted_bytes_total", "camera=\"a\""));
        assertEquals(0.0, metric(scrape, "nvr_retention_deleted_bytes_total", "camera=\"b\""));
        assertEquals(1200.0 * KB, metric(scrape, "nvr_storage_used_bytes", null));
        assertEquals(T0.plus(SEG.multipliedBy(13)).getEpochSecond(),
                metric(scrape, "nvr_camera_oldest_footage_timestamp_seconds", "camera=\"a\""));

        assertEquals(0, enforcer.runPass().deletedSegments(), "within limits now: a second pass deletes nothing");
    }

    @Test
    void lockedFootageIsKeptCountedAndReportedWhenItAloneExceedsTheBudget() throws Exception {
        List<Long> a = segments("a", 10, 100 * KB);
        long hold = lock("a", T0, T0.plus(SEG.multipliedBy(3)).minusMillis(1)); // segments 0, 1, 2
        RetentionEnforcer enforcer = enforcer(limits(300L * KB, null, null), Map.of(), () -> -1);

        RetentionEnforcer.Report report = enforcer.runPass();
        assertEquals(300L * KB, report.lockedBytes());
        List<Long> kept = new ArrayList<>(a.subList(0, 3));
        kept.addAll(a.subList(7, 10));
        assertEquals(kept, ids("a"), "the locked oldest stay; the oldest unlocked go until 300 kB unlocked are left");
        assertEquals(300.0 * KB, metric(metrics.scrape(), "nvr_storage_locked_bytes", null));
        assertEquals(Set.of(), report.warnings());

        lock("a", T0, T0.plus(Duration.ofHours(1))); // everything: locked alone exceeds max_bytes
        report = enforcer.runPass();
        assertEquals(0, report.deletedSegments());
        assertEquals(600L * KB, report.lockedBytes());
        assertEquals(Set.of(new Warning(Breach.LOCKED_OVER_MAX_BYTES, null)), enforcer.warnings());

        release(hold);
        releaseAll();
        report = enforcer.runPass();
        assertEquals(0, report.lockedBytes());
        assertEquals(Set.of(), enforcer.warnings());
        assertEquals(a.subList(7, 10), ids("a"), "released footage is ordinary footage again, oldest first");
    }

    @Test
    void maxAgeOfEachCameraDeletesWhatEndedBeforeItsCutoff() throws Exception {
        List<Long> a = segments("a", 30, 10 * KB); // T0 .. T0+60s
        List<Long> b = segments("b", 30, 10 * KB);
        RetentionEnforcer enforcer = enforcer(limits(null, null, Duration.ofMinutes(10)),
                Map.of("a", limits(null, null, Duration.ofSeconds(30)), "b", Retention.NONE), () -> -1);
        clock.set(T0.plus(Duration.ofSeconds(61)));

        enforcer.runPass();
        // a keeps what ended after T0+31s: segments starting at 30 s or later (the one [30,32) straddles)
        assertEquals(a.subList(15, 30), ids("a"));
        assertEquals(b, ids("b"), "b follows the global 10 minutes");

        clock.set(T0.plus(Duration.ofMinutes(10)).plusSeconds(31));
        enforcer.runPass();
        assertEquals(b.subList(15, 30), ids("b"));
        assertEquals(List.of(), ids("a"));
        assertEquals(null, stats.oldest("a"));
        assertTrue(Double.isNaN(metric(metrics.scrape(), "nvr_camera_oldest_footage_timestamp_seconds", "camera=\"a\"")));
    }

    @Test
    void freeSpaceBelowMinFreeIsRecoveredFromTheOldestFootage() throws Exception {
        segments("a", 10, 100 * KB);
        List<Long> b = segments("b", 10, 20 * KB);
        long disk = 2_000L * KB;
        LongSupplier free = () -> disk - bytesOnDisk();
        // 1.2 MB of footage on a 2 MB disk leaves 800 kB; the floor is 1 MB: 200 kB must go, from a.
        RetentionEnforcer enforcer = enforcer(limits(null, 1000L * KB, null), Map.of(), free);

        enforcer.runPass();
        assertTrue(free.getAsLong() >= 1000L * KB, "free " + free.getAsLong());
        assertEquals(8, ids("a").size());
        assertEquals(b, ids("b"));
    }

    @Test
    void aFloorNoDeletionCanReachKeepsTheFootageAndSaysSoInTheGauge() throws Exception {
        List<Long> a = segments("a", 10, 100 * KB);
        long disk = 2_000L * KB;
        long[] other = {500L * KB}; // something else on the disk
        LongSupplier free = () -> disk - other[0] - bytesOnDisk();
        // 1 MB of footage and 500 kB of other files on a 2 MB disk: 500 kB free. A 1.8 MB floor cannot be
        // reached even with every segment gone (1.5 MB free then): deleting them would only lose footage.
        RetentionEnforcer enforcer = enforcer(limits(null, 1800L * KB, null), Map.of(), free);

        RetentionEnforcer.Report report = enforcer.runPass();
        assertEquals(a, ids("a"), "the footage is kept");
        assertEquals(0, report.deletedSegments());
        assertTrue(enforcer.floorUnmet());
        assertEquals(1.0, metric(metrics.scrape(), "nvr_storage_free_floor_unmet", null));

        other[0] = 100L * KB; // the other files shrink: now deleting footage can reach the floor
        enforcer.runPass();
        assertTrue(free.getAsLong() >= 1800L * KB, "free " + free.getAsLong());
        assertEquals(a.subList(9, 10), ids("a"), "as much as the floor needs, and no more");
        assertFalse(enforcer.floorUnmet());
        assertEquals(0.0, metric(metrics.scrape(), "nvr_storage_free_floor_unmet", null));
    }

    @Test
    void aHoldCommittedAfterSelectionIsHonouredByTheMark() throws Exception {
        segments("a", 3, 10 * KB);
        List<SegmentDeleter.Target> targets = new ArrayList<>();
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (SegmentRow r : q.segments("a", T0, T0.plus(Duration.ofHours(1)))) {
                targets.add(new SegmentDeleter.Target(r.id(), r.site(), r.camera(), r.path(), r.start(), r.bytes()));
            }
        }
        lock("a", T0.plus(SEG), T0.plus(SEG).plusMillis(1)); // the middle one, after it was selected

        List<SegmentDeleter.Target> deleted = new SegmentDeleter(root, index).delete(targets);

        assertEquals(List.of(targets.get(0).id(), targets.get(2).id()), deleted.stream().map(SegmentDeleter.Target::id).toList());
        assertTrue(Files.exists(root.resolve(targets.get(1).path())));
        assertFalse(Files.exists(root.resolve(targets.get(0).path())));
    }

    @Test
    void manySegmentsAreDeletedInBoundedBatches() throws Exception {
        List<Long> a = segments("a", 3 * SegmentDeleter.MAX_BATCH + 7, 1 * KB);
        RetentionEnforcer enforcer = enforcer(limits(5L * KB, null, null), Map.of(), () -> -1);

        RetentionEnforcer.Report report = enforcer.runPass();

        assertEquals(a.size() - 5, report.deletedSegments());
        assertEquals(a.subList(a.size() - 5, a.size()), ids("a"));
        assertEquals(5, filesOnDisk().size());
    }

    @Test
    void emptyDayDirectoriesOfDeletedFootageAreRemoved() throws Exception {
        Instant lastDayOfMonth = Instant.parse("2026-11-30T23:59:56Z");
        for (int i = 0; i < 4; i++) { // two on Nov 30, two on Dec 1
            Instant start = lastDayOfMonth.plus(SEG.multipliedBy(i));
            String rel = SegmentPaths.newSegment(root, "site", "a", start);
            SegmentPaths.createParents(root, root.resolve(rel));
            Files.write(root.resolve(rel), new byte[KB]);
            long id = index.openSegment(null, "site", "a", rel, start, "h264", 320, 240, null).get();
            index.closeSegment(id, start.plus(SEG), SEG, KB, 50L, "00").get();
        }
        RetentionEnforcer enforcer = enforcer(limits(2L * KB, null, null), Map.of(), () -> -1);

        enforcer.runPass();

        assertFalse(Files.exists(root.resolve("footage/site/a/2026/11")), "November is empty and gone");
        assertTrue(Files.isDirectory(root.resolve("footage/site/a/2026/12/01")));
        assertEquals(2, filesOnDisk().size());
    }

    // ---- fixtures ---------------------------------------------------------------------------------

    private RetentionEnforcer enforcer(Retention global, Map<String, Retention> cameras, LongSupplier free)
            throws Exception {
        stats = StorageStats.load(root, index);
        return new RetentionEnforcer(root, new RetentionPolicy(global, cameras), Map.of("a", "site", "b", "site"),
                index, stats, free, metrics, clock, RetentionEnforcer.PERIOD, 0);
    }

    static Retention limits(Long maxBytes, Long minFree, Duration maxAge) {
        return new Retention(maxBytes == null ? OptionalLong.empty() : OptionalLong.of(maxBytes),
                minFree == null ? OptionalLong.empty() : OptionalLong.of(minFree), Optional.ofNullable(maxAge));
    }

    /** {@code n} closed segments of {@code camera}, back to back from T0, each {@code bytes} long. */
    private List<Long> segments(String camera, int n, int bytes) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instant start = T0.plus(SEG.multipliedBy(i));
            String rel = SegmentPaths.newSegment(root, "site", camera, start);
            Path file = root.resolve(rel);
            SegmentPaths.createParents(root, file);
            Files.write(file, new byte[bytes]);
            long id = index.openSegment(null, "site", camera, rel, start, "h264", 320, 240, null).get();
            index.closeSegment(id, start.plus(SEG), SEG, bytes, 50L, "00").get();
            ids.add(id);
        }
        return ids;
    }

    private long lock(String camera, Instant from, Instant to) throws Exception {
        return index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO locks (site, camera, from_ms, to_ms, created_ms) "
                    + "VALUES ('site', ?, ?, ?, 0) RETURNING id")) {
                ps.setString(1, camera);
                ps.setLong(2, from.toEpochMilli());
                ps.setLong(3, to.toEpochMilli());
                try (var rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }).get();
    }

    private void release(long id) throws Exception {
        index.submit(c -> c.createStatement().executeUpdate("UPDATE locks SET released_ms = 1 WHERE id = " + id)).get();
    }

    private void releaseAll() throws Exception {
        index.submit(c -> c.createStatement().executeUpdate("UPDATE locks SET released_ms = 1")).get();
    }

    private List<Long> ids(String camera) throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments(camera, Instant.EPOCH, T0.plus(Duration.ofDays(1))).stream().map(SegmentRow::id).toList();
        }
    }

    private List<Path> filesOnDisk() throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.toString().endsWith(".mp4")).toList();
        }
    }

    private long bytesOnDisk() {
        try {
            long sum = 0;
            for (Path p : filesOnDisk()) {
                sum += Files.size(p);
            }
            return sum;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The value of one sample in a Prometheus scrape ({@code labelFragment} picks among series). */
    static double metric(String scrape, String name, String labelFragment) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(scrape);
        while (m.find()) {
            if (labelFragment == null || (m.group(1) != null && m.group(1).contains(labelFragment))) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no sample " + name + " " + labelFragment + " in\n" + scrape);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant t) {
            now = t;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
