package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.Source;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;

/**
 * Records the built-in simulator, whose pictures carry a frame counter, to prove what the recorder keeps:
 * FFmpeg hands over the first picture of every session without a timestamp, and it must not be lost.
 * Through each source: our RTSP client (the default) and {@code source: ffmpeg}.
 */
class SimulatorRecordingTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Source.class)
    void firstPictureOfEverySessionIsKept(Source source) throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 50, 250, 500_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam", clip);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60), TestCameras.camera("cam", "site", sim.url("cam")).withSource(source));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                var status = recorder.statuses().get(0);
                RecorderGstTest.await(Duration.ofSeconds(15), "recording", () -> status.current() == CameraState.RECORDING);
                RecorderGstTest.await(Duration.ofSeconds(10), "3 s recorded", () -> recorder.storage() != null
                        && status.current() == CameraState.RECORDING && secondsSinceStart(root) >= 3);
                sim.camera("cam").dropSessions(); // the camera drops the connection; the recorder reconnects
                RecorderGstTest.await(Duration.ofSeconds(15), "second run", () -> runs(root) >= 2
                        && status.current() == CameraState.RECORDING);
                RecorderGstTest.await(Duration.ofSeconds(10), "3 s recorded again", () -> secondsSinceStart(root) >= 3);
            }
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<SegmentRow> segs = q.segments("cam", Instant.EPOCH, Instant.now());
            assertEquals(2, segs.size(), "one segment per run: " + segs);
            for (SegmentRow s : segs) {
                Path file = root.resolve(s.path());
                assertEquals(List.of(), MediaProbe.decodeErrors(file), s.path());
                assertEquals(0, firstFrameNumber(file), s.path() + " starts with the session's first picture");
                assertTrue(MediaProbe.videoPackets(file).get(0).keyframe());
            }
        }
    }

    private static long secondsSinceStart(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<org.nvr.index.RunRow> runs = q.runs("cam", Instant.EPOCH, Instant.now().plusSeconds(60));
            return runs.isEmpty() ? 0 : Duration.between(runs.get(runs.size() - 1).start(), Instant.now()).toSeconds();
        } catch (Exception e) {
            return 0;
        }
    }

    private static int runs(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.runs("cam", Instant.EPOCH, Instant.now().plusSeconds(60)).size();
        } catch (Exception e) {
            return 0;
        }
    }

    private static int firstFrameNumber(Path file) throws Exception {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
            g.start();
            Frame f = g.grabImage();
            return SyntheticClip.frameNumberOf((ByteBuffer) f.image[0], f.imageStride, f.imageWidth, f.imageHeight);
        }
    }
}
