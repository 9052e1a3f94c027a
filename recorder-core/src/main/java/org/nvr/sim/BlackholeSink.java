package org.nvr.sim;

import io.netty.buffer.ByteBuf;

/**
 * A UDP session whose datagrams never arrive (a router that drops inbound UDP): everything sent is
 * released unsent. See {@link SimulatedCamera#setUdpBlackhole}. Not thread-safe; on its session's loop.
 */
final class BlackholeSink implements RtpSink {
    private final RtpSink target;

    BlackholeSink(RtpSink target) {
        this.target = target;
    }

    @Override
    public ByteBuf newPacket(int length) {
        return target.newPacket(length);
    }

    @Override
    public void send(ByteBuf packet, boolean rtcp) {
        packet.release();
    }

    @Override
    public void sendGarbage(byte[] bytes) {
        // dropped like everything else
    }

    @Override
    public void flush() {
    }

    @Override
    public boolean isWritable() {
        return target.isWritable();
    }

    @Override
    public String transportHeader() {
        return target.transportHeader();
    }
}
