package org.nvr.rtsp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.nvr.media.Frame;
import org.nvr.rtp.ReceiverReport;
import org.nvr.rtp.ReceptionStats;
import org.nvr.rtp.ReorderBuffer;
import org.nvr.rtp.RtcpPacket;
import org.nvr.rtp.RtpPacket;
import org.nvr.rtp.RtpTrackReceiver;
import org.nvr.rtp.SenderReport;

/**
 * One track of an {@link RtspSession} received over UDP: an even RTP port and the odd RTCP port after
 * it (RFC 3550 section 11), bound on the session's event loop. Datagrams from any host but the camera's
 * are ignored (counted). RTP goes through a {@link ReorderBuffer} (UDP reorders) into the track's
 * {@link RtpTrackReceiver}; RTCP sender reports go to the session (camera clock) and into the
 * {@link ReceptionStats} from which {@link #sendReceiverReport} writes RFC 3550 receiver reports to the
 * camera's RTCP port. {@link #punch()} sends what opens a NAT or firewall towards the camera's ports.
 *
 * <p>Confined to the session's event loop, which owns it through the session; {@link #close()} closes
 * both ports and is safe twice.
 */
final class UdpTrack {

    /** What the session does with what arrives. Called on the event loop. */
    interface Owner {
        /** An RTP packet of this track arrived from the camera (the stall timer's business). */
        void rtpArrived();

        void frame(Frame frame);

        /** A sender report of the SSRC this track receives. */
        void senderReport(UdpTrack track, SenderReport report);
    }

    private static final int BIND_ATTEMPTS = 20;
    /** Largest datagram read whole: RTP over UDP may reach 64 KB (a cut datagram would be a corrupt packet). */
    private static final int MAX_DATAGRAM = 65_536;
    private static final int RECEIVE_BUFFER = 1 << 20;
    /** Reordering tolerated: packets held, and how long the first one held may wait. */
    static final int REORDER_PACKETS = 128;
    static final Duration REORDER_DELAY = Duration.ofMillis(200);
    private static final int PUNCH_PACKETS = 2;

    private final EventLoop loop;
    private final Channel rtpChannel;
    private final Channel rtcpChannel;
    private final RtpTrackReceiver receiver;
    private final ReorderBuffer reorder = new ReorderBuffer(REORDER_PACKETS, REORDER_DELAY);
    private final ReceptionStats stats;
    private final boolean video;
    private Owner owner;
    private InetAddress camera;
    private InetSocketAddress cameraRtp;
    private InetSocketAddress cameraRtcp;
    private ScheduledFuture<?> expiry;
    private long packets;
    private long strangers;
    /** Bytes of the camera's datagrams on both ports (RTP and RTCP with their headers). */
    private long bytes;
    private boolean closed;

    private UdpTrack(EventLoop loop, Channel rtp, Channel rtcp, RtpTrackReceiver receiver, int clockRate, boolean video) {
        this.loop = loop;
        this.rtpChannel = rtp;
        this.rtcpChannel = rtcp;
        this.receiver = receiver;
        this.stats = new ReceptionStats(clockRate);
        this.video = video;
    }

