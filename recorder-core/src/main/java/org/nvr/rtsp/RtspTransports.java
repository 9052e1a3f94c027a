package org.nvr.rtsp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;

/**
 * Which Netty transport camera connections use: epoll where the native library loads (Linux), NIO
 * otherwise; the recorder's loops are epoll paced by a {@link PacedIoHandler} ({@link #newPacedGroup}).
 * One group serves every camera; whoever creates it owns and shuts it down. Stateless; any thread.
 */
public final class RtspTransports {

    private RtspTransports() {
    }

    /** An event loop group of {@code threads} daemon threads named {@code name-N}: epoll if available, else NIO. */
    public static EventLoopGroup newGroup(int threads, String name) {
        DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
        return new MultiThreadIoEventLoopGroup(threads, factory,
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /**
     * As {@link #newGroup}, but each loop reads its sockets at most once per {@code pace} (see
     * {@link PacedIoHandler}): the recorder's camera loops. NIO, unpaced, where epoll is not available.
     */
    public static EventLoopGroup newPacedGroup(int threads, String name, Duration pace) {
        if (!Epoll.isAvailable()) {
            return newGroup(threads, name);
        }
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                PacedIoHandler.epollFactory(pace));
    }

    /** The socket channel class that fits {@code group}'s I/O type. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && isEpoll(io)) {
            return EpollSocketChannel.class;
        }
        return NioSocketChannel.class;
    }

    /** The datagram channel class that fits {@code group}'s I/O type (RTP and RTCP over UDP). */
    public static Class<? extends DatagramChannel> datagramChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && isEpoll(io)) {
            return EpollDatagramChannel.class;
        }
        return NioDatagramChannel.class;
    }

    private static boolean isEpoll(IoEventLoopGroup group) {
        return group.isIoType(EpollIoHandler.class) || group.isIoType(PacedIoHandler.class);
    }
}
