package org.nvr.sim;

import io.netty.buffer.ByteBuf;

/**
 * Where a session's RTP and RTCP packets go: interleaved on the RTSP connection or as UDP datagrams.
 * The packetizer asks for a buffer, writes one whole packet into it and hands it back; the sink adds
 * whatever framing its transport needs.
 *
 * <p>Called only on the session's event loop.
 */
interface RtpSink {

    /** A buffer with room for a packet of {@code length} bytes, positioned where the packet starts. */
    ByteBuf newPacket(int length);

    /** Queues a packet obtained from {@link #newPacket}; ownership passes to the sink. */
    void send(ByteBuf packet, boolean rtcp);

    /**
     * Queues bytes that are not a packet at all, unframed: raw on the RTSP connection for interleaved
     * TCP, one datagram to the RTP port for UDP. The array is not modified or kept.
     */
    void sendGarbage(byte[] bytes);

    void flush();

    /** False while the transport's outbound buffer is over its high-water mark. */
    boolean isWritable();

    /** Describes this transport for the SETUP reply's {@code Transport} header, without ssrc. */
    String transportHeader();
}
