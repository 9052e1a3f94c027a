package org.nvr.source.rtsp;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.MultithreadEventExecutorGroup;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer lanes: a fixed pool of threads ({@code nvr-writer-N}) shared by every camera whose frames
 * come from an event loop. Each camera is pinned to one lane for the life of the recorder, so its
 * frames are written one at a time and in order; a lane may block on the disk and the index, which an
 * event loop must never do. The number of threads does not depend on the number of cameras.
 *
 * <p><b>Paced.</b> A lane that has run what was queued waits {@code pace} before it looks again, so
 * the frames the camera loops queue meanwhile (from every camera of the lane) are written in one
 * wake-up: without it each frame woke its lane (a futex wake on the camera loop, a context switch on the
 * lane: ~9 % of the recorder's CPU at 16 cameras). A frame waits at most {@code pace} more; the bytes
 * waiting are bounded by the cameras' high-water mark as before. Shutdown waits at most one pace more.
 *
 * <p>Owned by the recorder, which closes it after every camera has stopped. Any thread.
 */
public final class WriterLanes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriterLanes.class);

    /** Lanes of the recorder: enough for one to wait on an fsync while the others write. */
    public static final int DEFAULT_THREADS = 4;
    /** How long a lane lets frames gather after running what was queued. */
    public static final Duration DEFAULT_PACE = Duration.ofMillis(20);

    private final MultithreadEventExecutorGroup group;

    public WriterLanes(int threads) {
        this(threads, DEFAULT_PACE, LockSupport::parkNanos);
    }

    /** @param park how a lane waits {@code pace} (nanoseconds): {@code LockSupport::parkNanos}, or a test's */
    WriterLanes(int threads, Duration pace, LongConsumer park) {
        AtomicInteger next = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new FastThreadLocalThread(r, "nvr-writer-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        long paceNanos = pace.toNanos();
        group = new MultithreadEventExecutorGroup(threads, factory) {
            @Override
            protected EventExecutor newChild(Executor executor, Object... args) {
                return new PacedLane(this, executor, paceNanos, park);
            }
        };
    }

    /** The lane of a new camera (round robin); the camera keeps it. */
    public EventExecutor lane() {
        return group.next();
    }

    /** Waits at most {@code bound} for the lanes' queued work, then stops them. */
    public void close(Duration bound) {
        group.shutdownGracefully(0, bound.toMillis(), TimeUnit.MILLISECONDS);
        try {
            if (!group.awaitTermination(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("writer lanes did not finish within {} ms", bound.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(1));
    }

    /**
     * One lane: runs every queued task, then waits {@code paceNanos} before taking the next (Netty's
     * DefaultEventExecutor, with the wait). Producers never wake a lane that waits: nothing is waiting on
     * the queue's condition then.
     */
    private static final class PacedLane extends SingleThreadEventExecutor {
        private final long paceNanos;
        private final LongConsumer park;

        PacedLane(EventExecutorGroup parent, Executor executor, long paceNanos, LongConsumer park) {
            super(parent, executor, true);
            this.paceNanos = paceNanos;
            this.park = park;
        }

        @Override
        protected void run() {
            for (;;) {
                Runnable task = takeTask();
                if (task != null) {
                    runTask(task);
                    updateLastExecutionTime();
                    runAllTasks();
                }
                if (confirmShutdown()) {
                    break;
                }
                if (!isShuttingDown()) {
                    park.accept(paceNanos);
                }
            }
        }
    }
}
