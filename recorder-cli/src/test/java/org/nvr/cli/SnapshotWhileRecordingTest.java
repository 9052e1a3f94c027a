package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.NvrConfig;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.mp4.Mp4Fragments;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * The last minute is what an officer asks for: a snapshot of a moment inside the segment still being
 * written comes from its fragments written so far. A simulated camera is recorded in 60 s segments and
 * the snapshot is taken while the recorder runs.
 */
class SnapshotWhileRecordingTest {
    @TempDir
    Path dir;

    @Test
    void aMomentInTheSegmentBeingWrittenHasAPicture() throws Exception {
        Path root = dir.resolve("storage");
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 250, 300_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("cam-01", clip);
            sim.start();
            Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                    storage: { root: %s, segment_seconds: 60 }
                    sites:
                      - id: thon-1
                        cameras:
                          - { id: cam-01, url: "%s" }
                    """.formatted(root, sim.url("cam-01")));
            NvrConfig rec = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam-01", "thon-1", sim.url("cam-01")));
            try (Recorder recorder = Recorder.start(rec, Recorder.Options.defaults())) {
                Poll.until(Duration.ofSeconds(30), "4 fragments of the open segment on disk",
                        () -> openFragments(root) >= 4);
                Instant at = Instant.now().minusSeconds(2);
                Path out = dir.resolve("now.jpg");
                Cli r = Cli.run("footage", "snapshot", "--camera", "cam-01", "--at", at.toString(), "--output",
                        out.toString(), "--config", config.toString());
                assertEquals(0, r.exitCode(), r.err());
                List<MediaProbe.StreamInfo> streams = MediaProbe.streams(out);
                assertEquals("mjpeg", streams.get(0).codecName());
                assertEquals(320, streams.get(0).width());
                assertEquals(240, streams.get(0).height());
                assertEquals(List.of(), MediaProbe.decodeErrors(out));
                try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
                    List<SegmentRow> segs = q.segments("cam-01", Instant.EPOCH, Instant.now().plusSeconds(60));
                    assertEquals(1, segs.size(), segs.toString());
                    assertEquals(SegmentState.OPEN, segs.get(0).state(), "taken from the segment being written");
                }
                assertTrue(r.out().contains("now.jpg"), r.out());
            }
        }
    }

    private static int openFragments(Path root) {
        if (!Files.exists(root.resolve("index.db"))) {
            return 0;
        }
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (SegmentRow s : q.segments("cam-01", Instant.EPOCH, Instant.now().plusSeconds(60))) {
                Path file = root.resolve(s.path());
                if (s.state() == SegmentState.OPEN && Files.exists(file)) {
                    return Mp4Fragments.inspect(file).fragments();
                }
            }
            return 0;
        } catch (Exception e) {
            return 0;
        }
    }
}
