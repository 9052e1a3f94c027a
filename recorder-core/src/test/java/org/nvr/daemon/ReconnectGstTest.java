package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.index.FootageQueries;
import org.nvr.index.OutageRow;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/** A real RTSP server goes away and comes back: the recorder notices, records why, and resumes by itself. */
class ReconnectGstTest {
    @TempDir
    Path root;

    GstRtspServer gst;

    @AfterEach
    void stop() {
        if (gst != null) {
            gst.close();
        }
    }

    @Test
    void recordingResumesByItselfWhenTheCameraComesBack() throws Exception {
        gst = GstRtspServer.start();
        var config = TestCameras.config(root, Duration.ofSeconds(5), TestCameras.camera("cam", "site", gst.url(GstRtspServer.H264)));
        Duration resumedAfter;
        try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
            var status = recorder.statuses().get(0);
            RecorderGstTest.await(Duration.ofSeconds(20), "recording", () -> status.current() == CameraState.RECORDING);
            RecorderGstTest.await(Duration.ofSeconds(20), "a closed segment", () -> closedSegments(config) >= 1);

            gst.stop();
            RecorderGstTest.await(Duration.ofSeconds(15), "camera down", () -> status.current() == CameraState.DOWN);
            gst.restart();
            Instant back = Instant.now();
            RecorderGstTest.await(Duration.ofSeconds(40), "recording again", () -> status.current() == CameraState.RECORDING);
            resumedAfter = Duration.between(back, Instant.now());
            RecorderGstTest.await(Duration.ofSeconds(20), "footage after the return", () -> closedSegments(config) >= 2);
        }
        System.out.printf("recording resumed %.2f s after the camera came back%n", resumedAfter.toMillis() / 1000.0);
        // the port is probed every second while the camera is away
        assertTrue(resumedAfter.compareTo(Duration.ofSeconds(4)) < 0, "resumed after " + resumedAfter);

        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            List<RunRow> runs = q.runs("cam", Instant.EPOCH, Instant.now());
            assertEquals(2, runs.size(), runs.toString());
            assertTrue(List.of("eof", "stalled").contains(runs.get(0).endReason()), runs.get(0).toString());
            assertEquals("shutdown", runs.get(1).endReason());
            List<OutageRow> outages = q.outages("cam", Instant.EPOCH, Instant.now());
            assertEquals(1, outages.size(), outages.toString());
            OutageRow outage = outages.get(0);
            assertNotNull(outage.end());
            assertTrue(!outage.start().isBefore(runs.get(0).end().minusSeconds(1)), "outage starts when footage stops");
            assertTrue(!outage.end().isAfter(runs.get(1).start().plusSeconds(1)), "outage ends when footage resumes");
            for (SegmentRow s : q.segments("cam", Instant.EPOCH, Instant.now())) {
                assertEquals(List.of(), MediaProbe.decodeErrors(root.resolve(s.path())), s.path());
            }
        }
    }

    private static long closedSegments(org.nvr.config.NvrConfig config) {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            return q.segments("cam", Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(s -> s.end() != null).count();
        } catch (Exception e) {
            return 0;
        }
    }
}
