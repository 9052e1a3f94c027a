package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

/**
 * Sends RTP and RTCP inside the RTSP connection, each packet framed as RFC 2326 section 10.12 says:
 * {@code '$'}, a one-byte channel id, a two-byte length, then the packet.
 *
 * <p>Used on the connection's event loop only. The raw buffers pass through Netty's
 * {@code RtspEncoder} untouched because it only accepts RTSP messages.
 */
final class InterleavedSink implements RtpSink {

    private static final int HEADER = 4;

    private final Channel channel;
    private final int rtpChannel;
    private final int rtcpChannel;

    InterleavedSink(Channel channel, int rtpChannel, int rtcpChannel) {
        this.channel = channel;
        this.rtpChannel = rtpChannel;
        this.rtcpChannel = rtcpChannel;
    }

    @Override
    public ByteBuf newPacket(int length) {
        ByteBuf buf = channel.alloc().buffer(HEADER + length);
        buf.writeInt(0); // filled in by send(), once the length is known
        return buf;
    }

    @Override
    public void send(ByteBuf packet, boolean rtcp) {
        packet.setByte(0, '$');
        packet.setByte(1, rtcp ? rtcpChannel : rtpChannel);
        packet.setShort(2, packet.readableBytes() - HEADER);
        channel.write(packet, channel.voidPromise());
    }

    @Override
    public void sendGarbage(byte[] bytes) {
        channel.write(Unpooled.copiedBuffer(bytes), channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public String transportHeader() {
        return "RTP/AVP/TCP;unicast;interleaved=" + rtpChannel + "-" + rtcpChannel;
    }
}
