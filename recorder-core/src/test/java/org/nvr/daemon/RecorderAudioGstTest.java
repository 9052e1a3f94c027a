package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraState;
import org.nvr.config.AudioPolicy;
import org.nvr.config.NvrConfig;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/**
 * A G.711 A-law camera (GStreamer's RTSP server, a 440 Hz tone at 8 kHz) recorded for about 15 s in
 * 5 s segments under two audio policies at once: {@code copy} records its video only,
 * {@code transcode} adds an AAC track that lasts as long as the video in every segment and
 * continues across cuts without a gap.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecorderAudioGstTest {
    static final Duration SEGMENT = Duration.ofSeconds(5);
    static final Duration RECORD = Duration.ofSeconds(16);

    @TempDir
    static Path root;

    GstRtspServer copyCamera;
    GstRtspServer transcodeCamera;
    NvrConfig config;

    @BeforeAll
    void record() throws Exception {
        // One server each: a second client joining a shared mount can shift the first one's timestamps.
        copyCamera = GstRtspServer.start();
        transcodeCamera = GstRtspServer.start();
        config = TestCameras.config(root, SEGMENT,
                TestCameras.camera("alaw-copy", "gst", copyCamera.url(GstRtspServer.H264_ALAW),
                        AudioPolicy.COPY_OR_DROP),
                TestCameras.camera("alaw-transcode", "gst", transcodeCamera.url(GstRtspServer.H264_ALAW),
                        AudioPolicy.TRANSCODE));
        try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
            RecorderGstTest.await(Duration.ofSeconds(20), "both cameras recording", () -> recorder.statuses().stream()
                    .allMatch(s -> s.current() == CameraState.RECORDING));
            Thread.sleep(RECORD.toMillis()); // real footage takes real time
        }
    }

    @AfterAll
    void stopServers() {
        for (GstRtspServer gst : new GstRtspServer[] {copyCamera, transcodeCamera}) {
            if (gst != null) {
                gst.close();
            }
        }
    }

    private List<SegmentRow> segments(String camera) throws Exception {
        try (FootageQueries q = FootageQueries.open(config.storage().indexPath())) {
            List<SegmentRow> rows = q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(60));
            assertTrue(rows.size() >= 3, camera + ": about 15 s in 5 s segments, got " + rows.size());
            return rows;
        }
    }

    @Test
    void copyPolicyRecordsVideoOnly() throws Exception {
        for (SegmentRow row : segments("alaw-copy")) {
            Path file = root.resolve(row.path());
            List<String> streams = MediaProbe.streams(file).stream()
                    .map(s -> s.codecName() + "/" + s.codecTag()).toList();
            assertEquals(List.of("h264/avc1"), streams, row.path());
            assertNull(row.audioCodec(), row.path());
            assertEquals(List.of(), MediaProbe.decodeErrors(file), row.path());
        }
    }

    @Test
    void transcodePolicyRecordsAacAsLongAsTheVideoInEverySegment() throws Exception {
        double overhang = Double.NaN; // audio of the previous segment after its last picture
        int realigned = 0; // cuts where the camera's clock (RTCP sender reports) took over audio placement
        for (SegmentRow row : segments("alaw-transcode")) {
            Path file = root.resolve(row.path());
            String what = "alaw-transcode " + row.path();
            List<MediaProbe.StreamInfo> streams = MediaProbe.streams(file);
            assertEquals(List.of("h264/avc1", "aac/mp4a"),
                    streams.stream().map(s -> s.codecName() + "/" + s.codecTag()).toList(), what);
            assertEquals(16_000, streams.get(1).sampleRate(), what);
            assertEquals(1, streams.get(1).channels(), what);
            assertEquals("aac", row.audioCodec(), what);
            assertEquals(List.of(), MediaProbe.decodeErrors(file), what + " decodes without errors");

            List<MediaProbe.Packet> video = MediaProbe.videoPackets(file);
            List<MediaProbe.Packet> audio = MediaProbe.audioPackets(file);
            double videoStart = video.get(0).dtsTime();
            double videoEnd = end(video.get(video.size() - 1));
            double audioStart = audio.get(0).ptsTime();
            double audioEnd = end(audio.get(audio.size() - 1));
            assertEquals(videoEnd - videoStart, audioEnd - audioStart, 0.1,
                    what + ": audio " + audioStart + "-" + audioEnd + " s, video " + videoStart + "-" + videoEnd + " s");
            // in step, not merely as long: each end within one AAC frame (64 ms) of the video's
            assertEquals(videoStart, audioStart, 0.070, what + " audio starts with the video");
            assertEquals(videoEnd, audioEnd, 0.070, what + " audio ends with the video");
            // nothing lost or repeated at the cut: this segment's audio starts where the previous one's stopped
            // except once, at the cut where the camera's sender reports took over from arrival (SegmentRecorder)
            if (!Double.isNaN(overhang) && Math.abs(overhang - (audioStart - videoStart)) > 0.002) {
                realigned++;
                assertTrue(realigned <= 1, what + " audio continues across the cut: " + overhang + " expected, "
                        + (audioStart - videoStart) + " found");
            }
            overhang = audioEnd - videoEnd;
            // the camera's tone (RMS of a sine at 0.3 is -13.5 dBFS), not silence
            assertEquals(-13.5, MediaProbe.meanVolumeDb(file), 2.0, what + " mean volume");
        }
    }

    private static double end(MediaProbe.Packet p) {
        return p.ptsTime() + p.durationTime();
    }
}
