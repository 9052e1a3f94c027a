import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.nvr.config.Retention;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.IndexWriter;
import org.nvr.retention.FootageLedger;
import org.nvr.retention.RetentionEnforcer;
import org.nvr.retention.RetentionPolicy;
import org.nvr.retention.SegmentDeleter;
import org.nvr.store.SegmentPaths;

/**
 * Index at scale (issue 8): on an existing big index (GenerateIndex), CAMERAS cameras each open and close
 * a 60 s segment every EVERY_MS through the recorder's own {@link IndexWriter} (WAL, synchronous=FULL),
 * while the real {@link RetentionEnforcer} deletes the oldest footage to stay within a global max_bytes
 * set to what is stored at the start (the ring buffer at steady state: a segment in, a segment out), and
 * a separate read connection lists one camera's day as {@code nvr footage list} does. Prints latencies;
 * asserts nothing.
 *
 * <p>Retention runs on this program's own thread, which does what the enforcer's thread does (a pass
 * after every closed segment, merged, and at least every 10 s) but calls {@link RetentionEnforcer#runPass}
 * itself so that passes can be timed. A delete batch is timed from the start of its pass (or the end of
 * the previous batch) to the enforcer telling the ledger what it removed: choose candidates, mark,
 * unlink, fsync the directory, drop the rows, find the oldest footage left.
 *
 * <p>A camera waits for its new segment's row (openSegment) and then hands the previous one's close to
 * the writer without waiting, in that order, as the recorder does (its finisher closes a row only after
 * fsyncing and hashing the file). One evidence hold sits on a past day of the first camera.
 *
 * <p>The rows' files do not exist (GenerateIndex writes rows only); empty files are created for the
 * oldest rows retention will reach, so the deletion path unlinks a file and fsyncs its directory as it
 * does in a recorder (unlinking a real 30 MB file costs the filesystem more, but that happens between
 * the mark and the drop, outside any index transaction). No segment files are written for new rows.
 * Usage: IndexScaleBench DB SECONDS CAMERAS EVERY_MS WARMUP_S QUERY_EVERY_MS
 */
