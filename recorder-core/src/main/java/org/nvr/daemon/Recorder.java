package org.nvr.daemon;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import io.netty.channel.EventLoopGroup;
import org.nvr.camera.Backoff;
import org.nvr.camera.CameraStatus;
import org.nvr.camera.CameraSupervisor;
import org.nvr.camera.DnsHostResolver;
import org.nvr.camera.PortProbe;
import org.nvr.camera.StreamWarnings;
import org.nvr.camera.TcpPortProbe;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.ffmpeg.FfmpegRuntime;
import org.nvr.footage.FootageGaps;
import org.nvr.index.IndexException;
import org.nvr.index.IndexRecovery;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.replication.ReplicationQueue;
import org.nvr.replication.Replicator;
import org.nvr.retention.RetentionEnforcer;
import org.nvr.rtsp.RtspSessionOptions;
import org.nvr.rtsp.RtspTransports;
import org.nvr.source.ffmpeg.CameraOpener;
import org.nvr.source.ffmpeg.FfmpegCameraOpener;
import org.nvr.source.ffmpeg.RecordingSession;
import org.nvr.source.rtsp.RtspSource;
import org.nvr.source.rtsp.WriterLanes;
import org.nvr.store.SegmentFinisher;
import org.nvr.store.SegmentRecorder;
import org.nvr.web.live.LiveFeeds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recording daemon's core: takes the storage root ({@link StorageLock}), opens the index, reconciles
 * it with the disk, then keeps every configured camera recording under its own {@link CameraSupervisor}
 * until {@link #close()}.
 *
 * <p>Owns, and closes in this order: the supervisors (each closes and indexes its open segment), the
 * writer lanes, the RTSP client's event loops, the segment finisher, the retention enforcer, the name resolver, the event loop, the index writer, the
 * storage lock. Threads: {@code nvr-loop} (timers, asynchronous name lookups and port probes),
 * {@code nvr-cam-<id>} (one per camera recorded through FFmpeg, blocking reads and muxing),
 * {@code nvr-rtsp-N} (a fixed few: the connections of cameras recorded through our RTSP client),
 * {@code nvr-writer-N} (a fixed few: their writer lanes, see {@link WriterLanes}), {@code nvr-finish} (fsync
 * and hashing), {@code nvr-sync} (periodic fsync of open segments), {@code nvr-retention} (deleting the
 * oldest footage, storage gauges), {@code nvr-index} (the single SQLite writer).
 */
public final class Recorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Recorder.class);
    /** Whole shutdown must fit in the contract's 10 s; sessions notice a stop within one read. */
    public static final Duration STOP_DEADLINE = Duration.ofSeconds(8);

    /**
     * Seams for tests and the CLI.
     *
     * @param metrics   where meters go; the caller owns it (and its HTTP endpoint). Null: the recorder
     *                  keeps private meters nobody scrapes (tests)
     * @param hangAfter how long a camera's session may go without progress before {@link #liveness()}
     *                  calls it hung. Null: {@link CameraSupervisor#hangBound} of each camera
     * @param nameServers the name servers that cameras' host names are looked up with; empty for the
     *                  system's ({@code /etc/resolv.conf})
     */
    public record Options(Clock clock, CameraOpener opener, RecorderMetrics metrics, Duration hangAfter,
                          List<InetSocketAddress> nameServers) {
        public Options {
            nameServers = List.copyOf(nameServers);
        }

        /** With the system's name servers. */
        public Options(Clock clock, CameraOpener opener, RecorderMetrics metrics, Duration hangAfter) {
            this(clock, opener, metrics, hangAfter, List.of());
        }

        public static Options defaults() {
            return new Options(Clock.systemUTC(), new FfmpegCameraOpener(), null, null, List.of());
        }

        public Options withMetrics(RecorderMetrics metrics) {
            return new Options(clock, opener, metrics, hangAfter, nameServers);
        }

        public Options withOpener(CameraOpener opener) {
            return new Options(clock, opener, metrics, hangAfter, nameServers);
        }

        public Options withHangAfter(Duration hangAfter) {
            return new Options(clock, opener, metrics, hangAfter, nameServers);
        }

        public Options withNameServers(List<InetSocketAddress> nameServers) {
            return new Options(clock, opener, metrics, hangAfter, nameServers);
        }
    }

    /**
     * How often a camera loop reads its sockets at most: what arrives from all of its cameras meanwhile is
     * read in one wake-up (see PacedIoHandler), not one wake-up per RTP packet.
     */
    static final Duration RTSP_PACE = Duration.ofMillis(10);
    /** Event loops of the RTSP client's camera connections: a fixed number, whatever the camera count. */
    static final int RTSP_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /** How often the index writer looks whether {@code index.db} was deleted under it. */
    static final Duration INDEX_WATCH_PERIOD = Duration.ofSeconds(1);

    /** How long {@link #liveness()} waits for the event loop and the index writer to answer. */
    public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

    /** How often FFmpeg's freed native memory is handed back to the kernel (see {@link FfmpegRuntime#trimNativeHeap}). */
    static final Duration NATIVE_TRIM_PERIOD = Duration.ofSeconds(10);

    private final NvrConfig config;
    private final StorageLock lock;
    private final IndexWriter index;
    private final SegmentFinisher finisher;
    private final MultiThreadIoEventLoopGroup loop;
    private final List<CameraSupervisor> supervisors = new ArrayList<>();
    private final List<CameraStatus> statuses = new ArrayList<>();
    private final List<CameraSources> sources = new ArrayList<>();
    /** The RTSP client's event loops and the writer lanes; null until cameras start. */
    private EventLoopGroup rtspLoops;
    private WriterLanes lanes;
    private StorageStats storage;
    private RetentionEnforcer retention;
    private Replicator replicator;
    private RecorderMetrics ownMetrics;
    private LiveFeeds live = LiveFeeds.none();
    private Duration hangAfter;
    private DnsHostResolver resolver;
    private volatile boolean closed;

    private Recorder(NvrConfig config, StorageLock lock, IndexWriter index) {
        this.config = config;
        this.lock = lock;
        this.index = index;
        this.finisher = new SegmentFinisher();
        this.loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("nvr-loop", true),
                NioIoHandler.newFactory());
    }

    /**
     * Starts recording.
     *
     * @throws IndexException when the root or the index cannot be used; its cause is a
     *                        {@link StorageLock.InUseException} when another recorder holds the root
     */
    public static Recorder start(NvrConfig config, Options options) throws IndexException, InterruptedException {
        FfmpegRuntime.init();
        StorageLock lock;
        try {
            Files.createDirectories(config.storage().root());
            lock = StorageLock.acquire(config.storage().root());
        } catch (StorageLock.InUseException e) {
            throw new IndexException(e.getMessage(), e);
        } catch (IOException e) {
            throw new IndexException("cannot use storage root " + config.storage().root() + ": " + e.getMessage(), e);
        }
        IndexWriter index;
        Recorder recorder;
        try {
            // quick_check reads the whole index (seconds for millions of rows): only after a kill or power cut.
            index = IndexRecovery.openOrRebuild(config.storage().indexPath(), options.clock(),
                    !lock.previousStopWasClean());
        } catch (IndexException | RuntimeException e) {
            closeQuietly(lock);
            throw e;
        }
        try {
            RetentionEnforcer.releaseReserveIfFull(config.storage().root(),
                    new StorageStats(config.storage().root()).freeBytes());
            StartupReconciler.reconcile(config.storage().root(), index);
            if (index.lastRebuild().isPresent()) {
                deriveRuns(index);
            }
            recorder = new Recorder(config, lock, index);
        } catch (IndexException | InterruptedException | RuntimeException e) {
            index.close();
            closeQuietly(lock);
            throw e;
        }
        try {
            recorder.startCameras(options);
        } catch (IndexException | InterruptedException | RuntimeException e) {
            recorder.close();
            throw e;
        }
        return recorder;
    }

    /** After a rebuild: the footage reconciliation indexed, grouped into runs again (for uptime and gaps). */
    private static void deriveRuns(IndexWriter index) throws IndexException, InterruptedException {
        try {
            int runs = index.submit(c -> IndexRecovery.deriveRuns(c, FootageGaps.TOLERANCE)).get();
            LOG.info("rebuilt index: {} recording run(s) derived from contiguous footage", runs);
        } catch (ExecutionException e) {
            throw new IndexException("cannot derive runs in the rebuilt index: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void startCameras(Options options) throws IndexException, InterruptedException {
        hangAfter = options.hangAfter();
        storage = loadStorage();
        RecorderMetrics metrics = options.metrics() != null ? options.metrics() : (ownMetrics = new RecorderMetrics());
        metrics.indexRebuilds(index::rebuilds);
        index.watchForDeletion(INDEX_WATCH_PERIOD, options.clock());
        // Retention runs its first pass before any camera records, then after every closed segment.
        retention = RetentionEnforcer.of(config, index, storage, storage::freeBytes, metrics, options.clock());
        retention.start();
        // Each camera's recording session feeds its live view: browsers never open a second stream.
        live = new LiveFeeds(config.cameras().map(c -> c.id()).toList(), LiveFeeds.Limits.DEFAULT,
                metrics.registry());
        startReplication(metrics);
        RecordingSession.Context ctx = new RecordingSession.Context(config.storage().root(),
                config.storage().segmentDuration(), index, finisher, options.opener(), options.clock(), live::sink);
        // Cameras recorded through our RTSP client share these threads, however many cameras there are.
        rtspLoops = RtspTransports.newPacedGroup(RTSP_THREADS, "nvr-rtsp", RTSP_PACE);
        lanes = new WriterLanes(WriterLanes.DEFAULT_THREADS);
        RtspSource rtsp = new RtspSource(rtspLoops, RtspSessionOptions.defaults().withClock(options.clock()),
                (cam, observer, warnings) -> new SegmentRecorder(cam, ctx.store(), observer, warnings), ctx.live());
        PortProbe probe = new TcpPortProbe(loop, CameraSupervisor.PROBE_PERIOD);
        resolver = new DnsHostResolver(loop.next(), options.nameServers());
        Retention global = config.storage().retention();
        metrics.storageLimits(global.maxBytes(), global.minFreeBytes());
        config.cameras().forEach(camera -> {
            var cameraMetrics = metrics.camera(camera.siteId(), camera.id());
            cameraMetrics.oldestFootage(storage.oldest(camera.id()));
            cameraMetrics.retentionTarget(maxAge(global, camera.retention()));
            CameraStatus status = new CameraStatus(camera.siteId(), camera.id(), index,
                    new RetentionTrigger(camera.id(), retention, new MetricsObserver(cameraMetrics, storage)));
            StreamWarnings audio = new StreamWarnings();
            CameraSupervisor.SessionFactory ffmpeg = (cam, transport, observer, stop) -> CameraSupervisor.Session.onThread(
                    new RecordingSession(cam, transport, ctx, observer, stop, audio), r -> {
                        Thread t = new Thread(r, "nvr-cam-" + camera.id());
                        t.start();
                    });
            CameraSources source = new CameraSources(camera, ffmpeg, rtsp, lanes.lane(), audio,
                    (label, fallback) -> index.cameraSource(camera.siteId(), camera.id(), label, fallback,
                            options.clock().instant()).exceptionally(e -> {
                                LOG.warn("{}: cannot store the camera's source: {}", camera.id(), e.getMessage());
                                return null;
                            }));
            sources.add(source);
            CameraSupervisor supervisor = new CameraSupervisor(camera, source, loop.next(),
                    new Backoff(() -> ThreadLocalRandom.current().nextDouble()), probe, resolver,
                    () -> ThreadLocalRandom.current().nextDouble(), status, options.clock());
            statuses.add(status);
            supervisors.add(supervisor);
        });
        supervisors.forEach(CameraSupervisor::start);
        Runnable trim = () -> { // a few milliseconds of CPU and no I/O: fine on the event loop
            try {
                long began = System.nanoTime();
                FfmpegRuntime.trimNativeHeap();
                LOG.debug("native heap trimmed in {} us", (System.nanoTime() - began) / 1000);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("cannot trim the native heap: {}", e.toString());
            }
        };
        loop.next().scheduleAtFixedRate(trim, NATIVE_TRIM_PERIOD.toMillis(), NATIVE_TRIM_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("recording {} camera(s) into {}", supervisors.size(), config.storage().root());
    }

    /**
     * With {@code replication:}, queues what active holds cover and starts copying; without, tells the
     * index's triggers to queue nothing (and retention to wait for no copy).
     */
    private void startReplication(RecorderMetrics metrics) throws IndexException, InterruptedException {
        if (config.replication().isEmpty()) {
            new ReplicationQueue(index).configure(false, List.of());
            return;
        }
        replicator = new Replicator(config.replication().get(), config.storage().root(), index, metrics.registry());
        replicator.configureQueue();
        replicator.start();
        LOG.info("copying evidence to bucket {} at {}", config.replication().get().bucket(),
                config.replication().get().endpoint());
    }

    /** The age limit that applies to a camera: the shorter of the global and its own, or null. */
    private static Duration maxAge(Retention global, Retention own) {
        return Stream.of(global.maxAge(), own.maxAge()).flatMap(Optional::stream).min(Duration::compareTo).orElse(null);
    }

    private StorageStats loadStorage() {
        try {
            return StorageStats.load(config.storage().root(), index);
        } catch (Exception e) {
            LOG.warn("cannot read storage totals from the index: {}", e.toString());
            return new StorageStats(config.storage().root());
        }
    }

    /** How each camera is recorded ({@code rtsp}, {@code ffmpeg}, {@code ffmpeg (fallback: mjpeg)}), by camera id. */
    public java.util.Map<String, String> sources() {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        sources.forEach(s -> out.put(s.camera().id(), s.describe()));
        return out;
    }

    /** Every camera's live view, for the web server's {@code /live/{camera}}. */
    public LiveFeeds live() {
        return live;
    }

    public StorageStats storage() {
        return storage;
    }

    /** The ring buffer's enforcer (storage gauges, locked bytes); null until cameras start. */
    public RetentionEnforcer retention() {
        return retention;
    }

    public NvrConfig config() {
        return config;
    }

    public IndexWriter index() {
        return index;
    }

    public List<CameraStatus> statuses() {
        return List.copyOf(statuses);
    }

    /** Alive and able to index, cheaply: for {@code /healthz}. The systemd watchdog asks {@link #liveness()}. */
    public boolean healthy() {
        return !closed && index.healthy();
    }

    /**
     * What {@code /healthz} adds about a lost index and the free-space floor: {@code index} (how often it
     * was rebuilt, and the last time: when, why, where the damaged file was kept) and {@code storage}
     * ({@code free_floor_unmet}: retention cannot keep the free space it should). Any thread.
     */
    public java.util.Map<String, Object> healthDetails() {
        java.util.Map<String, Object> indexDetails = new java.util.LinkedHashMap<>();
        indexDetails.put("rebuilt", index.rebuilds() > 0);
        indexDetails.put("rebuilds", index.rebuilds());
        index.lastRebuild().ifPresent(r -> {
            indexDetails.put("rebuilt_at", r.at().toString());
            indexDetails.put("cause", r.cause());
            indexDetails.put("kept_as", r.movedTo() == null ? null : r.movedTo().getFileName().toString());
        });
        java.util.Map<String, Object> storageDetails = new java.util.LinkedHashMap<>();
        RetentionEnforcer r = retention;
        storageDetails.put("free_floor_unmet", r != null && r.floorUnmet());
        if (r != null) {
            storageDetails.put("floor_bytes", r.floorBytes());
        }
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("index", indexDetails);
        out.put("storage", storageDetails);
        return out;
    }

    /**
     * The deep check behind the systemd watchdog. Every supervisor answers on the event loop (so an
     * answer also proves the loop turns) that its camera's session made progress within its bound or
     * that its next attempt is scheduled; the index writer completes an empty transaction behind the
     * work already queued. Both must answer within {@link #PROBE_TIMEOUT}.
     *
     * <p>Thread-safe. Blocks up to {@link #PROBE_TIMEOUT}: call it from a thread of its own, never from
     * an event loop or a camera thread.
     */
    public Liveness liveness() throws InterruptedException {
        if (closed) {
            return new Liveness(List.of("recorder stopping"));
        }
        long deadline = System.nanoTime() + PROBE_TIMEOUT.toNanos();
        CompletableFuture<Void> indexProbe = index.submit(c -> null);
        List<CompletableFuture<String>> cameraProbes = supervisors.stream()
                .map(s -> s.liveness(hangAfter != null ? hangAfter : CameraSupervisor.hangBound(s.camera())))
                .toList();
        List<String> problems = new ArrayList<>();
        for (CompletableFuture<String> probe : cameraProbes) {
            try {
                String problem = probe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (problem != null) {
                    problems.add(problem);
                }
            } catch (TimeoutException e) {
                problems.add("nvr-loop: event loop did not answer within " + PROBE_TIMEOUT.toSeconds() + " s");
                break;
            } catch (ExecutionException e) {
                problems.add("nvr-loop: " + e.getCause());
            }
        }
        try {
            indexProbe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            problems.add("nvr-index: index writer did not complete an empty transaction within "
                    + PROBE_TIMEOUT.toSeconds() + " s");
        } catch (ExecutionException e) {
            problems.add("nvr-index: " + e.getCause().getMessage());
        }
        return new Liveness(problems);
    }

    /** Time left until {@code deadline} less {@code reserve}, at least 100 ms. */
    private static Duration remaining(long deadline, Duration reserve) {
        return Duration.ofNanos(Math.max(Duration.ofMillis(100).toNanos(), deadline - System.nanoTime() - reserve.toNanos()));
    }

    /**
     * Stops every camera (open segments closed and indexed), then releases everything, all within
     * {@link #STOP_DEADLINE}. Safe twice.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + STOP_DEADLINE.toNanos();
        CompletableFuture<?>[] stops = supervisors.stream().map(CameraSupervisor::stop).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(stops).get(STOP_DEADLINE.toMillis() - 1500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warn("some cameras did not stop in time; their open segments are recovered at the next start");
        } catch (ExecutionException e) {
            LOG.warn("error while stopping cameras: {}", e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // One deadline for every step, so a stop fits the contract's 10 s and systemd's TimeoutStopSec.
        // Whatever is cut short is finished by the next start's reconciliation.
        if (lanes != null) {
            lanes.close(remaining(deadline, Duration.ofMillis(1500)).dividedBy(2));
        }
        if (rtspLoops != null) {
            rtspLoops.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS);
        }
        live.close(); // viewers of cameras that did not stop in time
        finisher.close(remaining(deadline, Duration.ofMillis(500)));
        if (retention != null) {
            retention.close();
        }
        if (replicator != null) {
            replicator.close(remaining(deadline, Duration.ofMillis(500)));
        }
        if (resolver != null) {
            resolver.close();
        }
        loop.shutdownGracefully(0, Math.max(100, (deadline - System.nanoTime()) / 1_000_000 / 2), TimeUnit.MILLISECONDS);
        boolean indexClosed = index.close(remaining(deadline, Duration.ZERO));
        if (ownMetrics != null) {
            ownMetrics.close();
        }
        if (indexClosed) {
            try {
                lock.markStoppedCleanly(); // the next start need not check the index
            } catch (IOException e) {
                LOG.warn("cannot mark the stop as clean (the next start checks the index): {}", e.getMessage());
            }
        }
        closeQuietly(lock); // last: nothing of this recorder writes to the root any more
        LOG.info("recorder stopped");
    }

    private static void closeQuietly(StorageLock lock) {
        try {
            lock.close();
        } catch (IOException e) {
            LOG.warn("cannot release the storage lock: {}", e.getMessage()); // the kernel does at exit
        }
    }
}
