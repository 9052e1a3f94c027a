package org.nvr.source.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nvr.testing.Poll;

/**
 * A lane runs everything queued, then waits its pace before looking again, so that frames queued
 * meanwhile are run together in one wake-up, in order. The wait is the test's: it holds the lane until
 * released, so nothing depends on timing.
 */
class WriterLanesTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void tasksQueuedWhileALaneWaitsRunTogetherAfterItsPace() throws Exception {
        List<Long> waits = new CopyOnWriteArrayList<>();
        List<String> ran = new CopyOnWriteArrayList<>();
        Semaphore release = new Semaphore(0);
        WriterLanes lanes = new WriterLanes(1, Duration.ofMillis(20), nanos -> {
            waits.add(nanos);
            ran.add("wait");
            release.acquireUninterruptibly();
        });
        try {
            EventExecutor lane = lanes.lane();
            lane.execute(() -> ran.add("a"));
            Poll.until(BOUND, "the lane waits after running a", () -> waits.size() == 1);
            lane.execute(() -> ran.add("b"));
            lane.execute(() -> ran.add("c"));
            assertEquals(List.of("a", "wait"), ran, "b and c wait for the pace");

            release.release();
            Poll.until(BOUND, "the lane waits again", () -> waits.size() == 2);
            assertEquals(List.of("a", "wait", "b", "c", "wait"), ran, "b and c ran in one wake-up, in order");
            assertEquals(List.of(20_000_000L, 20_000_000L), waits);
        } finally {
            release.release(100);
            lanes.close(BOUND);
        }
    }

    @Test
    void closingRunsWhatIsQueuedAndStopsTheThreads() throws Exception {
        WriterLanes lanes = new WriterLanes(2);
        List<String> ran = new CopyOnWriteArrayList<>();
        EventExecutor lane = lanes.lane();
        for (int i = 0; i < 100; i++) {
            int n = i;
            lane.execute(() -> ran.add("t" + n));
        }
        lanes.close(BOUND);
        assertEquals(100, ran.size());
        assertEquals("t99", ran.get(99));
        assertTrue(lane.awaitTermination(0, TimeUnit.SECONDS), "the lane's thread ended");
    }
}
