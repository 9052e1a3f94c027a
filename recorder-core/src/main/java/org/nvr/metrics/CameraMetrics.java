package org.nvr.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The meters of one camera: {@code nvr_camera_*}, {@code nvr_segments_written_total} and
 * {@code nvr_retention_deleted_bytes_total}, all labelled {@code site} and {@code camera}. Obtained
 * from {@link RecorderMetrics#camera(String, String)}, which registers every series at once (every
 * reconnect reason at 0 included) so dashboards and {@code rate()} see a configured camera before
 * its first event.
 *
 * <p>Threads: any number, concurrently and without locks. Counters are Micrometer counters (adders);
 * gauges read fields of this object, which {@link RecorderMetrics} keeps strongly reachable, since
 * Micrometer only holds gauge state weakly.
 *
 * <p>Values:
 * <ul>
 *   <li>{@code last_frame_timestamp_seconds} is 0 until the first frame, so an alert on
 *       {@code time() - last_frame > N} fires for a camera that never delivered anything.</li>
 *   <li>{@code oldest_footage_timestamp_seconds} is NaN while the camera has no footage: 0 would
 *       read as footage kept since 1970.</li>
 *   <li>Counters only go up: a negative or NaN amount is ignored, as Micrometer does.</li>
 * </ul>
 */
public final class CameraMetrics {
    private final String site;
    private final String camera;
    private final SiteGauges siteGauges;
    private final AtomicBoolean up = new AtomicBoolean();
    private volatile double lastFrameSeconds;
    private volatile double oldestFootageSeconds = Double.NaN;
    private final Map<ReconnectReason, Counter> reconnects = new EnumMap<>(ReconnectReason.class);
    private final Counter recordedSeconds;
    private final Counter receivedBytes;
    private final Counter segmentsWritten;
    private final Counter retentionDeletedBytes;

    private CameraMetrics(MeterRegistry registry, SiteGauges siteGauges, String site, String camera) {
        this.site = site;
        this.camera = camera;
        this.siteGauges = siteGauges;
        Tags tags = Tags.of("site", site, "camera", camera);
        for (ReconnectReason reason : ReconnectReason.values()) {
            reconnects.put(reason, Counter.builder("nvr.camera.reconnects")
                    .description("Failed or lost camera sessions, by reason")
                    .tags(tags).tag("reason", reason.label())
                    .register(registry));
        }
        recordedSeconds = Counter.builder("nvr.camera.recorded")
                .description("Seconds of footage written")
                .baseUnit("seconds").tags(tags).register(registry);
        receivedBytes = Counter.builder("nvr.camera.received")
                .description("Stream bytes received from the camera")
                .baseUnit("bytes").tags(tags).register(registry);
        segmentsWritten = Counter.builder("nvr.segments.written")
                .description("Closed segments")
                .tags(tags).register(registry);
        retentionDeletedBytes = Counter.builder("nvr.retention.deleted")
                .description("Footage removed by retention")
                .baseUnit("bytes").tags(tags).register(registry);
    }

    /** Creates the meters of one camera; gauges are registered once this object is complete. */
    static CameraMetrics register(MeterRegistry registry, SiteGauges siteGauges, String site, String camera) {
        CameraMetrics metrics = new CameraMetrics(registry, siteGauges, site, camera);
        Tags tags = Tags.of("site", site, "camera", camera);
        Gauge.builder("nvr.camera.up", metrics, m -> m.up.get() ? 1 : 0)
                .description("1 while frames arrive and are written")
                .tags(tags).register(registry);
        Gauge.builder("nvr.camera.last.frame.timestamp", metrics, m -> m.lastFrameSeconds)
                .description("Unix time of the last frame written, 0 before the first")
                .baseUnit("seconds").tags(tags).register(registry);
        Gauge.builder("nvr.camera.oldest.footage.timestamp", metrics, m -> m.oldestFootageSeconds)
                .description("Unix time where the camera's kept footage starts, NaN without footage")
                .baseUnit("seconds").tags(tags).register(registry);
        return metrics;
    }

    public String site() {
        return site;
    }

    public String camera() {
        return camera;
    }

    /** Whether frames arrive and are written; {@code nvr_site_cameras_up} follows. Idempotent. */
    public void setUp(boolean isUp) {
        if (up.compareAndSet(!isUp, isUp)) {
            siteGauges.upChanged(isUp ? 1 : -1);
        }
    }

    public boolean isUp() {
        return up.get();
    }

    /** Counts one failed or lost session. */
    public void reconnect(ReconnectReason reason) {
        reconnects.get(reason == null ? ReconnectReason.ERROR : reason).increment();
    }

    /** Counts one failed or lost session; an unknown {@code reason} counts as {@code error}. */
    public void reconnect(String reason) {
        reconnect(ReconnectReason.fromLabel(reason));
    }

    public void recorded(Duration footage) {
        recorded(footage.toNanos() / 1e9);
    }

    public void recorded(double seconds) {
        if (seconds > 0) {
            recordedSeconds.increment(seconds);
        }
    }

    public void receivedBytes(long bytes) {
        if (bytes > 0) {
            receivedBytes.increment(bytes);
        }
    }

    /** The time of the last frame written; the latest call wins. */
    public void lastFrame(Instant frameTime) {
        lastFrameSeconds = epochSeconds(frameTime);
    }

    /** Where the camera's kept footage starts; {@code null} when it has none (exposed as NaN). */
    public void oldestFootage(Instant start) {
        oldestFootageSeconds = start == null ? Double.NaN : epochSeconds(start);
    }

    public void segmentWritten() {
        segmentsWritten.increment();
    }

    public void retentionDeleted(long bytes) {
        if (bytes > 0) {
            retentionDeletedBytes.increment(bytes);
        }
    }

    private static double epochSeconds(Instant instant) {
        return instant.getEpochSecond() + instant.getNano() / 1e9;
    }

    @Override
    public String toString() {
        return "CameraMetrics[" + site + "/" + camera + "]";
    }
}
