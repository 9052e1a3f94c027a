package org.nvr.cli.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd how the daemon is doing, by the {@code sd_notify(3)} protocol: one datagram per
 * message ({@code READY=1}, {@code STOPPING=1}, {@code WATCHDOG=1}, {@code STATUS=...}) to the unix
 * socket named by {@code NOTIFY_SOCKET}, a path or, with a leading {@code @}, a name in the abstract
 * namespace. Without {@code NOTIFY_SOCKET} (not started by systemd, or not {@code Type=notify}) every
 * method does nothing. A message that cannot be sent is logged, never thrown: recording goes on.
 *
 * <p>Sends through Netty's epoll unix datagram channel (the JDK has no unix datagram sockets), on an
 * event loop of its own ({@code nvr-notify}, a daemon thread). Every message comes from this process,
 * so systemd accepts it under {@code NotifyAccess=main}.
 *
 * <p>Thread-safe. Owns the channel and its event loop; {@link #close()} releases both and is safe twice.
 */
public final class SdNotify implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SdNotify.class);
    /** A send is a local datagram; waiting longer means something is badly wrong, and recording must go on. */
    private static final long SEND_TIMEOUT_MILLIS = 1000;

    private final String socketName;
    private final EventLoopGroup loop;
    private final Channel channel;
    private final Optional<Duration> watchdogInterval;
    private volatile boolean failing;

    private SdNotify(String socketName, EventLoopGroup loop, Channel channel, Optional<Duration> watchdogInterval) {
        this.socketName = socketName;
        this.loop = loop;
        this.channel = channel;
        this.watchdogInterval = watchdogInterval;
    }

    /** Does nothing: not started by systemd. */
    public static SdNotify disabled() {
        return new SdNotify(null, null, null, Optional.empty());
    }

    /**
     * Connects to {@code NOTIFY_SOCKET} from {@code env} ({@link #disabled()} when it is unset, or
     * names a socket this class cannot reach, which is logged).
     */
    public static SdNotify fromEnvironment(Map<String, String> env) {
        String name = env.get("NOTIFY_SOCKET");
        if (name == null || name.isEmpty()) {
            return disabled();
        }
        if (!name.startsWith("/") && !name.startsWith("@")) {
            LOG.warn("NOTIFY_SOCKET={} is not a unix socket path or abstract name; not notifying systemd", name);
            return disabled();
        }
        if (!Epoll.isAvailable()) {
            LOG.warn("NOTIFY_SOCKET is set but Netty's epoll transport is unavailable ({}); not notifying systemd",
                    Epoll.unavailabilityCause().toString());
            return disabled();
        }
        // The abstract namespace is spelled with a leading NUL byte on the wire.
        String address = name.startsWith("@") ? "\0" + name.substring(1) : name;
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("nvr-notify", true),
                EpollIoHandler.newFactory());
        ChannelFuture connect = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new DomainSocketAddress(address));
        if (!connect.awaitUninterruptibly(SEND_TIMEOUT_MILLIS) || !connect.isSuccess()) {
            LOG.warn("cannot reach NOTIFY_SOCKET {}: {}; not notifying systemd", name,
                    connect.cause() == null ? "timed out" : connect.cause().toString());
            connect.channel().close();
            loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            return disabled();
        }
        return new SdNotify(name, loop, connect.channel(), watchdogInterval(env, ProcessHandle.current().pid()));
    }

    /**
     * How often to send {@code WATCHDOG=1}: half of {@code WATCHDOG_USEC}, as {@code sd_watchdog_enabled(3)}
     * advises, when the watchdog is enabled for process {@code pid} ({@code WATCHDOG_PID} unset or equal).
     */
    static Optional<Duration> watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String forPid = env.get("WATCHDOG_PID");
        if (usec == null || (forPid != null && !forPid.equals(Long.toString(pid)))) {
            return Optional.empty();
        }
        try {
            long micros = Long.parseLong(usec);
            return micros > 0 ? Optional.of(Duration.ofNanos(micros * 1000 / 2)) : Optional.empty();
        } catch (NumberFormatException e) {
            LOG.warn("WATCHDOG_USEC={} is not a number; not feeding the watchdog", usec);
            return Optional.empty();
        }
    }

    public boolean enabled() {
        return channel != null;
    }

    /** Half the watchdog timeout, when systemd expects {@code WATCHDOG=1}; empty otherwise. */
    public Optional<Duration> watchdogInterval() {
        return enabled() ? watchdogInterval : Optional.empty();
    }

    /** Start-up is complete: the service becomes active (and its watchdog starts). */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /** Shutdown has begun. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    /** Feeds the watchdog: the daemon is alive. */
    public void watchdog() {
        send("WATCHDOG=1");
    }

    /** One line for {@code systemctl status}. */
    public void status(String status) {
        send("STATUS=" + status);
    }

    /** Sends one datagram and waits (briefly) until it is out, so READY and STOPPING precede what follows. */
    void send(String message) {
        if (channel == null) {
            return;
        }
        ChannelFuture write = channel.writeAndFlush(Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        boolean done = write.awaitUninterruptibly(SEND_TIMEOUT_MILLIS);
        if (done && write.isSuccess()) {
            if (failing) {
                failing = false;
                LOG.info("notifying systemd through {} works again", socketName);
            }
            return;
        }
        String why = done ? String.valueOf(write.cause()) : "timed out";
        if (!failing) {
            failing = true; // once per run of failures, not once per watchdog tick
            LOG.warn("cannot notify systemd through {} ({}): {}", socketName, firstLine(message), why);
        } else {
            LOG.debug("cannot notify systemd ({}): {}", firstLine(message), why);
        }
    }

    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(SEND_TIMEOUT_MILLIS);
            loop.shutdownGracefully(0, SEND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }
}
