package org.nvr.rtsp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One RFC 2326 section 10.12 interleaved frame read from an RTSP connection: the channel it came on
 * and its payload (an RTP or RTCP packet), a retained slice of the connection's read buffer, not a
 * copy. Whoever receives it releases it. Frames on channels never set up are passed on like the
 * others; the consumer ignores them.
 */
public final class InterleavedFrame extends DefaultByteBufHolder {

    private final int channel;

    public InterleavedFrame(int channel, ByteBuf payload) {
        super(payload);
        this.channel = channel;
    }

    /** 0-255; by convention even channels carry RTP and odd ones RTCP. */
    public int channel() {
        return channel;
    }

    @Override
    public InterleavedFrame replace(ByteBuf content) {
        return new InterleavedFrame(channel, content);
    }

    @Override
    public String toString() {
        return "InterleavedFrame[channel=" + channel + ", length=" + content().readableBytes() + "]";
    }
}
