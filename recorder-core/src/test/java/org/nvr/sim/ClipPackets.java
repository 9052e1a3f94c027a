package org.nvr.sim;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's H.264 packetizer for tests outside this package (the RTP depacketizers'): a clip's
 * RTP packets exactly as a simulated camera sends them, and the NAL units each picture should come
 * back as. Stateless.
 */
public final class ClipPackets {

    public static final int PAYLOAD_TYPE = H264Packetizer.PAYLOAD_TYPE;

    private ClipPackets() {
    }

    /** 320x240, 25 fps, a keyframe every 10 frames, 1 s; made once per test JVM. */
    public static SyntheticClip oneSecond() {
        return TestClips.oneSecond();
    }

    /**
     * Every RTP packet of {@code clip}, in order, as byte arrays.
     *
     * @param firstTimestamp the first picture's RTP timestamp; each next one is 90000 / fps later
     */
    public static List<byte[]> packetize(SyntheticClip clip, int ssrc, int firstSequence, int firstTimestamp) {
        List<byte[]> packets = new ArrayList<>();
        RtpSink sink = new RtpSink() {
            @Override
            public ByteBuf newPacket(int length) {
                return Unpooled.buffer(length);
            }

            @Override
            public void send(ByteBuf packet, boolean rtcp) {
                packets.add(ByteBufUtil.getBytes(packet));
                packet.release();
            }

            @Override
            public void sendGarbage(byte[] bytes) {
                throw new AssertionError("the packetizer never sends garbage");
            }

            @Override
            public void flush() {
            }

            @Override
            public boolean isWritable() {
                return true;
            }

            @Override
            public String transportHeader() {
                return "test";
            }
        };
        H264Packetizer packetizer = new H264Packetizer(ssrc, firstSequence);
        int ticks = H264Packetizer.CLOCK_RATE / clip.fps();
        for (int i = 0; i < clip.frameCount(); i++) {
            packetizer.send(clip.frame(i), clip.spsShared(), clip.ppsShared(), firstTimestamp + i * ticks, sink);
        }
        return packets;
    }

    /** The NAL units of picture {@code index} in the order the packetizer sends them (SPS, PPS before keyframes). */
    public static List<byte[]> nalUnits(SyntheticClip clip, int index) {
        AccessUnit unit = clip.frame(index);
        List<byte[]> nals = new ArrayList<>(unit.nalUnits());
        if (unit.keyframe()) {
            int at = unit.delimited() ? 1 : 0;
            nals.add(at, clip.sps());
            nals.add(at + 1, clip.pps());
        }
        return nals;
    }

    public static boolean keyframe(SyntheticClip clip, int index) {
        return clip.frame(index).keyframe();
    }
}
