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

/**
 * Which Netty transport camera connections use: epoll where the native library loads (Linux), NIO
 * otherwise. One group serves every camera; whoever creates it with {@link #newGroup} owns and shuts it
 * down. Stateless; any thread.
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

    /** The socket channel class that fits {@code group}'s I/O type. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)) {
            return EpollSocketChannel.class;
        }
        return NioSocketChannel.class;
    }

    /** The datagram channel class that fits {@code group}'s I/O type (RTP and RTCP over UDP). */
    public static Class<? extends DatagramChannel> datagramChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)) {
            return EpollDatagramChannel.class;
        }
        return NioDatagramChannel.class;
    }
}
