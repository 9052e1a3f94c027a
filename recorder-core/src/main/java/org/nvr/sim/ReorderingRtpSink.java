package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import java.util.function.IntSupplier;

/**
 * An {@link RtpSink} in front of another that swaps every n-th RTP packet with the one after it, n read
 * from a supplier at each packet (0 = in order): what a UDP path with several routes does. Nothing is
 * lost; RTCP and garbage pass untouched. A packet held when the frame's flush comes is sent then, so a
 * picture's last packet is never held past its frame.
 *
 * <p>Not thread-safe; used on its session's event loop. Owns the one packet it may hold.
 */
final class ReorderingRtpSink implements RtpSink {

    private final RtpSink target;
    private final IntSupplier swapEvery;
    private long rtpPackets;
    private ByteBuf held;

    ReorderingRtpSink(RtpSink target, IntSupplier swapEvery) {
        this.target = target;
        this.swapEvery = swapEvery;
    }

    @Override
    public ByteBuf newPacket(int length) {
        return target.newPacket(length);
    }

    @Override
    public void send(ByteBuf packet, boolean rtcp) {
        if (rtcp) {
            target.send(packet, true);
            return;
        }
        rtpPackets++;
        int n = swapEvery.getAsInt();
        if (held != null) {
            target.send(packet, false);
            target.send(held, false);
            held = null;
        } else if (n > 0 && rtpPackets % n == 0) {
            held = packet;
        } else {
            target.send(packet, false);
        }
    }

    @Override
    public void sendGarbage(byte[] bytes) {
        target.sendGarbage(bytes);
    }

    @Override
    public void flush() {
        if (held != null) {
            target.send(held, false);
            held = null;
        }
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
