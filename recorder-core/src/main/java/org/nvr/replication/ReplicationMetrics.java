package org.nvr.replication;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The replication meters: {@code nvr_replication_pending_objects}, {@code nvr_replication_pending_bytes},
 * {@code nvr_replication_oldest_pending_timestamp_seconds} (NaN when nothing is pending),
 * {@code nvr_replication_failures_total{reason}}, {@code nvr_replication_dropped_total} (copy-all segments
 * retention deleted before they were copied), {@code nvr_replication_uploaded_bytes_total}. Written by the
 * replication thread, read by scrapes; the gauges show the last {@link ReplicationStatus} read.
 */
public final class ReplicationMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private volatile ReplicationStatus status;
    private final java.util.function.LongSupplier uploadedBytes;

    public ReplicationMetrics(MeterRegistry registry, java.util.function.LongSupplier uploadedBytes) {
        this.registry = registry;
        Gauge.builder("nvr.replication.pending.objects", this, m -> m.status == null ? 0 : m.status.pendingObjects())
                .description("Objects waiting to be copied to the bucket").register(registry);
        Gauge.builder("nvr.replication.pending.bytes", this, m -> m.status == null ? 0 : m.status.pendingBytes())
                .description("Bytes waiting to be copied to the bucket").register(registry);
        Gauge.builder("nvr.replication.oldest.pending.timestamp.seconds", this, m -> m.status == null
                        || m.status.oldestPending().isEmpty() ? Double.NaN
                        : m.status.oldestPending().get().toEpochMilli() / 1000.0)
                .description("Unix time the oldest pending object was queued (NaN when none)").register(registry);
        FunctionCounter.builder("nvr.replication.dropped", this, m -> m.status == null ? 0 : m.status.droppedObjects())
                .description("Queued segments deleted (retention, copy: all) or gone before they were copied")
                .register(registry);
        // Micrometer holds a function meter's object weakly: `this` lives as long as the replicator, a lambda
        // would be collected and the counter turn NaN.
        this.uploadedBytes = uploadedBytes;
        FunctionCounter.builder("nvr.replication.uploaded.bytes", this, m -> m.uploadedBytes.getAsLong())
                .description("Bytes sent to the bucket").register(registry);
    }

    void status(ReplicationStatus s) {
        status = s;
    }

    /** Counts one failure by its bounded reason (see {@link ReplicationFailure}). */
    void failure(String reason) {
        failures.computeIfAbsent(reason, r -> Counter.builder("nvr.replication.failures").tag("reason", r)
                .description("Failed copy attempts, by reason").register(registry)).increment();
    }
}
