package org.nvr.cli.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What systemd's end of {@code NOTIFY_SOCKET} sees, for tests: a unix datagram socket (a path, or a
 * name in the abstract namespace) that records every message with the time it arrived.
 *
 * <p>Thread-safe: messages arrive on the socket's event loop, tests read from their own thread.
 */
public final class NotifySocket implements AutoCloseable {
    /** One datagram, as received. */
    public record Message(String text, long nanos) {
        public boolean has(String assignment) {
            return text.lines().anyMatch(assignment::equals);
        }
    }

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-notify", true),
            EpollIoHandler.newFactory());
    private final List<Message> messages = new ArrayList<>();
    private final String name;
    private final Channel channel;

    private NotifySocket(String name, String address) throws InterruptedException {
        this.name = name;
        this.channel = new Bootstrap().group(loop).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        Message m = new Message(packet.content().toString(StandardCharsets.UTF_8), System.nanoTime());
                        synchronized (messages) {
                            messages.add(m);
                            messages.notifyAll();
                        }
                    }
                })
                .bind(new DomainSocketAddress(address)).sync().channel();
    }

    /** A socket in the abstract namespace, as systemd uses for user managers and tests: {@code @name}. */
    public static NotifySocket abstractName() throws InterruptedException {
        String name = "nvr-test-" + ProcessHandle.current().pid() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        return new NotifySocket("@" + name, "\0" + name);
    }

    /** A socket at {@code path}, as {@code /run/systemd/notify}. */
    public static NotifySocket at(Path path) throws InterruptedException {
        return new NotifySocket(path.toString(), path.toString());
    }

    /** The value for {@code NOTIFY_SOCKET}. */
    public String name() {
        return name;
    }

    public List<Message> messages() {
        synchronized (messages) {
            return List.copyOf(messages);
        }
    }

    /** The first message (in arrival order) matching {@code which}, waiting up to {@code timeout}. */
    public Message await(Predicate<Message> which, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (messages) {
            while (true) {
                for (Message m : messages) {
                    if (which.test(m)) {
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + what + " within " + timeout + "; got " + messages);
                }
                TimeUnit.NANOSECONDS.timedWait(messages, left);
            }
        }
    }

    /** The first message containing {@code assignment} (such as {@code READY=1}). */
    public Message await(String assignment, Duration timeout) throws InterruptedException {
        return await(m -> m.has(assignment), timeout, assignment);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
    }
}
