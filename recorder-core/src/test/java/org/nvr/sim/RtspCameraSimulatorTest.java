package org.nvr.sim;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_NOT_FOUND;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_HTTP_UNAUTHORIZED;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The simulator as the recorder will see it: through FFmpeg's RTSP client, via JavaCV. */
class RtspCameraSimulatorTest {

    private static final long TIMEOUT_MICROS = 5_000_000;
    private static final long SHORT_TIMEOUT_MICROS = 500_000;

    private RtspCameraSimulator sim;

    @BeforeAll
    static void loadFfmpeg() throws FrameGrabber.Exception {
        // Native loading and clip encoding happen once, outside the timed parts.
        FFmpegFrameGrabber.tryLoad();
        TestClips.demo();
        TestClips.oneSecond();
    }

    @BeforeEach
    void startSimulator() {
        sim = new RtspCameraSimulator();
        sim.addCamera("cam-01", TestClips.demo());
        sim.addCamera("loop", TestClips.oneSecond());
        sim.start();
    }

    @AfterEach
    void closeSimulator() {
        sim.close();
    }

    @Test
    void streamsTheClipInRealTimeOverTcp() throws Exception {
        long start = System.nanoTime();
        List<FfmpegClient.Packet> packets;
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(AV_CODEC_ID_H264, grabber.getVideoCodec());
            assertEquals(640, grabber.getImageWidth());
            assertEquals(360, grabber.getImageHeight());
            packets = FfmpegClient.grabUntil(grabber, p -> System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(3));
        }
        double seconds = (packets.get(packets.size() - 1).receivedNanos() - start) / 1e9;
        System.out.printf("TCP: %d packets in %.2f s, %.1f packets/s%n", packets.size(), seconds,
                packets.size() / seconds);

