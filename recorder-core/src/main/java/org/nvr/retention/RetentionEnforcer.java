package org.nvr.retention;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.nvr.config.ByteSize;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.CameraMetrics;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.retention.RetentionPolicy.Plan;
import org.nvr.retention.RetentionPolicy.Usage;
import org.nvr.retention.RetentionPolicy.Warning;
import org.nvr.retention.SegmentDeleter.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the footage on disk within the retention limits, incrementally. A <em>pass</em> runs after
 * every segment closes, when a camera reports a full disk, and every {@link #PERIOD} (age and free
 * space change without any segment closing). A pass:
 * <ol>
 *   <li>reloads the evidence holds and the bytes they lock ({@link EvidenceHolds});</li>
 *   <li>deletes each camera's unlocked footage older than its {@code max_age};</li>
 *   <li>asks the {@link RetentionPolicy} how many bytes of each camera's oldest unlocked footage must go
 *       (its {@code max_bytes}, its fair share of the global {@code max_bytes}, the free-space floor) and
 *       deletes them, oldest first, through the {@link SegmentDeleter} in bounded batches;</li>
 *   <li>publishes the storage gauges and logs, once per change, a limit that locked footage alone
 *       breaches (recording goes on; only unlocked footage is ever deleted).</li>
 * </ol>
 * Totals come from the {@link FootageLedger}; the index is only asked for a camera's oldest few
 * candidates (an indexed range, {@code LIMIT}), so a pass costs the same with ten million rows as with
 * ten.
 *
 * <p>Free-space floor: {@code max(min_free_bytes, headroom)}, the headroom being room for
 * {@value #HEADROOM_SEGMENTS} more segments of every camera (the largest of its recent ones), so the
 * recorder's own footage never fills the disk even with no limits configured. If something else fills
 * it and a write fails, cameras end their session with {@code disk_full}, call {@link #diskFull}, and
 * retry once this has freed space; with nothing to free they stay down and retry until space returns.
 * A small {@link DiskReserve} keeps the index able to mark footage for deletion on a full disk.
 *
 * <p>Threads: passes run on the enforcer's own thread {@code nvr-retention} (deleting is I/O: unlink,
 * fsync). {@link #segmentClosed}, {@link #diskFull} and {@link #requestPass} may be called from any
 * thread and never block; passes requested while one is queued are merged. Before {@link #start()},
 * tests may call {@link #runPass()} directly. Owns its thread and the reserve file; {@link #close()}
 * lets a running pass finish (bounded) and is safe to call twice.
 */
public final class RetentionEnforcer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionEnforcer.class);
    /** Passes for age and free space run at least this often. */
    public static final Duration PERIOD = Duration.ofSeconds(10);
    /** Segments of free space kept per camera beyond {@code min_free_bytes}. */
    public static final int HEADROOM_SEGMENTS = 2;
    /** Default size of the index's disk reserve. */
    public static final long RESERVE_BYTES = 2L << 20;
    /** Recent segment sizes remembered per camera, for the headroom. */
    static final int RECENT = 8;

    /** What one pass did. */
    public record Report(int deletedSegments, long deletedBytes, long lockedBytes, long freeBytes, Set<Warning> warnings) {
    }

    private final RetentionPolicy policy;
    private final Map<String, String> siteOfCamera;
    private final IndexWriter index;
    private final FootageLedger ledger;
    private final LongSupplier freeBytes;
    private final RecorderMetrics metrics;
    private final Clock clock;
    private final Duration period;
    private final SegmentDeleter deleter;
    private final DiskReserve reserve;
    private final EvidenceHolds holds = new EvidenceHolds();
    private final Map<String, RecentSizes> recent = new ConcurrentHashMap<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nvr-retention");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean passQueued = new AtomicBoolean();
    private volatile boolean started;
    private volatile long lockedBytes;
    private volatile Set<Warning> warnings = Set.of();
    private String lastFailure; // retention thread

    /**
     * @param siteOfCamera configured camera id to site id (for the per-camera meters)
     * @param freeBytes    free space on the footage filesystem, negative when unknown
     * @param metrics      where the storage gauges and deleted-bytes counters go; null for none
     * @param reserveBytes size of the index's disk reserve, 0 for none
     */
    public RetentionEnforcer(Path root, RetentionPolicy policy, Map<String, String> siteOfCamera, IndexWriter index,
                             FootageLedger ledger, LongSupplier freeBytes, RecorderMetrics metrics, Clock clock,
                             Duration period, long reserveBytes) {
        this.policy = policy;
        this.siteOfCamera = Map.copyOf(siteOfCamera);
        this.index = index;
        this.ledger = ledger;
        this.freeBytes = freeBytes;
        this.metrics = metrics;
        this.clock = clock;
        this.period = period;
        this.deleter = new SegmentDeleter(root, index);
        this.reserve = new DiskReserve(root, reserveBytes);
    }

    /** The enforcer of a configuration, with the default period and reserve. */
    public static RetentionEnforcer of(NvrConfig config, IndexWriter index, FootageLedger ledger, LongSupplier freeBytes,
                                       RecorderMetrics metrics, Clock clock) {
        Map<String, String> sites = new LinkedHashMap<>();
        config.cameras().forEach(c -> sites.put(c.id(), c.siteId()));
        return new RetentionEnforcer(config.storage().root(), RetentionPolicy.of(config), sites, index, ledger,
                freeBytes, metrics, clock, PERIOD, RESERVE_BYTES);
    }

    /**
     * Before startup reconciliation: when something has filled the disk to the last bytes, gives the
     * reserve back so that reconciliation can write to the index (retention starts right after it).
     */
    public static void releaseReserveIfFull(Path root, long freeBytes) {
        if (freeBytes >= 0 && freeBytes < RESERVE_BYTES) {
            new DiskReserve(root, RESERVE_BYTES).release();
        }
    }

    /**
     * Learns each camera's recent segment sizes (for the headroom), writes the disk reserve, runs a first
     * pass on the calling thread and schedules the periodic ones. Called once, before cameras record.
     */
    public void start() throws IndexException, InterruptedException {
        for (String camera : policy.configuredCameras()) {
            List<Long> sizes = await(index.submit(c -> {
                List<Long> out = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT bytes FROM segments WHERE camera = ? "
                        + "AND state = 'closed' ORDER BY start_ms DESC LIMIT " + RECENT)) {
                    ps.setString(1, camera);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            out.add(rs.getLong(1));
                        }
                    }
                }
                return out;
            }));
            sizes.forEach(recent(camera)::add);
        }
        reserve.create();
        runPassLogged(); // before cameras record: limits lowered since the last run apply at once
        started = true;
        thread.scheduleWithFixedDelay(this::requestPass, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A segment of {@code camera} was closed and indexed (and counted in the ledger). Any thread. */
    public void segmentClosed(String camera, long bytes) {
        recent(camera).add(bytes);
        requestPass();
    }

    /** A camera could not write because the disk is full. Any thread. */
    public void diskFull(String camera) {
        LOG.debug("{}: disk full reported; running retention", camera);
        requestPass();
    }

    /** Queues a pass unless one is queued already. Any thread; never blocks. */
    public void requestPass() {
        if (!started || !passQueued.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                passQueued.set(false);
                runPassLogged();
            });
        } catch (RejectedExecutionException closed) {
            passQueued.set(false);
        }
    }

    /** Bytes of closed footage under an active evidence hold, as of the last pass. */
    public long lockedBytes() {
        return lockedBytes;
    }

    /** Limits breached by locked footage, as of the last pass. */
    public Set<Warning> warnings() {
        return warnings;
    }

    /**
     * Whether, as of the last pass, free space is below the floor and deleting every unlocked segment
     * could not bring it back ({@link RetentionPolicy.Breach#FLOOR_UNREACHABLE}): for {@code /healthz}.
     */
    public boolean floorUnmet() {
        return warnings.stream().anyMatch(w -> w.breach() == RetentionPolicy.Breach.FLOOR_UNREACHABLE);
    }

    /** Free space the enforcer keeps: {@code max(min_free_bytes, headroom)}. */
    public long floorBytes() {
        return policy.floor(headroom());
    }

    private void runPassLogged() {
        try {
            runPass();
            if (lastFailure != null) {
                LOG.info("retention works again");
                lastFailure = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IndexException | RuntimeException e) {
            // A scheduled task that throws is cancelled silently: log (once per distinct failure), go on.
            String why = e.getMessage();
            if (!why.equals(lastFailure)) {
                LOG.warn("retention pass failed: {}", why);
                lastFailure = why;
            }
        }
    }

    /** One pass (see the class comment). On the retention thread, or on a test's thread before start. */
    public synchronized Report runPass() throws IndexException, InterruptedException {
        Instant now = clock.instant();
        holds.refresh(index, now);
        lockedBytes = holds.total();
        int segments = 0;
        long bytes = 0;
        Set<String> cameras = cameras();
        for (String camera : cameras) {
            Optional<Instant> cutoff = policy.ageCutoff(camera, now);
            Instant oldest = ledger.oldest(camera);
            if (cutoff.isPresent() && oldest != null && oldest.isBefore(cutoff.get())) {
                Deleted d = deleteOldest(camera, cutoff.get(), Long.MAX_VALUE);
                segments += d.segments;
                bytes += d.bytes;
            }
        }
        long headroom = headroom();
        // The reserve is not part of the floor: it is written again when there happens to be room, never
        // at the cost of footage (on a tight disk that would delete everything to make room for zeros).
        Plan plan = policy.plan(usage(cameras), freeBytes.getAsLong(), headroom);
        for (Map.Entry<String, Long> e : plan.bytesToFree().entrySet()) {
            Deleted d = deleteOldest(e.getKey(), null, e.getValue());
            segments += d.segments;
            bytes += d.bytes;
        }
        if (segments > 0) {
            LOG.debug("retention deleted {} segment(s), {}", segments, ByteSize.format(bytes));
        }
        reportWarnings(plan);
        long free = freeBytes.getAsLong();
        if (!reserve.present() && free >= policy.floor(headroom) + reserve.size()) {
            reserve.create();
            free = freeBytes.getAsLong();
        }
        if (metrics != null) {
            metrics.storage(ledger.usedBytes(), free, lockedBytes);
            metrics.freeFloorUnmet(floorUnmet());
        }
        return new Report(segments, bytes, lockedBytes, free, plan.warnings());
    }

    private record Deleted(int segments, long bytes) {
    }

    /** Deletes the camera's oldest unlocked segments until {@code needed} bytes are gone (or none are left). */
    private Deleted deleteOldest(String camera, Instant endedBy, long needed) throws IndexException, InterruptedException {
        long freed = 0;
        int count = 0;
        while (freed < needed) {
            List<Target> candidates = candidates(camera, endedBy);
            if (candidates.isEmpty()) {
                break;
            }
            List<Target> chosen = new ArrayList<>();
            long sum = freed;
            for (Target t : candidates) {
                if (sum >= needed) {
                    break;
                }
                chosen.add(t);
                sum += t.bytes();
            }
            List<Target> done = deleteUsingReserve(chosen);
            if (done.isEmpty()) {
                break;
            }
            long batchBytes = done.stream().mapToLong(Target::bytes).sum();
            account(camera, done, batchBytes);
            freed += batchBytes;
            count += done.size();
        }
        return new Deleted(count, freed);
    }

    /** The camera's oldest closed, unlocked segments (ended by {@code endedBy} when given), at most one batch. */
    private List<Target> candidates(String camera, Instant endedBy) throws IndexException, InterruptedException {
        return await(index.submit(c -> {
            // start_ms <= cutoff bounds the index range: a segment that ended by then started by then.
            String age = endedBy == null ? "" : " AND start_ms <= ? AND end_ms <= ?";
            try (PreparedStatement ps = c.prepareStatement("SELECT id, site, camera, path, start_ms, bytes FROM segments "
                    + "WHERE camera = ? AND state = 'closed'" + age + " AND " + SegmentDeleter.UNLOCKED
                    + " ORDER BY start_ms, id LIMIT " + SegmentDeleter.MAX_BATCH)) {
                ps.setString(1, camera);
                if (endedBy != null) {
                    ps.setLong(2, endedBy.toEpochMilli());
                    ps.setLong(3, endedBy.toEpochMilli());
                }
                List<Target> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Target(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6)));
                    }
                }
                return out;
            }
        }));
    }

    private List<Target> deleteUsingReserve(List<Target> batch) throws IndexException, InterruptedException {
        try {
            return deleter.delete(batch);
        } catch (IndexException e) {
            if (IndexWriter.isDiskFull(e) && reserve.release()) {
                return deleter.delete(batch);
            }
            throw e;
        }
    }

    /** Keeps the ledger and the meters current after a batch of one camera is gone. */
    private void account(String camera, List<Target> done, long bytes) throws IndexException, InterruptedException {
        Instant newestDeleted = done.stream().map(Target::start).max(Instant::compareTo).orElseThrow();
        Instant oldestLeft = await(index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT start_ms FROM segments WHERE camera = ? AND state = 'closed' ORDER BY start_ms LIMIT 1")) {
                ps.setString(1, camera);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Instant.ofEpochMilli(rs.getLong(1)) : null;
                }
            }
        }));
        ledger.removed(camera, bytes, oldestLeft, newestDeleted);
        if (oldestLeft != null) {
            deleter.pruneEmptyDays(done, oldestLeft);
        }
        String site = siteOfCamera.get(camera);
        if (metrics != null && site != null) {
            CameraMetrics m = metrics.camera(site, camera);
            m.retentionDeleted(bytes);
            m.oldestFootage(ledger.oldest(camera));
        }
        if (metrics != null) {
            metrics.storage(ledger.usedBytes(), freeBytes.getAsLong(), lockedBytes);
        }
        LOG.debug("{}: deleted {} segment(s), {}, oldest footage now {}", camera, done.size(), ByteSize.format(bytes),
                oldestLeft);
    }

    private void reportWarnings(Plan plan) {
        Set<Warning> before = warnings;
        Set<Warning> now = plan.warnings();
        for (Warning w : now) {
            if (!before.contains(w)) {
                LOG.warn("{}", describe(w, plan));
            }
        }
        for (Warning w : before) {
            if (!now.contains(w)) {
                LOG.info("{}", switch (w.breach()) {
                    case LOCKED_OVER_MAX_BYTES -> "locked footage no longer exceeds storage.retention.max_bytes";
                    case LOCKED_OVER_CAMERA_MAX_BYTES -> w.camera() + ": locked footage no longer exceeds the camera's"
                            + " retention.max_bytes";
                    case FLOOR_UNREACHABLE -> "free space can be kept above the floor again";
                });
            }
        }
        warnings = Set.copyOf(new LinkedHashSet<>(now));
    }

    private String describe(Warning w, Plan plan) {
        Map<String, Long> locked = holds.byCamera();
        return switch (w.breach()) {
            case LOCKED_OVER_MAX_BYTES -> "locked footage (" + ByteSize.format(holds.total())
                    + ") alone exceeds storage.retention.max_bytes; it is kept, only unlocked footage is deleted,"
                    + " and the disk holds both";
            case LOCKED_OVER_CAMERA_MAX_BYTES -> w.camera() + ": locked footage ("
                    + ByteSize.format(locked.getOrDefault(w.camera(), 0L))
                    + ") alone exceeds the camera's retention.max_bytes; it is kept, only unlocked footage is deleted";
            case FLOOR_UNREACHABLE -> "free space is " + ByteSize.format(plan.freeDeficit())
                    + " below the floor and deleting every unlocked segment cannot restore it (locked footage: "
                    + ByteSize.format(holds.total()) + "); footage is kept and only room for the next segments is"
                    + " freed; free some space or lower storage.retention.min_free_bytes. Cameras stop with disk_full"
                    + " if the disk fills, and resume when space returns";
        };
    }

    private Set<String> cameras() {
        Set<String> all = new LinkedHashSet<>(policy.configuredCameras());
        all.addAll(ledger.cameras());
        return all;
    }

    private Map<String, Usage> usage(Set<String> cameras) {
        Map<String, Long> locked = holds.byCamera();
        Map<String, Usage> out = new LinkedHashMap<>();
        for (String camera : cameras) {
            long l = locked.getOrDefault(camera, 0L);
            out.put(camera, new Usage(Math.max(0, ledger.usedBytes(camera) - l), l));
        }
        return out;
    }

    /** Room for {@link #HEADROOM_SEGMENTS} more segments of every configured camera. */
    private long headroom() {
        long sum = 0;
        for (String camera : policy.configuredCameras()) {
            RecentSizes r = recent.get(camera);
            if (r != null) {
                sum += r.max();
            }
        }
        return HEADROOM_SEGMENTS * sum;
    }

    private RecentSizes recent(String camera) {
        return recent.computeIfAbsent(camera, k -> new RecentSizes());
    }

    /** The sizes of a camera's last {@link #RECENT} segments. Thread-safe. */
    private static final class RecentSizes {
        private final long[] sizes = new long[RECENT];
        private int next;

        synchronized void add(long bytes) {
            sizes[next] = bytes;
            next = (next + 1) % sizes.length;
        }

        synchronized long max() {
            long m = 0;
            for (long s : sizes) {
                m = Math.max(m, s);
            }
            return m;
        }
    }

    private static <T> T await(CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get(SegmentDeleter.INDEX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IndexException("retention: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IndexException("retention: index did not answer within " + SegmentDeleter.INDEX_WAIT_SECONDS + " s", e);
        }
    }

    /** Stops passes; a running one may finish its batch (bounded). Safe to call twice. */
    @Override
    public void close() {
        started = false;
        thread.shutdown();
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.warn("retention pass still running at shutdown; interrupting it (the next start finishes it)");
                thread.shutdownNow();
                thread.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