public class IndexScaleBench {
    static final String SITE = "site-1";
    static final Duration SEGMENT = Duration.ofSeconds(60);
    static final long BYTES = 30_000_000;
    static final String SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final String HOLD_REASON = "index-scale bench";

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        int seconds = Integer.parseInt(args[1]);
        int cameraCount = Integer.parseInt(args[2]);
        long everyMs = Long.parseLong(args[3]);
        int warmup = Integer.parseInt(args[4]);
        long queryEveryMs = Long.parseLong(args[5]);
        Path root = db.toAbsolutePath().getParent();
        new IndexScaleBench(db, root, cameraCount, everyMs, queryEveryMs).run(warmup, seconds);
    }

    /** One simulated camera: its run and the segment it is writing. Touched by one camera thread at a time. */
    static final class Camera {
        final String id;
        long runId;
        Instant nextStart;
        Long openId;
        Instant openStart;

        Camera(String id) {
            this.id = id;
        }
    }

    private final Path db;
    private final Path root;
    private final long everyMs;
    private final long queryEveryMs;
    /** RETENTION=off leaves deleting out, to see what it costs the inserts. */
    private final boolean retentionOn = !"off".equals(System.getenv("RETENTION"));
    private final List<Camera> cameras = new ArrayList<>();
    private final Samples opens = new Samples();
    private final Samples closes = new Samples();
    private final Samples batches = new Samples();
    private final Samples passes = new Samples();
    private final Samples dayLists = new Samples();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong inserted = new AtomicLong();
    private final BlockingQueue<Boolean> passRequests = new ArrayBlockingQueue<>(1);
    private final Ledger ledger = new Ledger();
    private volatile long measureFrom;
    private volatile long measureTo = Long.MAX_VALUE;
    private volatile boolean running = true;
    private volatile long walMax;
    private List<String> withHistory;
    private final List<Path> madeFiles = new ArrayList<>();
    private Instant newestStart;
    private IndexWriter index;
    private RetentionEnforcer enforcer;

    IndexScaleBench(Path db, Path root, int cameraCount, long everyMs, long queryEveryMs) {
        this.db = db;
        this.root = root;
        this.everyMs = everyMs;
        this.queryEveryMs = queryEveryMs;
        for (int i = 0; i < cameraCount; i++) {
            cameras.add(new Camera(String.format("cam-%02d", i)));
        }
    }

    boolean measuring(long now) {
        return now >= measureFrom && now < measureTo;
    }

    void run(int warmup, int seconds) throws Exception {
        long rowsBefore = prepare(warmup, seconds);
        long start = System.nanoTime();
        measureFrom = start + TimeUnit.SECONDS.toNanos(warmup);
        measureTo = measureFrom + TimeUnit.SECONDS.toNanos(seconds);
        Thread retention = new Thread(this::retentionLoop, "bench-retention");
        Thread queries = new Thread(this::queryLoop, "bench-day-list");
        if (retentionOn) {
            retention.start();
        }
        queries.start();
        ScheduledExecutorService cams = Executors.newScheduledThreadPool(cameras.size(),
                r -> new Thread(r, "bench-camera")); // a thread per camera, as in the recorder
        for (int i = 0; i < cameras.size(); i++) {
            Camera cam = cameras.get(i);
            // Cameras are not in step: their cuts are spread evenly over the period.
            cams.scheduleAtFixedRate(() -> tick(cam), i * everyMs / cameras.size(), everyMs, TimeUnit.MILLISECONDS);
        }
        Path wal = Path.of(db + "-wal");
        Cpu atStart = null;
        for (long next = start + TimeUnit.SECONDS.toNanos(1); next <= measureTo; next += TimeUnit.SECONDS.toNanos(1)) {
            TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
            if (atStart == null && next >= measureFrom) {
                atStart = Cpu.now();
            }
            long walNow = size(wal);
            walMax = Math.max(walMax, walNow);
            long elapsed = TimeUnit.NANOSECONDS.toSeconds(next - start);
            if (elapsed % 10 == 0) {
                System.out.printf("  %3d s: %,d segments opened, %,d deleted, WAL %,d KB, load %s%n", elapsed,
                        inserted.get(), ledger.deleted.get(), walNow / 1024, loadAverage());
            }
        }
        String cpu = Cpu.now().since(atStart);
        cams.shutdown();
        cams.awaitTermination(30, TimeUnit.SECONDS);
        running = false;
        passRequests.offer(Boolean.TRUE);
        retention.join();
        queries.join();
        long walEnd = size(wal);
        // Close what the cameras had open, as the recorder does at shutdown, so a rerun starts clean.
        for (Camera cam : cameras) {
            if (cam.openId != null) {
                index.closeSegment(cam.openId, cam.openStart.plus(SEGMENT), SEGMENT, BYTES, 1500L, SHA).get();
            }
        }
        index.close();
        long rowsAfter;
        try (Connection c = IndexDatabase.openForQueries(db)) {
            rowsAfter = count(c);
        }
        long unlinked = madeFiles.stream().filter(f -> !Files.exists(f)).count();
        report(seconds, rowsBefore, rowsAfter, walEnd, unlinked, cpu);
    }

    /**
     * Reads where each camera's footage ends, opens the writer, sets up retention and its files.
     *
     * @return the segment rows at the start
     */
    long prepare(int warmup, int seconds) throws Exception {
        long rowsBefore;
        long t0 = System.nanoTime();
        Map<String, long[]> history = new LinkedHashMap<>(); // camera -> oldest start, newest end
        try (Connection c = IndexDatabase.openForQueries(db)) {
            ledger.load(c);
            FootageQueries q = FootageQueries.over(c);
            long newest = 0;
            for (Camera cam : cameras) {
                Optional<Instant> end = q.lastFootageEnd(cam.id);
                if (end.isPresent()) {
                    cam.nextStart = end.get();
                    newest = Math.max(newest, end.get().toEpochMilli());
                    long oldest = ledger.oldest(cam.id).toEpochMilli();
                    if (end.get().toEpochMilli() - oldest > Duration.ofDays(30).toMillis()) {
                        history.put(cam.id, new long[] {oldest, end.get().toEpochMilli()}); // GenerateIndex's
                    }
                }
            }
            for (Camera cam : cameras) {
                if (cam.nextStart == null) {
                    cam.nextStart = Instant.ofEpochMilli(newest); // a camera new to this index
                }
            }
            rowsBefore = count(c);
        }
        if (history.isEmpty()) {
            throw new IllegalStateException("no camera with 30 days of footage in " + db
                    + ": build the index with GenerateIndex first");
        }
        System.out.printf("index: %,d segment rows, %,d MB of footage counted, %d of %d cameras with a history"
                + " (read in %.1f s)%n", rowsBefore, ledger.usedBytes() / 1_000_000, history.size(), cameras.size(),
                (System.nanoTime() - t0) / 1e9);
        withHistory = List.copyOf(history.keySet());
        newestStart = cameras.stream().map(cam -> cam.nextStart).max(Instant::compareTo).orElseThrow();

        index = IndexWriter.open(db);
        new SegmentDeleter(root, index).finishInterrupted(); // a bench killed mid-delete, as startup does
        placeHold(history);
        createFilesForOldest(warmup + seconds);
        Map<String, Retention> perCamera = new LinkedHashMap<>();
        Map<String, String> sites = new LinkedHashMap<>();
        for (Camera cam : cameras) {
            perCamera.put(cam.id, Retention.NONE);
            sites.put(cam.id, SITE);
        }
        // Footage under a hold does not count towards max_bytes: a pass without limits says how much that is.
        long locked = new RetentionEnforcer(root, new RetentionPolicy(Retention.NONE, perCamera), sites, index, ledger,
                () -> -1, null, Clock.systemUTC(), RetentionEnforcer.PERIOD, 0).runPass().lockedBytes();
        long budget = ledger.usedBytes() - locked;
        RetentionPolicy policy = new RetentionPolicy(
                new Retention(OptionalLong.of(budget), OptionalLong.empty(), Optional.empty()), perCamera);
        enforcer = new RetentionEnforcer(root, policy, sites, index, ledger, () -> freeBytes(root), null,
                Clock.systemUTC(), RetentionEnforcer.PERIOD, RetentionEnforcer.RESERVE_BYTES);
        for (Camera cam : cameras) {
            cam.runId = index.startRun(SITE, cam.id, cam.nextStart, "h264", 1920, 1080, "aac").get();
        }
        double perSecond = cameras.size() * 1000.0 / everyMs;
        System.out.printf("load: %d cameras, a %d s segment each every %d ms (%.0fx real time) = %.1f opens + %.1f"
                + " closes/s; retention: global max_bytes = %,d MB (what is stored, less %,d MB under a hold);"
                + " %,d empty files for the oldest rows; day list every %d ms; %d s warm-up, then %d s measured%n",
                cameras.size(), SEGMENT.toSeconds(), everyMs, SEGMENT.toMillis() / (double) everyMs, perSecond,
                perSecond, budget / 1_000_000, locked / 1_000_000, madeFiles.size(), queryEveryMs, warmup, seconds);
        return rowsBefore;
    }

    /**
     * A camera cuts: opens the next segment (waiting for its row, as a camera does before it creates the
     * file), then closes the one it was writing without waiting, as the recorder's finisher does once it
     * has fsynced and hashed the file (so, in the recorder, after the next segment's open).
     */
    void tick(Camera cam) {
        try {
            Instant start = cam.nextStart;
            String rel = SegmentPaths.newSegment(root, SITE, cam.id, start);
            long t = System.nanoTime();
            long id = index.openSegment(cam.runId, SITE, cam.id, rel, start, "h264", 1920, 1080, "aac")
                    .whenComplete((v, e) -> {
                        long now = System.nanoTime();
                        if (e == null && measuring(now)) {
                            opens.add(now - t);
                        }
                    }).get();
            inserted.incrementAndGet();
            if (cam.openId != null) {
                close(cam, cam.openId, cam.openStart);
            }
            cam.openId = id;
            cam.openStart = start;
            cam.nextStart = start.plus(SEGMENT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            error("open", e);
        }
    }

    void close(Camera cam, long id, Instant start) {
        long t = System.nanoTime();
        index.closeSegment(id, start.plus(SEGMENT), SEGMENT, BYTES, 1500L, SHA).whenComplete((v, e) -> {
            long now = System.nanoTime();
            if (e != null) {
                error("close", e);
                return;
            }
            if (measuring(now)) {
                closes.add(now - t);
            }
            ledger.added(cam.id, start, BYTES);
            enforcer.segmentClosed(cam.id, BYTES);
            passRequests.offer(Boolean.TRUE); // merged with one already requested, as requestPass does
        });
    }

    void retentionLoop() {
        while (running) {
            try {
                passRequests.poll(RetentionEnforcer.PERIOD.toMillis(), TimeUnit.MILLISECONDS);
                if (!running) {
                    return;
                }
                long t = System.nanoTime();
                ledger.batchStart = t;
                enforcer.runPass();
                long now = System.nanoTime();
                if (measuring(now)) {
                    passes.add(now - t);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                error("retention", e);
            }
        }
    }

    /** {@code nvr footage list} of a random camera's random day: its segments and the holds over them. */
    void queryLoop() {
        Random random = new Random(8);
        try (Connection c = IndexDatabase.openForQueries(db)) {
            FootageQueries q = FootageQueries.over(c);
            while (running) {
                String camera = withHistory.get(random.nextInt(withHistory.size()));
                // A day of footage retention will not reach during the run: between a week after the oldest
                // and the newest.
                Instant first = ledger.oldest(camera).plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.DAYS);
                long days = Math.max(1, Duration.between(first, newestStart).toDays() - 1);
                Instant from = first.plus(Duration.ofDays(random.nextLong(days)));
                Instant to = from.plus(Duration.ofDays(1));
                long t = System.nanoTime();
                q.segments(camera, from, to);
                EvidenceLog.activeHolds(c, camera, from.minus(FootageQueries.MAX_SEGMENT),
                        to.plus(FootageQueries.MAX_SEGMENT));
                long now = System.nanoTime();
                if (measuring(now)) {
                    dayLists.add(now - t);
                }
                Thread.sleep(queryEveryMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            error("day list", e);
        }
    }

    /** One evidence hold on a past day, so that the holds' checks in retention's queries have a row to read. */
    void placeHold(Map<String, long[]> history) throws Exception {
        String camera = history.keySet().iterator().next();
        long[] span = history.get(camera);
        Instant from = Instant.ofEpochMilli((span[0] + span[1]) / 2).truncatedTo(ChronoUnit.DAYS);
        index.submit(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*) FROM locks WHERE reason = '" + HOLD_REASON + "' AND released_ms IS NULL")) {
                if (rs.next() && rs.getLong(1) > 0) {
                    return null; // placed by an earlier run
                }
            }
            EvidenceLog.hold(c, SITE, camera, from, from.plus(Duration.ofDays(1)), HOLD_REASON, "bench", Instant.now());
            return null;
        }).get();
    }

    /**
     * Empty files for the oldest rows of each camera with a history, as many as retention can delete in
     * the run (twice the inserts, shared among those cameras), so deleting unlinks real files.
     */
    void createFilesForOldest(int seconds) throws Exception {
        long perCamera = 2L * seconds * cameras.size() * 1000 / everyMs / withHistory.size() + SegmentDeleter.MAX_BATCH;
        try (Connection c = IndexDatabase.openForQueries(db);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT path FROM segments WHERE camera = ? AND state = 'closed' ORDER BY start_ms, id LIMIT ?")) {
            for (String camera : withHistory) {
                ps.setString(1, camera);
                ps.setLong(2, perCamera);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Path f = root.resolve(rs.getString(1));
                        Files.createDirectories(f.getParent());
                        if (!Files.exists(f)) {
                            Files.createFile(f);
                        }
                        madeFiles.add(f);
                    }
                }
            }
        }
    }

    void report(int seconds, long rowsBefore, long rowsAfter, long walEnd, long unlinked, String cpu) {
        System.out.printf("== results over %d s measured (%d cameras, a segment each every %d ms)%n", seconds,
                cameras.size(), everyMs);
        System.out.println("openSegment  (INSERT, submit -> future done): " + opens.summary());
        System.out.println("closeSegment (UPDATE, submit -> future done): " + closes.summary());
        long deleted = ledger.deletedMeasured.get();
        System.out.printf("retention: %,d segments deleted = %.1f/s (inserted %.1f/s), %,d files unlinked in the run;"
                + " delete batch (choose, mark, unlink, fsync dir, drop, oldest left): %s, %.1f segments per batch;"
                + " pass: %s%n", deleted, deleted / (double) seconds, opens.count() / (double) seconds, unlinked,
                batches.summary(), batches.count() == 0 ? 0.0 : deleted / (double) batches.count(), passes.summary());
        System.out.println("day list (one camera's day + its holds, separate read connection): " + dayLists.summary());
        System.out.printf("WAL at the end: %,d KB (largest seen %,d KB); segment rows: %,d before, %,d after%n",
                walEnd / 1024, walMax / 1024, rowsBefore, rowsAfter);
        System.out.printf("machine: %d cores, load average %s; while measured: %s%n",
                Runtime.getRuntime().availableProcessors(), loadAverage(), cpu);
        if (errors.get() > 0) {
            System.out.printf("ERRORS: %d (see above)%n", errors.get());
        }
        double openP99 = opens.percentile(0.99);
        double closeP99 = closes.percentile(0.99);
        double listP99 = dayLists.percentile(0.99);
        System.out.printf("target inserts p99 < 5 ms: open %.2f ms, close %.2f ms: %s%n", openP99, closeP99,
                openP99 < 5 && closeP99 < 5 ? "met" : "MISSED");
        System.out.printf("target day list < 50 ms: p99 %.2f ms, max %.2f ms: %s%n", listP99, dayLists.percentile(1),
                listP99 < 50 ? "met" : "MISSED");
    }

    void error(String what, Throwable e) {
        if (errors.incrementAndGet() <= 10) {
            System.out.println("ERROR in " + what + ": " + e);
        }
    }

    static long count(Connection c) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM segments")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long freeBytes(Path root) {
        try {
            return Files.getFileStore(root).getUsableSpace();
        } catch (Exception e) {
            return -1;
        }
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (Exception e) {
            return 0;
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "?";
        }
    }

    /** CPU time from /proc/stat (the machine's, all cores) and of this process, to tell a busy machine apart. */
    record Cpu(long nanos, long machineBusy, long machineTotal, long process) {
        static Cpu now() {
            long busy = 0;
            long total = 0;
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                for (int i = 1; i < f.length && i <= 8; i++) {
                    long v = Long.parseLong(f[i]);
                    total += v;
                    if (i != 4 && i != 5) { // idle, iowait
                        busy += v;
                    }
                }
            } catch (Exception e) {
                // not Linux: the machine's share is left out
            }
            long process = ((com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            return new Cpu(System.nanoTime(), busy, total, process);
        }

        String since(Cpu start) {
            double wall = (nanos - start.nanos) / 1e9;
            double cores = Runtime.getRuntime().availableProcessors();
            double machine = machineTotal == start.machineTotal ? Double.NaN
                    : 100.0 * (machineBusy - start.machineBusy) / (machineTotal - start.machineTotal);
            return String.format("all cores %.0f %% busy, this benchmark %.0f %% of the machine", machine,
                    100.0 * (process - start.process) / 1e9 / wall / cores);
        }
    }

    /** Latencies in nanoseconds. Thread-safe; add() is cheap, it runs on the index writer's thread. */
    static final class Samples {
        private long[] values = new long[4096];
        private int n;

        synchronized void add(long nanos) {
            if (n == values.length) {
                values = Arrays.copyOf(values, n * 2);
            }
            values[n++] = nanos;
        }

        synchronized int count() {
            return n;
        }

        /** Nearest-rank percentile in ms; {@code p} = 1 is the maximum. */
        synchronized double percentile(double p) {
            if (n == 0) {
                return Double.NaN;
            }
            long[] sorted = Arrays.copyOf(values, n);
            Arrays.sort(sorted);
            int i = (int) Math.ceil(p * n) - 1;
            return sorted[Math.max(0, Math.min(n - 1, i))] / 1e6;
        }

        String summary() {
            return String.format("n=%d p50 %.2f p90 %.2f p99 %.2f p99.9 %.2f max %.2f ms", count(), percentile(0.5),
                    percentile(0.9), percentile(0.99), percentile(0.999), percentile(1));
        }
    }

    /**
     * The totals retention reads, like the recorder's StorageStats (loaded once, then kept current), and
     * the clock of delete batches: the enforcer calls {@link #removed} once per batch, on the retention thread.
     */
    final class Ledger implements FootageLedger {
        private final Map<String, AtomicLong> used = new ConcurrentHashMap<>();
        private final Map<String, Instant> oldest = new ConcurrentHashMap<>();
        private final AtomicLong total = new AtomicLong();
        final AtomicLong deleted = new AtomicLong();
        final AtomicLong deletedMeasured = new AtomicLong();
        long batchStart; // retention thread only

        void load(Connection c) throws Exception {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT camera, MIN(start_ms), SUM(bytes) FROM segments WHERE state = 'closed' GROUP BY camera");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    oldest.put(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)));
                    used.put(rs.getString(1), new AtomicLong(rs.getLong(3)));
                    total.addAndGet(rs.getLong(3));
                }
            }
        }

        void added(String camera, Instant start, long bytes) {
            total.addAndGet(bytes);
            used.computeIfAbsent(camera, k -> new AtomicLong()).addAndGet(bytes);
            oldest.merge(camera, start, (a, b) -> a.isBefore(b) ? a : b);
        }

        @Override
        public void removed(String camera, long bytes, Instant oldestLeft, Instant newestDeletedStart) {
            long now = System.nanoTime();
            long segments = bytes / BYTES;
            if (measuring(now)) {
                batches.add(now - batchStart);
                deletedMeasured.addAndGet(segments);
            }
            batchStart = now;
            deleted.addAndGet(segments);
            total.addAndGet(-bytes);
            used.computeIfAbsent(camera, k -> new AtomicLong()).addAndGet(-bytes);
            oldest.compute(camera, (k, current) -> oldestLeft != null ? oldestLeft
                    : current != null && current.isAfter(newestDeletedStart) ? current : null);
        }

        @Override
        public Set<String> cameras() {
            return Set.copyOf(used.keySet());
        }

        @Override
        public long usedBytes() {
            return total.get();
        }

        @Override
        public long usedBytes(String camera) {
            AtomicLong v = used.get(camera);
            return v == null ? 0 : v.get();
        }

        @Override
        public Instant oldest(String camera) {
            return oldest.get(camera);
        }
    }
}
