package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.footage.FootageExporter;
import org.nvr.footage.OutputFile;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;

/**
 * A camera that sends an access unit delimiter (AUD) as an RTP packet of its own before every picture,
 * as x264 (and so GStreamer's test server) does, and that goes away between the delimiter of a picture
 * and its slices: FFmpeg hands over the delimiter alone as the session's last packet. Written as a
 * sample of its own (6 bytes: the NAL and its length) it made decoders say "missing picture in access
 * unit with size 6" at the end of the segment before the outage and in any export across it.
 */
class AccessUnitDelimiterTest {
    private static final int AUD_SAMPLE_BYTES = 6;

    @TempDir
    Path root;
    @TempDir
    Path exports;

    @Test
    void aDelimiterLeftAloneWhenTheCameraHangsUpIsNotWrittenAsAPicture() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 100, 300_000).withAccessUnitDelimiters();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam", clip);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60), TestCameras.camera("cam", "site", sim.url("cam")));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                var status = recorder.statuses().get(0);
                RecorderGstTest.await(Duration.ofSeconds(15), "recording", () -> status.current() == CameraState.RECORDING);
                RecorderGstTest.await(Duration.ofSeconds(10), "2 s recorded", () -> secondsSinceStart(root) >= 2);
                sim.camera("cam").hangUpMidPicture(); // the session's last packet: a delimiter alone
                RecorderGstTest.await(Duration.ofSeconds(15), "second run", () -> runs(root) >= 2
                        && status.current() == CameraState.RECORDING);
                RecorderGstTest.await(Duration.ofSeconds(10), "2 s recorded again", () -> secondsSinceStart(root) >= 2);
            }
        }
        List<SegmentRow> segs;
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            segs = q.segments("cam", Instant.EPOCH, Instant.now());
        }
        assertEquals(2, segs.size(), "one segment per session: " + segs);
        for (SegmentRow s : segs) {
            Path file = root.resolve(s.path());
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
            assertTrue(packets.get(0).keyframe(), s.path() + " starts with a keyframe");
            assertEquals(List.of(), packets.stream().filter(p -> p.size() <= AUD_SAMPLE_BYTES).toList(),
                    s.path() + ": samples holding only a delimiter");
            assertEquals(List.of(), MediaProbe.decodeErrors(file), s.path());
            assertEquals(s.frames(), MediaProbe.frameCount(file), s.path() + " every sample is a picture");
        }
        // An export across both sessions and the gap between them.
        Path out = exports.resolve("export.mp4");
        try (OutputFile claimed = OutputFile.claim(out, root, false)) {
            new FootageExporter(root, false, null).export(segs, segs.get(0).start(), segs.get(1).end(), claimed);
            claimed.publish();
        }
        assertEquals(List.of(), MediaProbe.decodeErrors(out));
        assertEquals(List.of(), MediaProbe.videoPackets(out).stream().filter(p -> p.size() <= AUD_SAMPLE_BYTES).toList());
    }

    private static long secondsSinceStart(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<RunRow> runs = q.runs("cam", Instant.EPOCH, Instant.now().plusSeconds(60));
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
}