    /**
     * Binds an even/odd port pair on {@code local} (the address the RTSP connection goes out from), on
     * {@code loop}; completes with the track, or fails when no pair could be bound.
     */
    static Future<UdpTrack> bind(EventLoop loop, Class<? extends DatagramChannel> type, InetAddress local,
                                 RtpTrackReceiver receiver, int clockRate, boolean video) {
        Promise<UdpTrack> bound = loop.newPromise();
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(type)
                // Up to 256 datagrams a round: a paced loop (PacedIoHandler) reads a socket only every few ms.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM).maxMessagesPerRead(256))
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        // handlers are added once the track exists; nothing arrives before SETUP
                    }
                });
        attempt(bootstrap, local, 0, bound, loop, receiver, clockRate, video);
        return bound;
    }

    private static void attempt(Bootstrap bootstrap, InetAddress local, int attempt, Promise<UdpTrack> bound,
                                EventLoop loop, RtpTrackReceiver receiver, int clockRate, boolean video) {
        if (attempt >= BIND_ATTEMPTS) {
            bound.tryFailure(new IllegalStateException("no free even/odd UDP port pair on " + local.getHostAddress()
                    + " after " + BIND_ATTEMPTS + " attempts"));
            return;
        }
        ChannelFuture rtp = bootstrap.bind(new InetSocketAddress(local, 0));
        rtp.addListener(f -> {
            if (!f.isSuccess()) {
                bound.tryFailure(f.cause());
                return;
            }
            int port = ((InetSocketAddress) rtp.channel().localAddress()).getPort();
            if (port % 2 != 0 || port == 65534) {
                rtp.channel().close();
                attempt(bootstrap, local, attempt + 1, bound, loop, receiver, clockRate, video);
                return;
            }
            ChannelFuture rtcp = bootstrap.bind(new InetSocketAddress(local, port + 1));
            rtcp.addListener(g -> {
                if (!g.isSuccess()) {
                    rtp.channel().close();
                    attempt(bootstrap, local, attempt + 1, bound, loop, receiver, clockRate, video);
                } else if (!bound.trySuccess(new UdpTrack(loop, rtp.channel(), rtcp.channel(), receiver, clockRate,
                        video))) {
                    rtp.channel().close(); // the session ended meanwhile
                    rtcp.channel().close();
                }
            });
        });
    }

    /** Our RTP port (even); RTCP is the next. */
    int rtpPort() {
        return ((InetSocketAddress) rtpChannel.localAddress()).getPort();
    }

    int rtcpPort() {
        return ((InetSocketAddress) rtcpChannel.localAddress()).getPort();
    }

    /**
     * The camera answered SETUP: datagrams are taken from {@code camera} only, and reports and punches go
     * to its {@code server_port}s when it named them.
     */
    void start(InetAddress cameraAddress, TransportHeader.Pair serverPorts, Owner events) {
        this.camera = cameraAddress;
        this.owner = events;
        if (serverPorts != null) {
            cameraRtp = new InetSocketAddress(cameraAddress, serverPorts.rtp());
            cameraRtcp = new InetSocketAddress(cameraAddress, serverPorts.rtcp());
        }
        rtpChannel.pipeline().addLast(new Reader(false));
        rtcpChannel.pipeline().addLast(new Reader(true));
    }

    /**
     * Opens the way for the camera's datagrams through a NAT or firewall in front of us: a few RTP packets
     * without payload to its RTP port and empty receiver reports to its RTCP port (what FFmpeg sends too).
     */
    void punch(int ourSsrc) {
        if (cameraRtp == null) {
            return;
        }
        for (int i = 0; i < PUNCH_PACKETS; i++) {
            ByteBuf rtp = rtpChannel.alloc().buffer(12);
            rtp.writeByte(0x80).writeByte(receiver.payloadType()).writeShort(i).writeInt(0).writeInt(ourSsrc);
            rtpChannel.write(new DatagramPacket(rtp, cameraRtp), rtpChannel.voidPromise());
            rtcpChannel.write(new DatagramPacket(ReceiverReport.write(rtcpChannel.alloc(), ourSsrc, "nvr", List.of()),
                    cameraRtcp), rtcpChannel.voidPromise());
        }
        rtpChannel.flush();
        rtcpChannel.flush();
    }

    /** Sends a receiver report about what arrived so far (nothing before the first packet). */
    void sendReceiverReport(int ourSsrc) {
        if (cameraRtcp == null || closed) {
            return;
        }
        List<ReceptionStats.ReportBlock> blocks = stats.started()
                ? List.of(stats.reportBlock(loop.ticker().nanoTime())) : List.of();
        ByteBuf report = ReceiverReport.write(rtcpChannel.alloc(), ourSsrc, "nvr", blocks);
        rtcpChannel.writeAndFlush(new DatagramPacket(report, cameraRtcp), rtcpChannel.voidPromise());
    }

    /** Hands out what the reorder buffer still holds (the session is ending). */
    void flush() {
        reorder.flush(this::use);
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (expiry != null) {
            expiry.cancel(false);
        }
        rtpChannel.close();
        rtcpChannel.close();
    }

    /**
     * Stops or resumes reading RTP: back-pressure from a writer that fell behind. While paused the
     * kernel's receive buffer fills and then drops datagrams (loss, counted as such); RTCP is still read.
     */
    void setReading(boolean read) {
        rtpChannel.config().setAutoRead(read);
    }

    boolean video() {
        return video;
    }

    RtpTrackReceiver receiver() {
        return receiver;
    }

    ReorderBuffer reorder() {
        return reorder;
    }

    /** RTP packets from the camera (parsed), before reordering. */
    long packets() {
        return packets;
    }

    /** Bytes of the camera's datagrams on both ports, RTP and RTCP headers included (not UDP/IP's). */
    long bytes() {
        return bytes;
    }

    /** Datagrams from other hosts, ignored. */
    long strangers() {
        return strangers;
    }

    private void onRtp(ByteBuf content) {
        RtpPacket packet = RtpPacket.parse(content);
        if (packet == null) {
            return;
        }
        packets++;
        owner.rtpArrived();
        reorder.push(packet, loop.ticker().nanoTime(), this::use);
        scheduleExpiry();
    }

    private void use(RtpPacket packet) {
        stats.packet(packet.ssrc(), packet.sequence(), packet.timestamp(), loop.ticker().nanoTime());
        receiver.receive(packet, owner::frame);
    }

    private void scheduleExpiry() {
        long deadline = reorder.deadlineNanos();
        if (expiry != null || deadline == Long.MAX_VALUE || closed) {
            return;
        }
        long delay = Math.max(0, deadline - loop.ticker().nanoTime());
        expiry = loop.schedule(() -> {
            expiry = null;
            if (!closed) {
                reorder.expire(loop.ticker().nanoTime(), this::use);
                scheduleExpiry();
            }
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void onRtcp(ByteBuf content) {
        RtcpPacket rtcp = RtcpPacket.parse(content);
        if (rtcp == null) {
            return;
        }
        long now = loop.ticker().nanoTime();
        for (SenderReport report : rtcp.senderReports()) {
            if (receiver.sequence().started() && report.ssrc() == receiver.sequence().ssrc()) {
                stats.senderReport(report, now);
                owner.senderReport(this, report);
            } // RTCP of an unknown SSRC (Tapo cameras send some): ignored
        }
    }

    /** Reads one port's datagrams; only the camera's are used. */
    private final class Reader extends SimpleChannelInboundHandler<DatagramPacket> {
        private final boolean rtcp;

        Reader(boolean rtcp) {
            this.rtcp = rtcp;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
            if (closed) {
                return;
            }
            if (!datagram.sender().getAddress().equals(camera)) {
                strangers++;
                return;
            }
            bytes += datagram.content().readableBytes();
            if (rtcp) {
                onRtcp(datagram.content());
            } else {
                onRtp(datagram.content());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable after punching a camera port nobody listens on: nothing to do.
        }
    }
}
