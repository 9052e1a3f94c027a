package org.nvr.source.rtsp;

import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer lanes: a fixed pool of threads ({@code nvr-writer-N}) shared by every camera whose frames
 * come from an event loop. Each camera is pinned to one lane for the life of the recorder, so its
 * frames are written one at a time and in order; a lane may block on the disk and the index, which an
 * event loop must never do. The number of threads does not depend on the number of cameras.
 *
 * <p>Owned by the recorder, which closes it after every camera has stopped. Any thread.
 */
public final class WriterLanes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WriterLanes.class);

    /** Lanes of the recorder: enough for one to wait on an fsync while the others write. */
    public static final int DEFAULT_THREADS = 4;

    private final DefaultEventExecutorGroup group;

    public WriterLanes(int threads) {
        AtomicInteger next = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new FastThreadLocalThread(r, "nvr-writer-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        group = new DefaultEventExecutorGroup(threads, factory);
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
}
