package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.FootageChecks;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;

/**
 * Ten times: a recorder in a child JVM records two simulated cameras (with a small {@code max_bytes},
 * so retention deletes as it goes), is killed with SIGKILL at a random moment, and is started again,
 * reconciling before it records. After each restart, the footage of the killed run must end no earlier
 * than the last fragment before the kill and its recovered segment must decode; after the last kill,
 * index and disk must agree exactly and every file must decode. Seconds lost per kill are printed.
 */
class KillRestartTest {
    private static final int KILLS = 10;
    private static final String SEGMENT_SECONDS = "2";
    private static final long MAX_BYTES = 2_000_000;
    /** The contract: a kill or power cut loses at most the last 2 s of each camera (fragments are 1 s). */
    private static final double MAX_LOSS_SECONDS = 2.0;

    @TempDir
    Path root;

    Child child;

    @AfterEach
    void killChild() {
        if (child != null) {
            child.process.destroyForcibly();
        }
    }

    /**
     * One kill: when, and the first and last frame each camera had written in the killed run. Footage
     * before the run's first frame is earlier runs' (checked at their own kills) or the restart's
     * downtime, which is no loss of this kill.
     */
    private record Kill(int n, long delayMs, Instant at, Map<String, Instant> firstFrames,
                        Map<String, Instant> lastFrames) {
    }

