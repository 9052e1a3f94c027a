package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.NvrConfig;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.slf4j.LoggerFactory;

/**
 * Streams a recorder can take but should say something about, from GStreamer's RTSP server: Motion
 * JPEG (recorded as it is, with one warning per camera that browsers cannot play it, and the codec in
 * the index for {@code cameras}), and audio without video (nothing to record: its own reason,
 * {@code no_video}, not {@code protocol}).
 */
class UnusualStreamsGstTest {
    @TempDir
    Path root;

    @Test
    void mjpegIsRecordedWithOneWarningPerCameraAndAnAudioOnlyStreamFailsAsNoVideo() throws Exception {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        Logger warnings = (Logger) LoggerFactory.getLogger(StreamWarnings.class);
        warnings.addAppender(log);
        try (GstRtspServer gst = GstRtspServer.start(); RecorderMetrics metrics = new RecorderMetrics()) {
            NvrConfig config = TestCameras.config(root, Duration.ofSeconds(2),
                    TestCameras.camera("mjpeg", "gst", gst.url(GstRtspServer.MJPEG)),
                    TestCameras.camera("voice", "gst", gst.url(GstRtspServer.AUDIO_ONLY)));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics))) {
                Poll.until(Duration.ofSeconds(30), "an MJPEG segment closed and the audio-only camera failed twice",
                        () -> closed(config, "mjpeg") >= 1 && reconnects(metrics, "voice", "no_video") >= 2);
                gst.restart(); // the MJPEG camera reconnects: still one warning
                Poll.until(Duration.ofSeconds(30), "the MJPEG camera recording again after the restart",
                        () -> runs(config, "mjpeg") >= 2 && closedAfterRestart(config));
            }
            assertEquals(0.0, reconnects(metrics, "voice", "protocol"), "an audio-only stream is not a protocol error");
            List<String> mjpegWarnings = log.list.stream()
                    .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().startsWith("mjpeg:"))
                    .map(ILoggingEvent::getFormattedMessage).toList();
            assertEquals(1, mjpegWarnings.size(), "one warning over two sessions: " + mjpegWarnings);
            assertTrue(mjpegWarnings.get(0).contains("browsers cannot play"), mjpegWarnings.get(0));

            try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
                assertEquals(Optional.of("mjpeg"), q.lastVideoCodec("mjpeg"));
                assertEquals(Optional.empty(), q.lastVideoCodec("voice"));
                SegmentRow row = q.segments("mjpeg", Instant.EPOCH, Instant.now().plusSeconds(60)).get(0);
                Path file = root.resolve(row.path());
                assertEquals("mjpeg", MediaProbe.streams(file).get(0).codecName());
                assertEquals(List.of(), MediaProbe.decodeErrors(file));
            }
        } finally {
            warnings.detachAppender(log);
        }
    }

    private static double reconnects(RecorderMetrics metrics, String camera, String reason) {
        String labels = "camera=\"" + camera + "\",reason=\"" + reason + "\"";
        return metrics.scrape().lines()
                .filter(l -> l.startsWith("nvr_camera_reconnects_total{") && l.contains(labels))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no nvr_camera_reconnects_total{" + labels + "}"));
    }

    private static long closed(NvrConfig config, String camera) {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(s -> s.state() == SegmentState.CLOSED).count();
        } catch (Exception e) {
            return 0;
        }
    }

    private static long runs(NvrConfig config, String camera) {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.runs(camera, Instant.EPOCH, Instant.now().plusSeconds(60)).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static boolean closedAfterRestart(NvrConfig config) {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            List<RunRow> runs = q.runs("mjpeg", Instant.EPOCH, Instant.now().plusSeconds(60));
            Instant second = runs.get(runs.size() - 1).start();
            return q.segments("mjpeg", second, Instant.now().plusSeconds(60)).stream()
                    .anyMatch(s -> s.state() == SegmentState.CLOSED && !s.start().isBefore(second));
        } catch (Exception e) {
            return false;
        }
    }
}
