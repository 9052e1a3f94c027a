package org.nvr.sim;

import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;

/**
 * How the tests open the simulator with JavaCV, the way the recorder will: FFmpeg's RTSP client with
 * a socket timeout, {@code startUnsafe()}, and every grabbed packet unreferenced at once.
 */
final class FfmpegClient {

    /**
     * What the tests keep of a packet after unreferencing it; {@code dts} in 1/90000 s; {@code data}
     * (Annex-B, as FFmpeg's RTP depacketizer writes it) only if asked for, else null.
     */
    record Packet(long dts, boolean keyframe, int size, long receivedNanos, byte[] data) {
        boolean hasDts() {
            return dts != AV_NOPTS_VALUE;
        }

        /** The packet's NAL units of one type, in order; needs {@code data}. */
        List<byte[]> nalUnits(int type) {
            return AnnexB.split(data, data.length).stream().filter(n -> AnnexB.nalType(n) == type).toList();
        }
    }

    private FfmpegClient() {
    }

    static FFmpegFrameGrabber grabber(String url, String transport, long timeoutMicros) {
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(url);
        grabber.setOption("rtsp_transport", transport);
        grabber.setOption("timeout", Long.toString(timeoutMicros));
        grabber.setVideoOption("threads", "1");
        return grabber;
    }

    /**
     * Same, but probing stops after 0.2 s: for tests about connecting rather than streaming. FFmpeg
     * then returns the packets it read while probing without timestamps.
     */
    static FFmpegFrameGrabber quickGrabber(String url, String transport, long timeoutMicros) {
        FFmpegFrameGrabber grabber = grabber(url, transport, timeoutMicros);
        grabber.setOption("analyzeduration", "200000");
        return grabber;
    }

    /**
     * Grabs packets until {@code done} says so, or until the stream ends or fails; a failure ends the
     * list rather than propagating, so a test can assert how a stream ended.
     */
    static List<Packet> grabUntil(FFmpegFrameGrabber grabber, Predicate<List<Packet>> done) {
        return grabUntil(grabber, done, false);
    }

    /** Same, keeping each packet's bytes if {@code keepData}. */
    static List<Packet> grabUntil(FFmpegFrameGrabber grabber, Predicate<List<Packet>> done, boolean keepData) {
        List<Packet> packets = new ArrayList<>();
        while (!done.test(packets)) {
            AVPacket packet;
            try {
                packet = grabber.grabPacket();
            } catch (FrameGrabber.Exception e) {
                return packets;
            }
            if (packet == null) {
                return packets;
            }
            try {
                byte[] data = null;
                if (keepData) {
                    data = new byte[packet.size()];
                    packet.data().get(data);
                }
                packets.add(new Packet(packet.dts(), (packet.flags() & AV_PKT_FLAG_KEY) != 0, packet.size(),
                        System.nanoTime(), data));
            } finally {
                av_packet_unref(packet);
            }
        }
        return packets;
    }

    /** True if the grabber yields nothing more: end of stream or an error. */
    static boolean streamEnds(FFmpegFrameGrabber grabber, int maxPackets) {
        int[] count = {0};
        List<Packet> got = grabUntil(grabber, p -> ++count[0] > maxPackets);
        return got.size() < maxPackets;
    }
}
