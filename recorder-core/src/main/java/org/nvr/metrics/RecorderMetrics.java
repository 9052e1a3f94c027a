package org.nvr.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * The recorder's Prometheus metrics: owns one {@link PrometheusMeterRegistry} holding the
 * {@code nvr_*} meters of the contract plus the JVM and process meters, and renders it as
 * Prometheus text (format 0.0.4) for {@code GET /metrics}.
 *
 * <p>Names are Micrometer names (dot-separated, base units) that the Prometheus naming convention
 * turns into the contract's names: {@code nvr.camera.recorded} with base unit {@code seconds}
 * becomes {@code nvr_camera_recorded_seconds_total}. Labels are {@code site}, {@code camera} and
 * {@code reason} only; site and camera must be config ids ({@code [a-z0-9][a-z0-9-]{0,31}}), which
 * is checked here so that no URL, path or credential can ever reach a label.
 *
 * <p>Threads: any; per-camera updates are lock-free. {@link #camera} is idempotent and may race with
 * itself. Storage gauges are NaN until the first {@link #storage} report, so a missing measurement
 * is never mistaken for a full disk.
 *
 * <p>Owns the registry and the GC listeners of {@link JvmGcMetrics}; {@link #close()} releases
 * them and is safe to call twice.
 */
public final class RecorderMetrics implements AutoCloseable {
    /** What {@link #scrape()} returns. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    /**
     * Micrometer meters whose Prometheus names fail {@code promtool check metrics}:
     * {@code process_cpu_time_ns_total} (abbreviated unit; replaced by {@code process_cpu_seconds_total},
     * the name every Prometheus client uses) and {@code system_cpu_count} (a {@code _count} suffix
     * outside a histogram or summary; a constant that {@code process_cpu_usage} already accounts for).
     */
    private static final Set<String> LINT_FAILURES = Set.of("process.cpu.time", "system.cpu.count");

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    // Gauges hold their state weakly: these maps and fields keep it alive as long as this object.
    private final ConcurrentMap<String, SiteGauges> sites = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, CameraMetrics> cameras = new ConcurrentHashMap<>();
    private final StorageGauges storage = new StorageGauges();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile java.util.function.LongSupplier indexRebuilds = () -> 0;

    public RecorderMetrics() {
        // Fail loudly on a name or label clash instead of silently dropping a meter.
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT).throwExceptionOnRegistrationFailure();
        registry.config().meterFilter(MeterFilter.deny(id -> LINT_FAILURES.contains(id.getName())));
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics = new JvmGcMetrics();
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        bindProcessCpuSeconds();
        storage.register(registry);
        FunctionCounter.builder("nvr.index.rebuilds", this, m -> m.indexRebuilds.getAsLong())
                .description("Times the index was lost (corrupt, deleted) and rebuilt or recreated").register(registry);
    }

    /**
     * The meters of one camera, registered (at 0) on the first call for this site and camera and
     * counted in {@code nvr_site_cameras{site}}; later calls return the same object.
     *
     * @throws IllegalArgumentException if {@code site} or {@code camera} is not a config id
     */
    public CameraMetrics camera(String site, String camera) {
        requireId("site", site);
        requireId("camera", camera);
        return cameras.computeIfAbsent(site + '/' + camera, key -> {
            SiteGauges siteGauges = sites.computeIfAbsent(site, s -> SiteGauges.register(registry, s));
            CameraMetrics metrics = CameraMetrics.register(registry, siteGauges, site, camera);
            siteGauges.cameraAdded();
            return metrics;
        });
    }

    /** The latest storage measurement, in bytes: footage on disk, free space, footage under hold. */
    public void storage(long usedBytes, long freeBytes, long lockedBytes) {
        storage.used = usedBytes;
        storage.free = freeBytes;
        storage.locked = lockedBytes;
    }

    /**
     * The configured storage limits ({@code storage.retention.max_bytes} and {@code min_free_bytes}),
     * exposed as {@code nvr_storage_budget_bytes} and {@code nvr_storage_min_free_bytes} so alerts can
     * compare usage with them; an absent limit is NaN (no alert compares true against it).
     */
    public void storageLimits(OptionalLong budgetBytes, OptionalLong minFreeBytes) {
        storage.budget = budgetBytes.isPresent() ? budgetBytes.getAsLong() : Double.NaN;
        storage.minFree = minFreeBytes.isPresent() ? minFreeBytes.getAsLong() : Double.NaN;
    }

    /**
     * {@code nvr_index_rebuilds_total}: how often the index was found lost (corrupt, deleted) and rebuilt or
     * recreated by this process, read from {@code rebuilds} (0 until the recorder binds it).
     */
    public void indexRebuilds(java.util.function.LongSupplier rebuilds) {
        indexRebuilds = rebuilds;
    }

    /**
     * Whether retention cannot keep free space above its floor ({@code min_free_bytes} or the headroom)
     * even by deleting every unlocked segment: {@code nvr_storage_free_floor_unmet}, 1 or 0.
     */
    public void freeFloorUnmet(boolean unmet) {
        storage.floorUnmet = unmet ? 1 : 0;
    }

    /** Every meter in Prometheus text format 0.0.4 ({@link #contentType()}). */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    public String contentType() {
        return CONTENT_TYPE;
    }

    /** The registry, for binding further meters; it stays owned by this object. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            gcMetrics.close();
            registry.close();
        }
    }

    /** {@code process_cpu_seconds_total}, when the JVM reports process CPU time. */
    private void bindProcessCpuSeconds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean bean && bean.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", bean, b -> b.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the recorder process")
                    .baseUnit("seconds").register(registry);
        }
    }

    private static void requireId(String what, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            // Do not echo the value: a misuse could pass a URL with credentials.
            throw new IllegalArgumentException(what + " must be a config id matching " + ID.pattern());
        }
    }

    /** {@code nvr_storage_*_bytes}: written by the retention thread (limits once at start), read by scrapes. */
    private static final class StorageGauges {
        volatile double used = Double.NaN;
        volatile double free = Double.NaN;
        volatile double locked = Double.NaN;
        volatile double budget = Double.NaN;
        volatile double minFree = Double.NaN;
        volatile double floorUnmet;

        void register(PrometheusMeterRegistry registry) {
            Gauge.builder("nvr.storage.used", this, s -> s.used)
                    .description("Footage on disk").baseUnit("bytes").register(registry);
            Gauge.builder("nvr.storage.free", this, s -> s.free)
                    .description("Free space on the footage filesystem").baseUnit("bytes").register(registry);
            Gauge.builder("nvr.storage.locked", this, s -> s.locked)
                    .description("Footage under evidence hold").baseUnit("bytes").register(registry);
            Gauge.builder("nvr.storage.budget", this, s -> s.budget)
                    .description("Configured limit for all unlocked footage (retention max_bytes), NaN without one")
                    .baseUnit("bytes").register(registry);
            Gauge.builder("nvr.storage.min.free", this, s -> s.minFree)
                    .description("Configured free space to keep on the filesystem (retention min_free_bytes), NaN without one")
                    .baseUnit("bytes").register(registry);
            Gauge.builder("nvr.storage.free.floor.unmet", this, s -> s.floorUnmet)
                    .description("1 while retention cannot keep free space above its floor even by deleting every"
                            + " unlocked segment").register(registry);
        }
    }
}
