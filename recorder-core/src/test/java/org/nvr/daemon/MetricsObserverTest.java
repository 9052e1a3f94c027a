package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvr.camera.CameraState;
import org.nvr.camera.FailureReason;
import org.nvr.metrics.RecorderMetrics;

/** How state reports become outages, down reasons and {@code nvr_camera_up}. */
class MetricsObserverTest {
    private static final Instant T = Instant.parse("2026-11-29T07:00:00Z");

    private final RecorderMetrics metrics = new RecorderMetrics();
    private final MetricsObserver observer = new MetricsObserver(metrics.camera("thon-1", "cam-01"),
            new StorageStats(Path.of(".")));

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void oneOutagePerStretchDownWhateverTheRetries() {
        observer.state(CameraState.CONNECTING, T, null, "starting");
        observer.state(CameraState.RECORDING, T, null, "h264");
        assertEquals(1.0, value("nvr_camera_up", null));
        observer.state(CameraState.DOWN, T, FailureReason.STALLED, "no packet for 5 s");
        // retries: the stream opens, then fails again with another reason
        observer.state(CameraState.CONNECTING, T, null, "stream opened");
        observer.state(CameraState.DOWN, T, FailureReason.REFUSED, "refused");
        observer.state(CameraState.DOWN, T, FailureReason.TIMEOUT, "timeout");
        assertEquals(0.0, value("nvr_camera_up", null));
        assertEquals(1.0, value("nvr_camera_outages_total", "stalled"));
        assertEquals(0.0, value("nvr_camera_outages_total", "refused"));
        assertEquals(1.0, value("nvr_camera_down_reason", "timeout"));
        assertEquals(0.0, value("nvr_camera_down_reason", "stalled"));

        observer.state(CameraState.RECORDING, T, null, "h264");
        assertEquals(0.0, value("nvr_camera_down_reason", "timeout"));
        observer.state(CameraState.DOWN, T, FailureReason.EOF, "stream ended");
        assertEquals(1.0, value("nvr_camera_outages_total", "eof"));
        assertEquals(1.0, value("nvr_camera_down_reason", "eof"));
        observer.state(CameraState.STOPPED, T, FailureReason.SHUTDOWN, "recorder stopped");
        assertEquals(0.0, value("nvr_camera_down_reason", "eof"));
    }

    @Test
    void aCameraThatNeverComesUpIsOneOutage() {
        observer.state(CameraState.CONNECTING, T, null, "starting");
        observer.state(CameraState.DOWN, T, FailureReason.AUTH, "401");
        observer.state(CameraState.DOWN, T, FailureReason.AUTH, "401");
        assertEquals(1.0, value("nvr_camera_outages_total", "auth"));
        assertEquals(1.0, value("nvr_camera_down_reason", "auth"));
    }

    private double value(String name, String reason) {
        Map<String, String> labels = reason == null ? Map.of("site", "thon-1", "camera", "cam-01")
                : Map.of("site", "thon-1", "camera", "cam-01", "reason", reason);
        String prefix = name + "{" + labels.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=\"" + e.getValue() + "\"").reduce((a, b) -> a + "," + b).orElseThrow() + "} ";
        return metrics.scrape().lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(prefix.length())))
                .orElseThrow(() -> new AssertionError("no " + prefix));
    }
}
