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
import org.nvr.camera.FailureReason;

/**
 * The meters of one camera: {@code nvr_camera_*}, {@code nvr_segments_written_total} and
 * {@code nvr_retention_deleted_bytes_total}, all labelled {@code site} and {@code camera}. Obtained
 * from {@link RecorderMetrics#camera(String, String)}, which registers every series at once (every
 * reason at 0 included) so dashboards and {@code rate()} see a configured camera before its first
 * event.
 *
 * <p>Beyond the contract, for the dashboard and alerts ({@code config/grafana},
 * {@code config/prometheus}):
 * <ul>
 *   <li>{@code nvr_camera_outages_total{reason}}: outages (the camera stopped recording, or never
 *       started), counted once each, by the reason that began them; unlike
 *       {@code nvr_camera_reconnects_total} a camera retrying every 30 s for a day counts once.</li>
 *   <li>{@code nvr_camera_down_reason{reason}}: 1 for the reason of the current outage, else 0.</li>
 *   <li>picture health from {@link PictureHealth}: {@code nvr_camera_frames_per_second},
 *       {@code nvr_camera_bitrate_bytes_per_second} (bytes, the base unit {@code promtool} insists on),
 *       {@code nvr_camera_bitrate_reference_bytes_per_second},
 *       {@code nvr_camera_keyframe_interval_seconds} and
 *       {@code nvr_camera_picture_suspect{reason="no_keyframes"|"bitrate_collapse"}} (1 while up and
 *       suspect).</li>
 *   <li>{@code nvr_camera_retention_target_seconds}: the {@code max_age} that applies to the camera,
 *       NaN without one, so alerts can compare the footage really kept with it.</li>
 *   <li>our RTSP client's reception ({@link #rtpPackets}): {@code nvr_camera_rtp_packets_total},
 *       {@code nvr_camera_rtp_packets_lost_total}, {@code nvr_camera_rtp_packets_reordered_total},
 *       {@code nvr_camera_rtp_frames_dropped_total} (pictures dropped whole for a loss, never written
 *       damaged), and {@code nvr_camera_clock_offset_seconds} (the camera's clock minus ours from its RTCP
 *       sender reports; NaN until one arrived, then the last known value, kept when the session ends).</li>
 * </ul>
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
    private volatile double retentionTargetSeconds = Double.NaN;
    private volatile double clockOffsetSeconds = Double.NaN;
    /** The reason of the current outage, null while none. */
    private volatile FailureReason downReason;
    private final PictureHealth picture = new PictureHealth();
    private final Map<FailureReason, Counter> outages = new EnumMap<>(FailureReason.class);
    private final Map<FailureReason, Counter> reconnects = new EnumMap<>(FailureReason.class);
    private final Counter recordedSeconds;
    private final Counter receivedBytes;
    private final Counter segmentsWritten;
    private final Counter retentionDeletedBytes;
    private final Counter rtpPackets;
    private final Counter rtpPacketsLost;
    private final Counter rtpPacketsReordered;
    private final Counter rtpFramesDropped;

    private CameraMetrics(MeterRegistry registry, SiteGauges siteGauges, String site, String camera) {
        this.site = site;
        this.camera = camera;
        this.siteGauges = siteGauges;
        Tags tags = Tags.of("site", site, "camera", camera);
        for (FailureReason reason : FailureReason.FAILURES) {
            reconnects.put(reason, Counter.builder("nvr.camera.reconnects")
                    .description("Failed or lost camera sessions, by reason")
                    .tags(tags).tag("reason", reason.label())
                    .register(registry));
            outages.put(reason, Counter.builder("nvr.camera.outages")
                    .description("Outages (camera stopped recording or never started), by the reason that began them")
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
        rtpPackets = Counter.builder("nvr.camera.rtp.packets")
                .description("RTP packets received from the camera by the recorder's RTSP client")
                .tags(tags).register(registry);
        rtpPacketsLost = Counter.builder("nvr.camera.rtp.packets.lost")
                .description("RTP packets the camera sent that never arrived (sequence number gaps)")
                .tags(tags).register(registry);
        rtpPacketsReordered = Counter.builder("nvr.camera.rtp.packets.reordered")
                .description("RTP packets that arrived out of order over UDP and were put back in place")
                .tags(tags).register(registry);
        rtpFramesDropped = Counter.builder("nvr.camera.rtp.frames.dropped")
                .description("Frames dropped whole because a packet of theirs (or of a picture they need) was lost")
                .tags(tags).register(registry);
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
        Gauge.builder("nvr.camera.retention.target", metrics, m -> m.retentionTargetSeconds)
                .description("Longest footage kept for the camera (retention max_age), NaN without one")
                .baseUnit("seconds").tags(tags).register(registry);
        for (FailureReason reason : FailureReason.FAILURES) {
            Gauge.builder("nvr.camera.down.reason", metrics, m -> m.downReason == reason ? 1 : 0)
                    .description("1 for the reason of the camera's current outage")
                    .tags(tags).tag("reason", reason.label()).register(registry);
        }
        Gauge.builder("nvr.camera.clock.offset", metrics, m -> m.clockOffsetSeconds)
                .description("The camera's clock minus ours, from its RTCP sender reports; NaN until one arrived")
                .baseUnit("seconds").tags(tags).register(registry);
        PictureHealth picture = metrics.picture;
        Gauge.builder("nvr.camera.frames.per.second", picture, PictureHealth::framesPerSecond)
                .description("Pictures per second written, over the last whole GOPs of at least 10 s; 0 while down")
                .tags(tags).register(registry);
        Gauge.builder("nvr.camera.bitrate", picture, PictureHealth::bytesPerSecond)
                .description("Video bit rate written, over the last whole GOPs of at least 10 s; 0 while down")
                .baseUnit("bytes.per.second").tags(tags).register(registry);
        Gauge.builder("nvr.camera.bitrate.reference", picture, PictureHealth::referenceBytesPerSecond)
                .description("The camera's learned normal video bit rate (1 h average); NaN before it is known")
                .baseUnit("bytes.per.second").tags(tags).register(registry);
        Gauge.builder("nvr.camera.keyframe.interval", picture, PictureHealth::keyframeIntervalSeconds)
                .description("Time between the last two keyframes, or since the last one when longer; NaN while down")
                .baseUnit("seconds").tags(tags).register(registry);
        Gauge.builder("nvr.camera.picture.suspect", picture, p -> p.noKeyframes() ? 1 : 0)
                .description("1 while a recording camera's picture is suspect, by reason")
                .tags(tags).tag("reason", "no_keyframes").register(registry);
        Gauge.builder("nvr.camera.picture.suspect", picture, p -> p.bitrateCollapsed() ? 1 : 0)
                .description("1 while a recording camera's picture is suspect, by reason")
                .tags(tags).tag("reason", "bitrate_collapse").register(registry);
        return metrics;
    }

    public String site() {
        return site;
    }

    public String camera() {
        return camera;
    }

    /**
     * Whether frames arrive and are written; {@code nvr_site_cameras_up} follows. Idempotent. Going
     * down clears the picture-health gauges.
     */
    public void setUp(boolean isUp) {
        if (up.compareAndSet(!isUp, isUp)) {
            siteGauges.upChanged(isUp ? 1 : -1);
        }
        if (!isUp) {
            picture.reset();
        }
    }

    public boolean isUp() {
        return up.get();
    }

    /** Counts one failed or lost session. */
    public void reconnect(FailureReason reason) {
        reconnects.get(reason == null ? FailureReason.ERROR : reason).increment();
    }

    /** Counts one failed or lost session; an unknown {@code reason} counts as {@code error}. */
    public void reconnect(String reason) {
        reconnect(FailureReason.failureFromLabel(reason));
    }

    /** Counts the start of an outage; an unknown {@code reason} counts as {@code error}. */
    public void outage(String reason) {
        outages.get(FailureReason.failureFromLabel(reason)).increment();
    }

    /** The reason of the current outage ({@code nvr_camera_down_reason}); null when there is none. */
    public void downReason(String reason) {
        downReason = reason == null ? null : FailureReason.failureFromLabel(reason);
    }

    /**
     * One video picture written: feeds frame rate, bit rate, keyframe interval and the suspect flags.
     * Called by the camera's session thread, in picture order.
     */
    public void pictureWritten(Instant at, int bytes, boolean keyframe) {
        picture.frame(at, bytes, keyframe);
    }

    /** The {@code max_age} that applies to this camera; {@code null} when none (exposed as NaN). */
    public void retentionTarget(Duration maxAge) {
        retentionTargetSeconds = maxAge == null ? Double.NaN : maxAge.toMillis() / 1000.0;
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

    /**
     * Counts what the RTSP client received since the last call (deltas, e.g. of successive
     * {@code RtspSession.stats()} snapshots); negative amounts are ignored.
     *
     * @param packets       RTP packets received
     * @param lost          packets lost
     * @param reordered     packets put back in order
     * @param framesDropped frames dropped for a loss
     */
    public void rtpPackets(long packets, long lost, long reordered, long framesDropped) {
        increment(rtpPackets, packets);
        increment(rtpPacketsLost, lost);
        increment(rtpPacketsReordered, reordered);
        increment(rtpFramesDropped, framesDropped);
    }

    /** The camera clock's offset from ours (camera minus ours); {@code null} when unknown (exposed as NaN). */
    public void cameraClockOffset(Duration offset) {
        clockOffsetSeconds = offset == null ? Double.NaN : offset.toNanos() / 1e9;
    }

    private static void increment(Counter counter, long amount) {
        if (amount > 0) {
            counter.increment(amount);
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
