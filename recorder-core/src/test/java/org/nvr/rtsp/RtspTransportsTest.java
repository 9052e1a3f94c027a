package org.nvr.rtsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Camera connections use epoll on Linux (the native transport ships with the recorder), NIO on a NIO group. */
class RtspTransportsTest {

    @Test
    void epollOnLinux() {
        assertTrue(Epoll.isAvailable() || !System.getProperty("os.name").equals("Linux"),
                "epoll should load on Linux: " + Epoll.unavailabilityCause());
        EventLoopGroup group = RtspTransports.newGroup(1, "transport-test");
        try {
            assertEquals(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class,
                    RtspTransports.socketChannel(group));
            assertEquals(Epoll.isAvailable() ? EpollDatagramChannel.class : NioDatagramChannel.class,
                    RtspTransports.datagramChannel(group));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void pacedGroupGetsEpollChannelsOnLinux() {
        EventLoopGroup group = RtspTransports.newPacedGroup(1, "paced-test", java.time.Duration.ofMillis(10));
        try {
            assertEquals(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class,
                    RtspTransports.socketChannel(group));
            assertEquals(Epoll.isAvailable() ? EpollDatagramChannel.class : NioDatagramChannel.class,
                    RtspTransports.datagramChannel(group));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void nioGroupGetsNioChannels() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            assertEquals(NioSocketChannel.class, RtspTransports.socketChannel(group));
            assertEquals(NioDatagramChannel.class, RtspTransports.datagramChannel(group));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
