package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.Source;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;

/**
 * Faults inside a running stream, against the simulator: clock jumps forward and back, a new
 * resolution, junk bytes in the interleaved stream, and junk instead of RTSP replies. Recording goes on
 * (or, for junk replies, the camera is reported down with a reason), and what is written decodes.
 * Through each source: our RTSP client (the default) and {@code source: ffmpeg}. Junk replies are
 * {@code protocol} to our client, which reads them; FFmpeg only times out on them.
 */
class StreamFaultsTest {
    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Source.class)
    void recordingSurvivesEveryStreamFault(Source source) throws Exception {
        SyntheticClip big = SyntheticClip.generate(640, 360, 25, 25, 125, 600_000);
        SyntheticClip small = SyntheticClip.generate(320, 240, 25, 25, 125, 300_000);
        RecorderMetrics metrics = new RecorderMetrics();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            for (String id : List.of("jumps", "resize", "junk", "junk-replies")) {
                sim.addCamera(id, big);
            }
            sim.camera("junk-replies").sendGarbageInsteadOfRtsp(true);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("jumps", "site", sim.url("jumps")).withSource(source),
                    TestCameras.camera("resize", "site", sim.url("resize")).withSource(source),
                    TestCameras.camera("junk", "site", sim.url("junk")).withSource(source),
                    TestCameras.camera("junk-replies", "site", sim.url("junk-replies")).withSource(source));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics))) {
                var st = recorder.statuses();
                RecorderGstTest.await(Duration.ofSeconds(15), "recording", () -> st.subList(0, 3).stream()
                        .allMatch(s -> s.current() == CameraState.RECORDING));
                Thread.sleep(2000);
                sim.camera("jumps").jumpTimestamps(Duration.ofSeconds(10));
                sim.camera("resize").switchClip(small);
                sim.camera("junk").injectGarbage();
                Thread.sleep(2000);
                sim.camera("jumps").jumpTimestamps(Duration.ofSeconds(-3));
                Thread.sleep(2000);
                String junkReason = source == Source.FFMPEG ? "timeout" : "protocol";
                RecorderGstTest.await(Duration.ofSeconds(20), "junk replies classified as " + junkReason, () ->
                        FlakyCameraTest.reconnects(metrics, "junk-replies", junkReason) >= 1);
                assertEquals(CameraState.DOWN, st.get(3).current());
            } finally {
                metrics.close();
            }
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (String id : List.of("jumps", "resize", "junk")) {
                assertEquals(1, q.runs(id, Instant.EPOCH, Instant.now()).size(), id + ": one unbroken run");
                for (SegmentRow s : q.segments(id, Instant.EPOCH, Instant.now())) {
                    assertEquals(List.of(), MediaProbe.decodeErrors(root.resolve(s.path())), id + " " + s.path());
                }
            }
            // Clock jumps do not open holes or overlaps: frames stay 40 ms apart across both jumps.
            List<SegmentRow> jumps = q.segments("jumps", Instant.EPOCH, Instant.now());
            assertEquals(1, jumps.size());
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(root.resolve(jumps.get(0).path()));
            for (int i = 1; i < packets.size(); i++) {
                double step = packets.get(i).dtsTime() - packets.get(i - 1).dtsTime();
                assertTrue(step > 0.03 && step < 0.2, "step " + step + " s at frame " + i);
            }
            // A new resolution opens a new segment that carries it.
            List<SegmentRow> resize = q.segments("resize", Instant.EPOCH, Instant.now());
            assertEquals(2, resize.size(), resize.toString());
            assertEquals(640, resize.get(0).width());
            assertEquals(320, resize.get(1).width());
            assertEquals(320, MediaProbe.streams(root.resolve(resize.get(1).path())).get(0).width());
            assertEquals(resize.get(0).end(), resize.get(1).start());
        }
    }
}
