package org.nvr.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.nvr.config.NvrConfig;
import org.nvr.config.Retention;
import org.nvr.daemon.Recorder;
import org.nvr.daemon.TestCameras;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexDatabase;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.store.SegmentPaths;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.Poll;
import org.nvr.testing.Tmpfs;

/**
 * Continuous recording of three simulated cameras of very different bit rates into a small tmpfs
 * against a small budget: a global {@code max_bytes}, one camera with its own {@code max_bytes}, and an
 * evidence hold on the busiest camera's first seconds. Checks, sampled every 200 ms, that the unlocked
 * footage on disk never exceeds the budget plus one segment per camera, then that deletion went oldest
 * first, that the quiet camera (within its fair share) lost nothing, that the locked footage survived,
 * and that index and disk agree and every file decodes.
 */
class RingBufferOnTmpfsTest {
    private static final Duration SEGMENT = Duration.ofSeconds(2);
    private static final Duration RUN = Duration.ofSeconds(30);

    @Test
    void recordingStaysWithinBudgetDeletingOldestFirstAndKeepingLockedFootage() throws Exception {
        SyntheticClip bigClip = SyntheticClip.generate(320, 240, 25, 25, 50, 2_000_000);
        SyntheticClip smallClip = SyntheticClip.generate(320, 240, 25, 25, 50, 150_000);
        SyntheticClip cappedClip = SyntheticClip.generate(320, 240, 25, 25, 50, 600_000);
        long smallTotal = bytesPer(smallClip, RUN);
        long budget = 3 * (smallTotal * 2); // the quiet camera uses about half its fair share
        long cap = bytesPer(cappedClip, RUN) / 2;
        System.out.printf("clips: big %d B/s, small %d B/s, capped %d B/s; budget %d B, capped camera %d B%n",
                bytesPer(bigClip, Duration.ofSeconds(1)), bytesPer(smallClip, Duration.ofSeconds(1)),
                bytesPer(cappedClip, Duration.ofSeconds(1)), budget, cap);

        try (Tmpfs fs = Tmpfs.mount(64);
             RtspCameraSimulator sim = new RtspCameraSimulator();
             RecorderMetrics metrics = new RecorderMetrics()) {
            sim.addCamera("big", bigClip);
            sim.addCamera("small", smallClip);
            sim.addCamera("capped", cappedClip);
            sim.start();
            Path root = fs.dir().resolve("nvr");
            NvrConfig config = TestCameras.config(root, SEGMENT, limits(budget),
                    TestCameras.camera("big", "site", sim.url("big")),
                    TestCameras.camera("small", "site", sim.url("small")),
                    TestCameras.camera("capped", "site", sim.url("capped"), limits(cap)));

            Set<String> seen = new HashSet<>();
            Map<String, Long> largest = new HashMap<>();
            List<long[]> samples = new ArrayList<>(); // {ms, unlocked bytes, capped bytes}
            Set<String> locked = new HashSet<>();
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics))) {
                long t0 = System.nanoTime();
                Poll.until(Duration.ofSeconds(30), "two closed segments of the busy camera",
                        () -> closed(root, "big").size() >= 2);
                SegmentRow first = closed(root, "big").get(0);
                Instant lockTo = first.start().plusSeconds(3);
                lock(root, "big", first.start(), lockTo);
                try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
                    q.segments("big", first.start(), lockTo).forEach(s -> locked.add(s.path()));
                }
                assertEquals(2, locked.size(), "the hold covers the first two segments");

                long end = t0 + RUN.toNanos();
                while (System.nanoTime() < end) {
                    Map<String, Long> files = files(root);
                    seen.addAll(files.keySet());
                    long unlocked = 0;
                    long capped = 0;
                    for (Map.Entry<String, Long> f : files.entrySet()) {
                        String camera = camera(f.getKey());
                        largest.merge(camera, f.getValue(), Math::max);
                        if (!locked.contains(f.getKey())) {
                            unlocked += f.getValue();
                            if (camera.equals("capped")) {
                                capped += f.getValue();
                            }
                        }
                    }
                    samples.add(new long[] {(System.nanoTime() - t0) / 1_000_000, unlocked, capped});
                    Thread.sleep(200);
                }
                long lockedBytes = 0;
                for (String p : locked) {
                    lockedBytes += Files.size(root.resolve(p));
                }
                recorder.retention().requestPass();
                long expectedLocked = lockedBytes;
                Poll.until(Duration.ofSeconds(10), "locked bytes gauge",
                        () -> RetentionEnforcerTest.metric(metrics.scrape(), "nvr_storage_locked_bytes", null) == expectedLocked);
            }

            long slack = largest.values().stream().mapToLong(Long::longValue).sum();
            long worst = samples.stream().mapToLong(s -> s[1]).max().orElseThrow();
            System.out.printf("bytes on disk (unlocked) against budget %d B + one segment per camera %d B:%n", budget, slack);
            for (int i = 0; i < samples.size(); i += 10) {
                System.out.printf("  t=%5.1f s  %8d B  (%5.1f%% of budget)%n", samples.get(i)[0] / 1000.0, samples.get(i)[1],
                        100.0 * samples.get(i)[1] / budget);
            }
            System.out.printf("  worst    %8d B  (%5.1f%% of budget)%n", worst, 100.0 * worst / budget);
            for (long[] s : samples) {
                assertTrue(s[1] <= budget + slack, "at " + s[0] + " ms: " + s[1] + " B > budget " + budget + " + " + slack);
                assertTrue(s[2] <= cap + largest.get("capped"), "capped camera at " + s[0] + " ms: " + s[2] + " B");
            }

            Map<String, Long> present = files(root);
            for (String p : locked) {
                assertTrue(present.containsKey(p), "locked " + p + " survived");
            }
            Map<String, List<Instant>> deleted = new TreeMap<>();
            Map<String, List<Instant>> kept = new TreeMap<>();
            for (String p : seen) {
                if (locked.contains(p)) {
                    continue;
                }
                Instant start = SegmentPaths.parse(p).orElseThrow().start();
                (present.containsKey(p) ? kept : deleted).computeIfAbsent(camera(p), k -> new ArrayList<>()).add(start);
            }
            System.out.println("deleted segments per camera: " + counts(deleted) + ", kept: " + counts(kept));
            assertFalse(deleted.getOrDefault("big", List.of()).isEmpty(), "the busy camera was trimmed");
            assertFalse(deleted.getOrDefault("capped", List.of()).isEmpty(), "the capped camera was trimmed");
            assertEquals(List.of(), deleted.getOrDefault("small", List.of()),
                    "the quiet camera, within its fair share, lost nothing to the busy one");
            for (String camera : deleted.keySet()) {
                Instant newestDeleted = deleted.get(camera).stream().max(Instant::compareTo).orElseThrow();
                Instant oldestKept = kept.get(camera).stream().min(Instant::compareTo).orElseThrow();
                assertTrue(newestDeleted.isBefore(oldestKept), camera + ": deleted oldest first");
            }
            FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(root);
        }
    }

    static Retention limits(long maxBytes) {
        return new Retention(OptionalLong.of(maxBytes), OptionalLong.empty(), Optional.empty());
    }

    private static long bytesPer(SyntheticClip clip, Duration d) {
        return clip.byteCount() * d.toMillis() / clip.duration().toMillis();
    }

    private static Map<String, Integer> counts(Map<String, List<Instant>> m) {
        Map<String, Integer> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.size()));
        return out;
    }

    static String camera(String relativePath) {
        return SegmentPaths.parse(relativePath).orElseThrow().camera();
    }

    /** Segment files under the root and their sizes (files vanishing during the walk are skipped). */
    static Map<String, Long> files(Path root) throws IOException {
        Map<String, Long> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String rel = root.relativize(p).toString();
                if (SegmentPaths.parse(rel).isPresent()) {
                    try {
                        out.put(rel, Files.size(p));
                    } catch (IOException gone) {
                        // deleted by retention while we walked
                    }
                }
            }
        } catch (java.io.UncheckedIOException e) {
            return files(root); // a directory vanished mid-walk: walk again
        }
        return out;
    }

    private static List<SegmentRow> closed(Path root, String camera) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments(camera, Instant.EPOCH, Instant.now().plusSeconds(3600)).stream()
                    .filter(s -> s.state() == SegmentState.CLOSED).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    /** An evidence hold placed as {@code nvr footage lock} would, from its own connection. */
    static void lock(Path root, String camera, Instant from, Instant to) throws Exception {
        try (Connection c = IndexDatabase.open(root.resolve("index.db"));
             PreparedStatement ps = c.prepareStatement("INSERT INTO locks (site, camera, from_ms, to_ms, reason, "
                     + "created_ms, created_by) VALUES ('site', ?, ?, ?, 'test', ?, 'test')")) {
            ps.setString(1, camera);
            ps.setLong(2, from.toEpochMilli());
            ps.setLong(3, to.toEpochMilli());
            ps.setLong(4, System.currentTimeMillis());
            ps.executeUpdate();
        }
    }
}
