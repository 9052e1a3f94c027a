package org.nvr.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nvr.camera.CameraState;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.Poll;
import org.nvr.testing.Tmpfs;

/**
 * The disk fills up (something else writes to it until {@code ENOSPC}) under a recorder with no
 * retention limits configured. First, with footage it may delete: retention frees space and recording
 * goes on. Then, with every segment under an evidence hold and the disk filled again: nothing can be
 * freed, the cameras go down with {@code disk_full}, the daemon stays up, and recording resumes by
 * itself once the space is given back. At the end index and disk agree and everything decodes.
 */
class DiskFullTest {
    private static final String[] CAMERAS = {"a", "b"};

    @Test
    void aFullDiskIsSurvivedWithoutLosingLockedFootage() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 1_000_000);
        try (Tmpfs fs = Tmpfs.mount(40);
             RtspCameraSimulator sim = new RtspCameraSimulator();
             RecorderMetrics metrics = new RecorderMetrics()) {
            for (String c : CAMERAS) {
                sim.addCamera(c, clip);
            }
            sim.start();
            Path root = fs.dir().resolve("nvr");
            NvrConfig config = TestCameras.config(root, Duration.ofSeconds(2), Retention.NONE,
                    TestCameras.camera("a", "site", sim.url("a")), TestCameras.camera("b", "site", sim.url("b")));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics))) {
                Poll.until(Duration.ofSeconds(30), "two closed segments per camera", () -> closedSince(root, Instant.EPOCH) >= 2);

                // 1. Something else fills the disk: retention frees the oldest footage, recording goes on.
                Instant filled = Instant.now();
                long ballast = fill(fs.dir().resolve("ballast-1"));
                System.out.printf("filled the disk with %d bytes; free now %d%n", ballast, fs.free());
                Poll.until(Duration.ofSeconds(40), "recording after the disk filled",
                        () -> closedSince(root, filled) >= 2 && deleted(metrics) > 0);
                System.out.printf("after the fill: %d bytes deleted by retention, %d disk_full session end(s), free %d%n",
                        (long) deleted(metrics), (long) diskFullReconnects(metrics), fs.free());

                // 2. Everything locked and the disk filled again: nothing can be freed.
                for (String c : CAMERAS) {
                    RingBufferOnTmpfsTest.lock(root, c, Instant.EPOCH, Instant.now().plus(Duration.ofHours(1)));
                }
                Set<String> lockedFiles = closedPaths(root); // the segment being written may yet hold nothing
                double fullBefore = diskFullReconnects(metrics);
                fill(fs.dir().resolve("ballast-2"));
                Poll.until(Duration.ofSeconds(30), "both cameras down with disk_full", () ->
                        recorder.statuses().stream().noneMatch(s -> s.current() == CameraState.RECORDING)
                                && diskFullReconnects(metrics, "a") > 0 && diskFullReconnects(metrics, "b") > 0
                                && diskFullReconnects(metrics) > fullBefore);
                Thread.sleep(2000); // it stays so; the daemon is alive
                System.out.printf("nothing to free: cameras %s, index healthy %s, retention warnings %s%n",
                        recorder.statuses().stream().map(s -> s.current().label()).toList(), recorder.healthy(),
                        recorder.retention().warnings());
                assertEquals(0.0, RetentionEnforcerTest.metric(metrics.scrape(), "nvr_camera_up", "camera=\"a\""));
                assertTrue(recorder.retention().warnings().stream()
                        .anyMatch(w -> w.breach() == RetentionPolicy.Breach.FLOOR_UNREACHABLE));

                // 3. Space comes back: recording resumes by itself.
                Files.delete(fs.dir().resolve("ballast-2"));
                Files.delete(fs.dir().resolve("ballast-1"));
                Instant freed = Instant.now();
                Poll.until(Duration.ofSeconds(60), "recording again once space returned", () ->
                        recorder.statuses().stream().allMatch(s -> s.current() == CameraState.RECORDING)
                                && closedSince(root, freed) >= 2);
                Poll.until(Duration.ofSeconds(30), "index writable again", recorder::healthy);
                for (String f : lockedFiles) {
                    assertTrue(Files.exists(root.resolve(f)), "locked " + f + " kept through the full disk");
                }
            }
            int files = FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(root);
            System.out.println(files + " segment files, all indexed and decodable");
        }
    }

    /** Writes zeros into {@code file} until the filesystem refuses more; returns the bytes written. */
    static long fill(Path file) throws IOException {
        long written = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int chunk = 1 << 20; chunk >= 4096; chunk /= 4) {
                ByteBuffer zeros = ByteBuffer.allocate(chunk);
                while (true) {
                    zeros.clear();
                    try {
                        written += ch.write(zeros);
                    } catch (IOException full) {
                        break;
                    }
                }
            }
        }
        return written;
    }

    /** Closed segments of every camera that started at or after {@code since}: the fewest of any camera. */
    private static int closedSince(Path root, Instant since) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            int fewest = Integer.MAX_VALUE;
            for (String c : CAMERAS) {
                List<SegmentRow> rows = q.segments(c, since, Instant.now().plusSeconds(3600));
                fewest = Math.min(fewest, (int) rows.stream()
                        .filter(s -> s.state() == SegmentState.CLOSED && !s.start().isBefore(since)).count());
            }
            return fewest;
        } catch (Exception e) {
            return 0;
        }
    }

    private static Set<String> closedPaths(Path root) throws Exception {
        Set<String> out = new java.util.HashSet<>();
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (String c : CAMERAS) {
                q.segments(c, Instant.EPOCH, Instant.now().plusSeconds(3600)).stream()
                        .filter(s -> s.state() == SegmentState.CLOSED).forEach(s -> out.add(s.path()));
            }
        }
        return out;
    }

    private static double deleted(RecorderMetrics metrics) {
        String scrape = metrics.scrape();
        return RetentionEnforcerTest.metric(scrape, "nvr_retention_deleted_bytes_total", "camera=\"a\"")
                + RetentionEnforcerTest.metric(scrape, "nvr_retention_deleted_bytes_total", "camera=\"b\"");
    }

    private static double diskFullReconnects(RecorderMetrics metrics) {
        return diskFullReconnects(metrics, "a") + diskFullReconnects(metrics, "b");
    }

    private static double diskFullReconnects(RecorderMetrics metrics, String camera) {
        return RetentionEnforcerTest.metric(metrics.scrape(), "nvr_camera_reconnects_total",
                "camera=\"" + camera + "\",reason=\"disk_full\"");
    }
}
