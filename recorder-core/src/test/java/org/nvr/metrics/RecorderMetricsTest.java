package org.nvr.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.nvr.camera.FailureReason;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecorderMetricsTest {
    private static final Map<String, String> CAM_01 = Map.of("site", "thon-1", "camera", "cam-01");

    private final RecorderMetrics metrics = new RecorderMetrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void exposesExactlyTheContractNamesAndTypesPlusTheDocumentedAdditions() {
        metrics.camera("thon-1", "cam-01");
        Map<String, String> nvr = new TreeMap<>(Exposition.types(metrics.scrape()).entrySet().stream()
                .filter(e -> e.getKey().startsWith("nvr_"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        Map<String, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry("nvr_camera_up", "gauge"),
                Map.entry("nvr_camera_reconnects_total", "counter"),
                Map.entry("nvr_camera_recorded_seconds_total", "counter"),
                Map.entry("nvr_camera_received_bytes_total", "counter"),
                Map.entry("nvr_camera_last_frame_timestamp_seconds", "gauge"),
                Map.entry("nvr_camera_oldest_footage_timestamp_seconds", "gauge"),
                Map.entry("nvr_segments_written_total", "counter"),
                Map.entry("nvr_retention_deleted_bytes_total", "counter"),
                Map.entry("nvr_site_cameras", "gauge"),
                Map.entry("nvr_site_cameras_up", "gauge"),
                Map.entry("nvr_storage_used_bytes", "gauge"),
                Map.entry("nvr_storage_free_bytes", "gauge"),
                Map.entry("nvr_storage_locked_bytes", "gauge"),
                // additions for the dashboard and the alert rules
                Map.entry("nvr_camera_outages_total", "counter"),
                Map.entry("nvr_camera_down_reason", "gauge"),
                Map.entry("nvr_camera_frames_per_second", "gauge"),
                Map.entry("nvr_camera_bitrate_bytes_per_second", "gauge"),
                Map.entry("nvr_camera_bitrate_reference_bytes_per_second", "gauge"),
                Map.entry("nvr_camera_keyframe_interval_seconds", "gauge"),
                Map.entry("nvr_camera_picture_suspect", "gauge"),
                Map.entry("nvr_camera_retention_target_seconds", "gauge"),
                Map.entry("nvr_storage_budget_bytes", "gauge"),
                Map.entry("nvr_storage_min_free_bytes", "gauge"),
                Map.entry("nvr_storage_free_floor_unmet", "gauge"),
                Map.entry("nvr_index_rebuilds_total", "counter"),
                // our RTSP client's reception (issue 14)
                Map.entry("nvr_camera_rtp_packets_total", "counter"),
                Map.entry("nvr_camera_rtp_packets_lost_total", "counter"),
                Map.entry("nvr_camera_rtp_packets_reordered_total", "counter"),
                Map.entry("nvr_camera_rtp_frames_dropped_total", "counter"),
                Map.entry("nvr_camera_clock_offset_seconds", "gauge")));
        assertEquals(expected, nvr);
    }

    @Test
    void rtpReceptionAndTheCameraClockOffsetAreExposed() {
        CameraMetrics cam = metrics.camera("thon-1", "cam-01");
        String before = metrics.scrape();
        assertEquals(0.0, Exposition.value(before, "nvr_camera_rtp_packets_total", CAM_01));
        assertTrue(Double.isNaN(Exposition.value(before, "nvr_camera_clock_offset_seconds", CAM_01)),
                "NaN until a sender report told it");

        cam.rtpPackets(1000, 3, 7, 2);
        cam.rtpPackets(500, 1, 0, 1);
        cam.rtpPackets(-5, -1, -1, -1); // counters only go up
        cam.cameraClockOffset(Duration.ofSeconds(-3600).minusMillis(250));
        String text = metrics.scrape();
        assertEquals(1500.0, Exposition.value(text, "nvr_camera_rtp_packets_total", CAM_01));
        assertEquals(4.0, Exposition.value(text, "nvr_camera_rtp_packets_lost_total", CAM_01));
        assertEquals(7.0, Exposition.value(text, "nvr_camera_rtp_packets_reordered_total", CAM_01));
        assertEquals(3.0, Exposition.value(text, "nvr_camera_rtp_frames_dropped_total", CAM_01));
        assertEquals(-3600.25, Exposition.value(text, "nvr_camera_clock_offset_seconds", CAM_01));

        cam.cameraClockOffset(null);
        assertTrue(Double.isNaN(Exposition.value(metrics.scrape(), "nvr_camera_clock_offset_seconds", CAM_01)));
    }

    @Test
    void aNewCameraIsExposedAtZeroWithEveryReason() {
        metrics.camera("thon-1", "cam-01");
        String text = metrics.scrape();
        assertEquals(0.0, Exposition.value(text, "nvr_camera_up", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_recorded_seconds_total", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_received_bytes_total", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_segments_written_total", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_retention_deleted_bytes_total", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_last_frame_timestamp_seconds", CAM_01));
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_camera_oldest_footage_timestamp_seconds", CAM_01)));
        for (FailureReason reason : FailureReason.FAILURES) {
            assertEquals(0.0, Exposition.value(text, "nvr_camera_reconnects_total",
                    Map.of("site", "thon-1", "camera", "cam-01", "reason", reason.label())), reason.label());
        }
        assertEquals(1.0, Exposition.value(text, "nvr_site_cameras", Map.of("site", "thon-1")));
        assertEquals(0.0, Exposition.value(text, "nvr_site_cameras_up", Map.of("site", "thon-1")));
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_storage_free_bytes", Map.of())), "unmeasured is NaN");
    }

    @Test
    void additionsStartAtZeroOrUnknown() {
        metrics.camera("thon-1", "cam-01");
        String text = metrics.scrape();
        for (FailureReason reason : FailureReason.FAILURES) {
            Map<String, String> labels = Map.of("site", "thon-1", "camera", "cam-01", "reason", reason.label());
            assertEquals(0.0, Exposition.value(text, "nvr_camera_outages_total", labels), reason.label());
            assertEquals(0.0, Exposition.value(text, "nvr_camera_down_reason", labels), reason.label());
        }
        assertEquals(0.0, Exposition.value(text, "nvr_camera_frames_per_second", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_bitrate_bytes_per_second", CAM_01));
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_camera_bitrate_reference_bytes_per_second", CAM_01)));
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_camera_keyframe_interval_seconds", CAM_01)));
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_camera_retention_target_seconds", CAM_01)));
        for (String reason : new String[]{"no_keyframes", "bitrate_collapse"}) {
            assertEquals(0.0, Exposition.value(text, "nvr_camera_picture_suspect",
                    Map.of("site", "thon-1", "camera", "cam-01", "reason", reason)));
        }
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_storage_budget_bytes", Map.of())), "no limit is NaN");
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_storage_min_free_bytes", Map.of())));
    }

    @Test
    void additionsFollowTheCalls() {
        CameraMetrics cam = metrics.camera("thon-1", "cam-01");
        cam.setUp(true);
        Instant t = Instant.parse("2026-11-29T07:00:00Z");
        for (int i = 0; i <= 250; i++) {
            cam.pictureWritten(t.plusMillis(40L * i), i % 25 == 0 ? 10_000 : 1_000, i % 25 == 0);
        }
        cam.outage("stalled");
        cam.outage("rtsp://admin:secret@cam/");
        cam.downReason("refused");
        cam.retentionTarget(Duration.ofDays(14));
        metrics.storageLimits(java.util.OptionalLong.of(2_000_000_000_000L), java.util.OptionalLong.of(20_000_000_000L));
        String text = metrics.scrape();
        assertEquals(25.0, Exposition.value(text, "nvr_camera_frames_per_second", CAM_01), 0.01);
        assertEquals(34_000.0, Exposition.value(text, "nvr_camera_bitrate_bytes_per_second", CAM_01), 1);
        assertEquals(1.0, Exposition.value(text, "nvr_camera_keyframe_interval_seconds", CAM_01), 0.001);
        assertEquals(1.0, Exposition.value(text, "nvr_camera_outages_total", withReason("stalled")));
        assertEquals(1.0, Exposition.value(text, "nvr_camera_outages_total", withReason("error")));
        assertEquals(1.0, Exposition.value(text, "nvr_camera_down_reason", withReason("refused")));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_down_reason", withReason("stalled")));
        assertEquals(14 * 86400.0, Exposition.value(text, "nvr_camera_retention_target_seconds", CAM_01));
        assertTrue(text.contains("\nnvr_storage_budget_bytes 2.0E12\n"), text);
        assertTrue(text.contains("\nnvr_storage_min_free_bytes 2.0E10\n"), text);
        assertFalse(text.contains("secret"));

        cam.setUp(false);
        cam.downReason(null);
        text = metrics.scrape();
        assertEquals(0.0, Exposition.value(text, "nvr_camera_frames_per_second", CAM_01), "down reads 0");
        assertTrue(Double.isNaN(Exposition.value(text, "nvr_camera_keyframe_interval_seconds", CAM_01)));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_down_reason", withReason("refused")));
    }

    private static Map<String, String> withReason(String reason) {
        return Map.of("site", "thon-1", "camera", "cam-01", "reason", reason);
    }

    @Test
    void cameraIsIdempotentAndCountedOncePerSite() {
        CameraMetrics first = metrics.camera("thon-1", "cam-01");
        assertSame(first, metrics.camera("thon-1", "cam-01"));
        metrics.camera("thon-1", "cam-02");
        metrics.camera("thon-2", "cam-03");
        String text = metrics.scrape();
        assertEquals(2.0, Exposition.value(text, "nvr_site_cameras", Map.of("site", "thon-1")));
        assertEquals(1.0, Exposition.value(text, "nvr_site_cameras", Map.of("site", "thon-2")));
    }

    @Test
    void valuesFollowTheCalls() {
        CameraMetrics cam = metrics.camera("thon-1", "cam-01");
        cam.recorded(Duration.ofMillis(1500));
        cam.recorded(0.25);
        cam.recorded(-3);
        cam.receivedBytes(1000);
        cam.receivedBytes(24);
        cam.lastFrame(Instant.parse("2026-11-29T07:00:01.5Z"));
        cam.oldestFootage(Instant.parse("2026-11-01T00:00:00Z"));
        cam.segmentWritten();
        cam.segmentWritten();
        cam.retentionDeleted(4096);
        metrics.storage(1_000_000, 2_000_000, 3_000);
        String text = metrics.scrape();
        assertEquals(1.75, Exposition.value(text, "nvr_camera_recorded_seconds_total", CAM_01));
        assertEquals(1024.0, Exposition.value(text, "nvr_camera_received_bytes_total", CAM_01));
        assertEquals(Instant.parse("2026-11-29T07:00:01.5Z").toEpochMilli() / 1000.0,
                Exposition.value(text, "nvr_camera_last_frame_timestamp_seconds", CAM_01));
        assertEquals(Instant.parse("2026-11-01T00:00:00Z").getEpochSecond(),
                Exposition.value(text, "nvr_camera_oldest_footage_timestamp_seconds", CAM_01));
        assertEquals(2.0, Exposition.value(text, "nvr_segments_written_total", CAM_01));
        assertEquals(4096.0, Exposition.value(text, "nvr_retention_deleted_bytes_total", CAM_01));
        assertTrue(text.contains("\nnvr_storage_used_bytes 1000000.0\n"), text);
        assertTrue(text.contains("\nnvr_storage_free_bytes 2000000.0\n"), text);
        assertTrue(text.contains("\nnvr_storage_locked_bytes 3000.0\n"), text);

        cam.oldestFootage(null);
        assertTrue(Double.isNaN(Exposition.value(metrics.scrape(), "nvr_camera_oldest_footage_timestamp_seconds", CAM_01)));
    }

    @Test
    void siteCamerasUpFollowsSetUpAndIgnoresRepeats() {
        CameraMetrics a = metrics.camera("thon-1", "cam-01");
        CameraMetrics b = metrics.camera("thon-1", "cam-02");
        a.setUp(true);
        a.setUp(true);
        b.setUp(true);
        b.setUp(false);
        b.setUp(false);
        String text = metrics.scrape();
        assertEquals(1.0, Exposition.value(text, "nvr_site_cameras_up", Map.of("site", "thon-1")));
        assertEquals(1.0, Exposition.value(text, "nvr_camera_up", CAM_01));
        assertEquals(0.0, Exposition.value(text, "nvr_camera_up", Map.of("site", "thon-1", "camera", "cam-02")));
    }

    @Test
    void reconnectReasonsAreBounded() {
        CameraMetrics cam = metrics.camera("thon-1", "cam-01");
        cam.reconnect("timeout");
        cam.reconnect(" NOT_FOUND ");
        cam.reconnect(FailureReason.STALLED);
        cam.reconnect("rtsp://admin:secret@192.168.1.64/stream");
        cam.reconnect("Connection reset by peer");
        cam.reconnect((String) null);
        String text = metrics.scrape();
        assertEquals(1.0, reconnects(text, "timeout"));
        assertEquals(1.0, reconnects(text, "not_found"));
        assertEquals(1.0, reconnects(text, "stalled"));
        assertEquals(3.0, reconnects(text, "error"));
        assertFalse(text.contains("secret"), text);
        assertEquals(FailureReason.FAILURES.size(), Exposition.samples(text).stream()
                .filter(s -> s.name().equals("nvr_camera_reconnects_total")).count());
    }

    @Test
    void rejectsIdsThatAreNotConfigIds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> metrics.camera("thon-1", "rtsp://admin:secret@host/x"));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> metrics.camera("Thon 1", "cam-01"));
        assertThrows(IllegalArgumentException.class, () -> metrics.camera("thon-1", "a/b"));
        assertThrows(IllegalArgumentException.class, () -> metrics.camera(null, "cam-01"));
    }

    @Test
    void concurrentUpdatesAreNotLost() throws Exception {
        int threads = 8;
        int rounds = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    start.await();
                    // Every thread also races to register the same cameras.
                    CameraMetrics cam = metrics.camera("thon-1", "cam-01");
                    metrics.camera("thon-1", "cam-02");
                    for (int i = 0; i < rounds; i++) {
                        cam.receivedBytes(2);
                        cam.segmentWritten();
                        cam.reconnect("eof");
                        cam.setUp(i % 2 == 0);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        metrics.camera("thon-1", "cam-01").setUp(true);
        String text = metrics.scrape();
        assertEquals(2.0 * threads * rounds, Exposition.value(text, "nvr_camera_received_bytes_total", CAM_01));
        assertEquals((double) threads * rounds, Exposition.value(text, "nvr_segments_written_total", CAM_01));
        assertEquals((double) threads * rounds, reconnects(text, "eof"));
        assertEquals(2.0, Exposition.value(text, "nvr_site_cameras", Map.of("site", "thon-1")));
        assertEquals(1.0, Exposition.value(text, "nvr_site_cameras_up", Map.of("site", "thon-1")));
    }

    @Test
    void closeIsSafeTwice() {
        metrics.close();
        metrics.close();
    }

    private static double reconnects(String text, String reason) {
        return Exposition.value(text, "nvr_camera_reconnects_total",
                Map.of("site", "thon-1", "camera", "cam-01", "reason", reason));
    }
}
