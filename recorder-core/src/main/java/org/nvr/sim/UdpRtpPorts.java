package org.nvr.sim;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulator's server-side UDP ports for RTP over UDP: an even RTP port and the odd RTCP port
 * after it, as RFC 3550 section 11 recommends and clients such as FFmpeg assume. Every UDP session
 * sends from this one pair; what clients send to it (RTCP receiver reports, NAT keepalives) is
 * counted, the last {@value #KEPT} RTCP packets kept for tests to read, and otherwise dropped.
 *
 * <p>Owned by {@link RtspCameraSimulator}, opened on start and closed on stop, from the thread
 * that starts or stops the simulator (never an event loop).
 */
final class UdpRtpPorts implements AutoCloseable {

    private static final int ATTEMPTS = 20;
    private static final long BIND_TIMEOUT_SECONDS = 5;

    static final int KEPT = 64;

    private final Channel rtp;
    private final Channel rtcp;
    private final Received received;

    private UdpRtpPorts(Channel rtp, Channel rtcp, Received received) {
        this.rtp = rtp;
        this.rtcp = rtcp;
        this.received = received;
    }

    static UdpRtpPorts bind(EventLoopGroup group, InetAddress address, Received received)
            throws InterruptedException {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(new Discard(received));
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Channel rtp = bindOrNull(bootstrap, new InetSocketAddress(address, 0));
            if (rtp == null) {
                continue;
            }
            int port = ((InetSocketAddress) rtp.localAddress()).getPort();
            if (port % 2 == 0 && port < 65535) {
                Channel rtcp = bindOrNull(bootstrap, new InetSocketAddress(address, port + 1));
                if (rtcp != null) {
                    return new UdpRtpPorts(rtp, rtcp, received);
                }
            }
            rtp.close().await(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        throw new IllegalStateException("no free even/odd UDP port pair on " + address.getHostAddress()
                + " after " + ATTEMPTS + " attempts");
    }

    private static Channel bindOrNull(Bootstrap bootstrap, InetSocketAddress address)
            throws InterruptedException {
        ChannelFuture future = bootstrap.bind(address);
        if (!future.await(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !future.isSuccess()) {
            future.channel().close();
            return null;
        }
        return future.channel();
    }

    Channel rtp() {
        return rtp;
    }

    Channel rtcp() {
        return rtcp;
    }

    @Override
    public void close() {
        rtp.close().awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        rtcp.close().awaitUninterruptibly(BIND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** What clients sent to the simulator's UDP ports, over its whole life. Thread-safe. */
    static final class Received {
        private final AtomicLong rtpDatagrams = new AtomicLong();
        private final Deque<byte[]> rtcp = new ArrayDeque<>();

        long rtpDatagrams() {
            return rtpDatagrams.get();
        }

        synchronized List<byte[]> rtcp() {
            return List.copyOf(rtcp);
        }

        private synchronized void rtcp(byte[] packet) {
            if (rtcp.size() == KEPT) {
                rtcp.removeFirst();
            }
            rtcp.addLast(packet);
        }
    }

    @ChannelHandler.Sharable
    private static final class Discard extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Received received;

        Discard(Received received) {
            this.received = received;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            if (((InetSocketAddress) ctx.channel().localAddress()).getPort() % 2 == 0) {
                received.rtpDatagrams.incrementAndGet();
            } else {
                received.rtcp(ByteBufUtil.getBytes(packet.content()));
            }
            // released by SimpleChannelInboundHandler
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable after a client went away shows up here; nothing to do.
        }
    }
}
