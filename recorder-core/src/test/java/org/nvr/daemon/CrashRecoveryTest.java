package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.testing.GstRtspServer;
import org.nvr.testing.MediaProbe;

/**
 * A recorder in another JVM is killed with SIGKILL mid-segment; the next start must index what the
 * killed segment holds, losing no more than the fragment being written.
 */
class CrashRecoveryTest {
    @TempDir
    Path root;

    GstRtspServer gst;
    Process child;

    @AfterEach
    void cleanUp() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (gst != null) {
            gst.close();
        }
    }

    @Test
    void segmentLeftOpenByAKillIsIndexedWithWhatItsFileHolds() throws Exception {
        gst = GstRtspServer.start();
        child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                RecordUntilKilled.class.getName(), root.toString(), gst.url(GstRtspServer.H264), "60")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        java.util.concurrent.atomic.AtomicLong lastFrameMs = new java.util.concurrent.atomic.AtomicLong();
        Thread drain = new Thread(() -> out.lines().filter(l -> l.startsWith("FRAME "))
                .forEach(l -> lastFrameMs.set(Long.parseLong(l.substring(6)))), "child-output");
        drain.setDaemon(true);
        drain.start();

        Path db = root.resolve("index.db");
        // Wait until the open segment's file holds several flushed fragments, then pull the plug.
        RecorderGstTest.await(Duration.ofSeconds(30), "an open segment with 4 s of footage", () -> {
            try (FootageQueries q = FootageQueries.open(db)) {
                List<SegmentRow> open = q.segmentsInState(SegmentState.OPEN);
                return !open.isEmpty() && Files.exists(root.resolve(open.get(0).path()))
                        && Duration.between(open.get(0).start(), Instant.now()).toSeconds() >= 4;
            } catch (Exception e) {
                return false;
            }
        });
        Instant lastWritten = Instant.ofEpochMilli(lastFrameMs.get()); // at most 100 ms before the kill
        child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no trailer, no index update

        SegmentRow before;
        try (FootageQueries q = FootageQueries.open(db)) {
            before = q.segmentsInState(SegmentState.OPEN).get(0);
        }
        try (IndexWriter index = IndexWriter.open(db)) {
            StartupReconciler.Report report = StartupReconciler.reconcile(root, index);
            assertEquals(1, report.closed());
            assertEquals(1, report.runsEnded());
        }
        try (FootageQueries q = FootageQueries.open(db)) {
            SegmentRow after = q.segments("cam", Instant.EPOCH, Instant.now()).get(0);
            assertEquals(before.id(), after.id());
            assertEquals(SegmentState.CLOSED, after.state());
            Path file = root.resolve(after.path());
            assertEquals(Files.size(file), after.bytes());
            List<MediaProbe.Packet> packets = MediaProbe.videoPackets(file);
            assertEquals(packets.size(), after.frames(), "frames indexed = frames readable");
            // Measured against the last frame the recorder wrote, not the wall clock: footage times come
            // from the stream, and FFmpeg hands over the first keyframe after probing, so they may run
            // ahead of the wall clock by up to a second.
            double lost = Duration.between(after.end(), lastWritten).toMillis() / 1000.0;
            assertTrue(lost >= -0.2 && lost <= 1.5, "lost " + lost + " s at the kill (fragments are 1 s)");
            List<RunRow> runs = q.runs("cam", Instant.EPOCH, Instant.now());
            assertEquals("crash", runs.get(0).endReason());
            assertEquals(after.end(), runs.get(0).end());
        }
    }
}
