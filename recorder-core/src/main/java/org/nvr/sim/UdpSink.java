package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Sends RTP and RTCP as UDP datagrams from the simulator's shared RTP/RTCP socket pair to the ports
 * a client named in its SETUP request.
 *
 * <p>Called on the session's event loop; the sockets may belong to another loop, which Netty handles
 * by queueing the writes there in order.
 */
final class UdpSink implements RtpSink {

    private final Channel rtpSocket;
    private final Channel rtcpSocket;
    private final InetSocketAddress rtpDestination;
    private final InetSocketAddress rtcpDestination;

    UdpSink(Channel rtpSocket, Channel rtcpSocket, InetSocketAddress rtpDestination,
            InetSocketAddress rtcpDestination) {
        this.rtpSocket = rtpSocket;
        this.rtcpSocket = rtcpSocket;
        this.rtpDestination = rtpDestination;
        this.rtcpDestination = rtcpDestination;
    }

    @Override
    public ByteBuf newPacket(int length) {
        return rtpSocket.alloc().buffer(length);
    }

    @Override
    public void send(ByteBuf packet, boolean rtcp) {
        if (rtcp) {
            rtcpSocket.write(new DatagramPacket(packet, rtcpDestination), rtcpSocket.voidPromise());
        } else {
            rtpSocket.write(new DatagramPacket(packet, rtpDestination), rtpSocket.voidPromise());
        }
    }

    @Override
    public void sendGarbage(byte[] bytes) {
        rtpSocket.write(new DatagramPacket(Unpooled.copiedBuffer(bytes), rtpDestination), rtpSocket.voidPromise());
    }

    @Override
    public void flush() {
        rtpSocket.flush();
        rtcpSocket.flush();
    }

    @Override
    public boolean isWritable() {
        return rtpSocket.isWritable();
    }

    @Override
    public String transportHeader() {
        InetSocketAddress rtpLocal = (InetSocketAddress) rtpSocket.localAddress();
        InetSocketAddress rtcpLocal = (InetSocketAddress) rtcpSocket.localAddress();
        return "RTP/AVP/UDP;unicast;client_port=" + rtpDestination.getPort() + "-"
                + rtcpDestination.getPort() + ";server_port=" + rtpLocal.getPort() + "-" + rtcpLocal.getPort();
    }
}
