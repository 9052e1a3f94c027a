package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.config.Source;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.camera.CameraState;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * The wall-clock time the index gives a run's first picture is when the camera sent it (within 0.25 s),
 * through each source. The simulator reads its clock right after sending a session's first picture (for
 * its first RTCP sender report), which dates that picture. FFmpeg hands over the pictures it buffered
 * while probing (about a second's worth) in a burst; dated by the first one's arrival, every picture was
 * 0.45-0.9 s late, because the run's clock stopped settling at the run's first picture: the first segment
 * was not open yet when that picture was taken into account.
 */
class RunDatingTest {
    static final long TOLERANCE_MS = 250;

    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(Source.class)
    void theRunsFirstPictureIsDatedWhenTheCameraSentIt(Source source) throws Exception {
        SendClock sent = new SendClock();
        try (RtspCameraSimulator sim = new RtspCameraSimulator(0, sent)) {
            sim.addCamera("cam", SyntheticClip.generate(320, 240, 25, 25, 250, 400_000));
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam", "site", sim.url("cam")).withSource(source));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                var status = recorder.statuses().get(0);
                Poll.until(Duration.ofSeconds(20), "recording", () -> status.current() == CameraState.RECORDING);
                // past the run's checkpoint (3 s of run time), where the settled start is written down
                Poll.until(Duration.ofSeconds(20), "4 s recorded", () -> recordedSince(root) >= 4000);
                long runStart = lastRun(root).start().toEpochMilli();
                assertTrue(sent.first > 0, "the simulator sent its first picture");
                assertWithin(runStart - sent.first, "the run's start (index) after the simulator sent its first picture ("
                        + source + ")");
            }
            // and the closed segment says so too
            try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
                List<SegmentRow> segments = q.segments("cam", Instant.EPOCH, Instant.now().plusSeconds(60));
                assertWithin(segments.get(0).start().toEpochMilli() - sent.first, "the first segment's start after the"
                        + " simulator sent its first picture (" + source + ")");
            }
        }
    }

    private static void assertWithin(long lateMs, String what) {
        assertTrue(Math.abs(lateMs) <= TOLERANCE_MS, what + ": " + lateMs + " ms");
    }

    private static RunRow lastRun(Path root) throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<RunRow> runs = q.runs("cam", Instant.EPOCH, Instant.now().plusSeconds(60));
            return runs.get(runs.size() - 1);
        }
    }

    /** Milliseconds of the last run so far, by the index's dating (0 before it exists). */
    private static long recordedSince(Path root) {
        try {
            return Duration.between(lastRun(root).start(), Instant.now()).toMillis();
        } catch (Exception e) {
            return 0;
        }
    }

    /** The system clock, remembering when it was first read (the simulator's first picture). */
    static final class SendClock extends Clock {
        volatile long first = -1;

        @Override
        public long millis() {
            long now = System.currentTimeMillis();
            if (first < 0) {
                first = now;
            }
            return now;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
