package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import java.util.function.IntSupplier;

/**
 * An {@link RtpSink} in front of another that leaves out every n-th RTP packet, n read from a
 * supplier at each packet so the loss can be turned on and off mid-stream (0 = no loss). The
 * packet count includes the packets dropped; RTCP, garbage and everything else pass untouched.
 *
 * <p>Not thread-safe; used on its session's event loop. Owns nothing but its count.
 */
final class LossyRtpSink implements RtpSink {

    private final RtpSink target;
    private final IntSupplier lossEvery;
    private long rtpPackets;

    LossyRtpSink(RtpSink target, IntSupplier lossEvery) {
        this.target = target;
        this.lossEvery = lossEvery;
    }

    @Override
    public ByteBuf newPacket(int length) {
        return target.newPacket(length);
    }

    @Override
    public void send(ByteBuf packet, boolean rtcp) {
        if (!rtcp) {
            rtpPackets++;
            int n = lossEvery.getAsInt();
            if (n > 0 && rtpPackets % n == 0) {
                packet.release();
                return;
            }
        }
        target.send(packet, rtcp);
    }

    @Override
    public void sendGarbage(byte[] bytes) {
        target.sendGarbage(bytes);
    }

    @Override
    public void flush() {
        target.flush();
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