        // 25 fps for 3 s, less the connection setup and the frame FFmpeg's parser holds back.
        assertTrue(packets.size() >= 72 && packets.size() <= 77, "packets in 3 s: " + packets.size());
        assertTrue(packets.get(0).keyframe(), "first packet is a keyframe");
        assertStrictlyIncreasingDts(packets);
        for (int i = 0; i < packets.size(); i++) {
            assertEquals(i % 25 == 0, packets.get(i).keyframe(), "keyframe flag of packet " + i);
        }
        // Paced, not bursted: the last packet's stream time is no ahead of the wall clock.
        long lastDts = packets.get(packets.size() - 1).dts();
        assertTrue(lastDts / 90_000.0 <= seconds + 0.05, "stream time " + lastDts / 90_000.0 + " s after "
                + seconds + " s");
    }

    @Test
    void picturesDecodeAndCountUp() throws Exception {
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.setPixelFormat(AV_PIX_FMT_GRAY8);
            grabber.startUnsafe();
            for (int i = 0; i < 8; i++) {
                Frame frame = grabber.grabImage();
                assertNotNull(frame, "picture " + i);
                assertEquals(640, frame.imageWidth);
                assertEquals(360, frame.imageHeight);
                ByteBuffer luma = (ByteBuffer) frame.image[0];
                assertEquals(i, SyntheticClip.frameNumberOf(luma, frame.imageStride, 640, 360));
                assertNotBlank(luma, frame.imageStride, 640, 360);
            }
        }
    }

    @Test
    void loopsTheClipWithTimestampsThatKeepCounting() throws Exception {
        // One-second clip played for 2.5 s: frame numbers wrap, timestamps do not.
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("loop"), "tcp", TIMEOUT_MICROS)) {
            grabber.setPixelFormat(AV_PIX_FMT_GRAY8);
            grabber.startUnsafe();
            long previous = Long.MIN_VALUE;
            for (int i = 0; i < 63; i++) {
                Frame frame = grabber.grabImage();
                assertNotNull(frame, "picture " + i);
                ByteBuffer luma = (ByteBuffer) frame.image[0];
                assertEquals(i % 25, SyntheticClip.frameNumberOf(luma, frame.imageStride, 320, 240),
                        "frame number of picture " + i);
                if (i > 1) {
                    assertEquals(40_000, frame.timestamp - previous, "timestamp step before picture " + i);
                }
                previous = frame.timestamp;
            }
        }
    }

    @Test
    void streamsOverUdp() throws Exception {
        // Full probing: with a short analyzeduration FFmpeg leaves the probed packets without dts.
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "udp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(AV_CODEC_ID_H264, grabber.getVideoCodec());
            List<FfmpegClient.Packet> packets = FfmpegClient.grabUntil(grabber, p -> p.size() >= 30);
            assertEquals(30, packets.size());
            assertTrue(packets.get(0).keyframe());
            assertTrue(packets.get(25).keyframe());
            assertStrictlyIncreasingDts(packets);
        }
    }

    @Test
    void unknownPathIsNotFound() {
        FrameGrabber.Exception e = assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-99"), "tcp", TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        });
        assertTrue(e.getMessage().contains(Integer.toString(AVERROR_HTTP_NOT_FOUND)), e.getMessage());
    }

    @Test
    void unavailableCameraRefusesNewAndDropsExistingSessions() throws Exception {
        SimulatedCamera camera = sim.camera("cam-01");
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(10, FfmpegClient.grabUntil(grabber, p -> p.size() >= 10).size());
            assertEquals(1, camera.sessionCount());

            camera.setAvailable(false);
            assertTrue(FfmpegClient.streamEnds(grabber, 100), "stream ended");
        }
        assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        });

        camera.setAvailable(true);
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
        }
    }

    @ParameterizedTest
    @EnumSource(AuthScheme.class)
    void camerasCanRequireCredentials(AuthScheme scheme) throws Exception {
        sim.camera("cam-01").requireAuth("admin", "s3cret:/@", scheme);

        FrameGrabber.Exception e = assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        });
        assertTrue(e.getMessage().contains(Integer.toString(AVERROR_HTTP_UNAUTHORIZED)), e.getMessage());
        assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(
                    sim.url("cam-01", "admin", "wrong"), "tcp", TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        });
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(
                sim.url("cam-01", "admin", "s3cret:/@"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
        }
    }

    @Test
    void silentCameraTimesTheClientOut() {
        sim.camera("cam-01").setSilent(true);
        long start = System.nanoTime();
        assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp",
                    SHORT_TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        });
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4), "bounded by the client timeout");
    }

    @Test
    void pausedStreamStallsTheClient() throws Exception {
        SimulatedCamera camera = sim.camera("cam-01");
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp",
                SHORT_TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
            camera.pauseStream(true);
            long start = System.nanoTime();
            assertTrue(FfmpegClient.streamEnds(grabber, 100), "client gives up on a stalled stream");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(4));
            assertEquals(1, camera.sessionCount(), "connection kept open by the server");
        }
    }

    @Test
    void restartKeepsThePort() throws Exception {
        int port = sim.port();
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
            sim.stop();
            assertTrue(FfmpegClient.streamEnds(grabber, 100), "stream ended by the restart");
        }
        assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
                grabber.startUnsafe();
            }
        }, "connection refused while stopped");

        sim.start();
        assertEquals(port, sim.port());
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
        }
    }

    private static void assertStrictlyIncreasingDts(List<FfmpegClient.Packet> packets) {
        // FFmpeg's parser cannot time the very first access unit of an RTP stream (no byte position
        // to match it to), so packet 0 may come without a dts; a real camera gives the same.
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < packets.size(); i++) {
            FfmpegClient.Packet packet = packets.get(i);
            if (!packet.hasDts()) {
                assertEquals(0, i, "only the first packet may lack a dts");
                continue;
            }
            assertTrue(packet.dts() > previous, "dts " + packet.dts() + " after " + previous + " at " + i);
            previous = packet.dts();
        }
    }

    private static void assertNotBlank(ByteBuffer luma, int stride, int width, int height) {
        int min = 255;
        int max = 0;
        for (int y = 0; y < height; y += 7) {
            for (int x = 0; x < width; x += 5) {
                int v = luma.get(luma.position() + y * stride + x) & 0xFF;
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertTrue(max - min > 100, "luma range " + min + ".." + max);
        assertFalse(max == min);
    }
}
