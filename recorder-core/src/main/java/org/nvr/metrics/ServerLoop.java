package org.nvr.metrics;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single event-loop thread of one of the recorder's HTTP servers ({@code /metrics} and
 * {@code /healthz}, the web pages): created under a fixed thread name, so thread dumps and the
 * per-thread CPU figures of the benchmarks name it, and stopped within a bound. Stateless.
 */
public final class ServerLoop {
    private static final Logger log = LoggerFactory.getLogger(ServerLoop.class);

    private ServerLoop() {
    }

    /** A group of one NIO event loop whose thread is called exactly {@code threadName}. */
    public static EventLoopGroup open(String threadName) {
        return new MultiThreadIoEventLoopGroup(1, new FixedName(threadName), NioIoHandler.newFactory());
    }

    /**
     * Stops {@code group} without a quiet period (responses are small; an in-flight request may simply
     * be cut) and waits at most {@code timeoutSeconds + 1} s; logs when it did not stop by then.
     */
    public static void shutdown(EventLoopGroup group, String threadName, long timeoutSeconds) {
        Future<?> terminated = group.shutdownGracefully(0, timeoutSeconds, TimeUnit.SECONDS);
        if (!terminated.awaitUninterruptibly(timeoutSeconds + 1, TimeUnit.SECONDS)) {
            log.warn("event loop {} did not stop within {} s", threadName, timeoutSeconds + 1);
        }
    }

    /** Netty's factory (it cleans up fast thread-locals) with a fixed name instead of a numbered one. */
    private static final class FixedName extends DefaultThreadFactory {
        private final String name;

        FixedName(String name) {
            super(name, true);
            this.name = name;
        }

        @Override
        protected Thread newThread(Runnable r, String ignored) {
            return super.newThread(r, name);
        }
    }
}