    @Test
    void tenKillsAtRandomMomentsLoseAtMostTheLastFragmentAndLeaveIndexEqualToDisk() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        System.out.println("kill test seed " + seed);
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 500_000);
        List<String> report = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("a", clip);
            sim.addCamera("b", clip);
            sim.start();
            Kill previous = null;
            for (int k = 1; k <= KILLS; k++) {
                child = Child.start(root, sim.url("a"), sim.url("b"));
                if (previous != null) {
                    check(previous, report, losses);
                }
                Instant started = Instant.now();
                Poll.until(Duration.ofSeconds(30), "both cameras recording in child " + k, () -> child.lastFrames.size() == 2
                        && child.lastFrames.values().stream().allMatch(t -> t.isAfter(started)));
                long delay = 500 + random.nextInt(3000);
                Thread.sleep(delay);
                previous = child.kill(k, delay);
                child = null;
            }
            // The last restart: reconcile as the next start would, then compare everything.
            try (IndexWriter index = IndexWriter.open(root.resolve("index.db"))) {
                StartupReconciler.reconcile(root, index);
            }
            check(previous, report, losses);
        }
        int files = FootageChecks.assertIndexEqualsDiskAndEverythingDecodes(root);
        System.out.println("seconds of footage lost per kill (last frame written before the kill -> end of the "
                + "indexed footage; wall clock at the kill -> end):");
        report.forEach(System.out::println);
        System.out.printf("max %.2f s, mean %.2f s over %d camera-kills; %d files at the end, all indexed and decodable%n",
                losses.stream().mapToDouble(Double::doubleValue).max().orElseThrow(),
                losses.stream().mapToDouble(Double::doubleValue).average().orElseThrow(), losses.size(), files);
        for (double lost : losses) {
            assertTrue(lost <= MAX_LOSS_SECONDS, "lost " + lost + " s at a kill: " + report);
        }
    }

    /** After the restart that followed {@code kill}: what the killed run left is indexed, closed and decodes. */
    private void check(Kill kill, List<String> report, List<Double> losses) throws Exception {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            for (Map.Entry<String, Instant> e : kill.lastFrames().entrySet()) {
                String camera = e.getKey();
                List<SegmentRow> before = q.segments(camera, kill.at().minusSeconds(60), kill.at()).stream()
                        .filter(s -> s.start().isBefore(kill.at())).toList();
                Instant first = kill.firstFrames().get(camera);
                if (before.isEmpty()) {
                    // Killed before the first fragment of the first run was out (our client receives in real
                    // time: the first fragment is complete about a second after the first picture). What was
                    // lost is all the run wrote, and that too must stay within the bound.
                    assertTrue(first != null, "kill " + kill.n() + ": " + camera + " had written frames");
                    double lost = Duration.between(first, e.getValue()).toMillis() / 1000.0;
                    losses.add(lost);
                    report.add(String.format("  kill %2d after %4d ms, %s: lost %5.2f s (nothing of the run out yet)",
                            kill.n(), kill.delayMs(), camera, lost));
                    continue;
                }
                SegmentRow last = before.get(before.size() - 1);
                assertEquals(SegmentState.CLOSED, last.state(), "kill " + kill.n() + ": " + last.path());
                for (int i = 1; i < before.size(); i++) {
                    if (before.get(i).runId() != null && before.get(i).runId().equals(before.get(i - 1).runId())) {
                        assertEquals(before.get(i - 1).end(), before.get(i).start(),
                                "kill " + kill.n() + ": segments of one run are contiguous");
                    }
                }
                Path file = root.resolve(last.path());
                assertEquals(List.of(), MediaProbe.decodeErrors(file), "kill " + kill.n() + ": " + file);
                assertEquals(MediaProbe.videoPackets(file).size(), last.frames(), "frames indexed = frames in the file");
                // What the killed run wrote and is not indexed: from the end of the indexed footage, or from
                // the run's first frame when none of the run was (killed before its first fragment was out).
                Instant kept = first != null && first.isAfter(last.end()) ? first : last.end();
                double lost = Duration.between(kept, e.getValue()).toMillis() / 1000.0;
                double lostWall = Duration.between(kept, kill.at()).toMillis() / 1000.0;
                losses.add(lost);
                report.add(String.format("  kill %2d after %4d ms, %s: lost %5.2f s (wall clock %5.2f s)", kill.n(),
                        kill.delayMs(), camera, lost, lostWall));
            }
        }
    }

    /** A recorder in a child JVM ({@link RecordCamerasUntilKilled}) and what it printed. */
    private static final class Child {
        final Process process;
        final CountDownLatch started = new CountDownLatch(1);
        final Map<String, Instant> firstFrames = new ConcurrentHashMap<>();
        final Map<String, Instant> lastFrames = new ConcurrentHashMap<>();
        final Deque<String> tail = new ArrayDeque<>();

        private Child(Process process) {
            this.process = process;
        }

        static Child start(Path root, String... urls) throws Exception {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                    RecordCamerasUntilKilled.class.getName(), root.toString(), SEGMENT_SECONDS, Long.toString(MAX_BYTES)));
            command.addAll(List.of(urls));
            Child c = new Child(new ProcessBuilder(command).redirectErrorStream(true).start());
            Thread drain = new Thread(c::drain, "child-output");
            drain.setDaemon(true);
            drain.start();
            if (!c.started.await(60, TimeUnit.SECONDS)) {
                c.process.destroyForcibly();
                throw new AssertionError("child recorder did not start; its last lines:\n" + c.tail());
            }
            return c;
        }

        private void drain() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("STARTED")) {
                        started.countDown();
                    } else if (line.startsWith("FRAME ")) {
                        String[] f = line.split(" ");
                        Instant frame = Instant.ofEpochMilli(Long.parseLong(f[2]));
                        firstFrames.putIfAbsent(f[1], frame);
                        lastFrames.put(f[1], frame);
                    } else {
                        synchronized (tail) {
                            tail.addLast(line);
                            if (tail.size() > 200) {
                                tail.removeFirst();
                            }
                        }
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child was killed
            }
        }

        String tail() {
            synchronized (tail) {
                return String.join("\n", tail);
            }
        }

        /** SIGKILL: no shutdown hook, no trailer, no index update (the stand-in for a power cut). */
        Kill kill(int n, long delayMs) throws InterruptedException {
            Map<String, Instant> frames = Map.copyOf(lastFrames);
            Instant at = Instant.now();
            process.destroyForcibly();
            process.waitFor();
            return new Kill(n, delayMs, at, Map.copyOf(firstFrames), frames);
        }
    }
}
