package org.nvr.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single event-loop thread of one of the recorder's HTTP servers ({@code /metrics} and
 * {@code /healthz}, the web pages): created under a fixed thread name, so thread dumps and the
 * per-thread CPU figures of the benchmarks name it, bound within a bound (a failure names the address)
 * and stopped within a bound. Stateless.
 */
public final class ServerLoop {
    private static final Logger log = LoggerFactory.getLogger(ServerLoop.class);
    /** How long a server that could not bind may take to stop its event loop. */
    static final long STOP_SECONDS = 3;

    private ServerLoop() {
    }

    /**
     * A group of one event loop whose thread is called exactly {@code threadName}: epoll where Netty's
     * native transport loads (Linux; it writes with one native {@code writev} where NIO goes through the
     * JDK's selector and buffer copies), NIO otherwise. {@link #bind} picks the server socket to match.
     */
    public static EventLoopGroup open(String threadName) {
        return new MultiThreadIoEventLoopGroup(1, new FixedName(threadName),
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** The server socket channel class that fits {@code group} (from {@link #open}). */
    private static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)) {
            return EpollServerSocketChannel.class;
        }
        return NioServerSocketChannel.class;
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

    /**
     * Binds {@code bootstrap} (whose group is {@code group}, from {@link #open}) to {@code address} with the
     * server socket class that fits the group and {@code SO_REUSEADDR} (a restart binds while old
     * connections linger), waiting at most {@code timeoutSeconds}. When it cannot, closes what was opened,
     * stops {@code group} (within {@link #STOP_SECONDS}) and throws.
     *
     * @param listen how the message names the address, e.g. {@code 127.0.0.1:8080 (web.listen)}
     * @throws BindException "cannot listen on {@code listen}: why"
     */
    public static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address, EventLoopGroup group,
                               String threadName, String listen, long timeoutSeconds) throws BindException {
        ChannelFuture bound = bootstrap.channel(serverChannel(group))
                .option(ChannelOption.SO_REUSEADDR, true)
                .bind(address);
        if (!bound.awaitUninterruptibly(timeoutSeconds, TimeUnit.SECONDS) || !bound.isSuccess()) {
            Throwable cause = bound.cause();
            bound.channel().close();
            shutdown(group, threadName, STOP_SECONDS);
            throw bindFailure(listen, cause == null ? "timed out" : String.valueOf(cause.getMessage()), cause);
        }
        return bound.channel();
    }

    /** "cannot listen on {@code listen}: {@code why}", with its cause. */
    public static BindException bindFailure(String listen, String why, Throwable cause) {
        BindException failure = new BindException("cannot listen on " + listen + ": " + why);
        failure.initCause(cause);
        return failure;
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
