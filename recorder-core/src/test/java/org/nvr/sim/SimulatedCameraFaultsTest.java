package org.nvr.sim;

import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulator's stream faults as FFmpeg's RTSP client (via JavaCV, the way the recorder opens
 * cameras) sees them. The camera plays the demo clip (640x360, 25 fps, GOP 25: one frame is 3600
 * ticks of the 90 kHz clock); the switch goes to the one-second clip (320x240, GOP 10).
 */
class SimulatedCameraFaultsTest {

    private static final long TIMEOUT_MICROS = 3_000_000;
    private static final int FRAME_TICKS = 90_000 / 25;

    private RtspCameraSimulator sim;
    private SimulatedCamera camera;

    @BeforeAll
    static void loadFfmpeg() throws FrameGrabber.Exception {
        FFmpegFrameGrabber.tryLoad();
        TestClips.demo();
        TestClips.oneSecond();
    }

    @BeforeEach
    void startSimulator() {
        sim = new RtspCameraSimulator();
        camera = sim.addCamera("cam-01", TestClips.demo());
        sim.start();
    }

    @AfterEach
    void closeSimulator() {
        sim.close();
    }

    @Test
    void garbageInsteadOfRtspFailsTheStart() throws Exception {
        camera.sendGarbageInsteadOfRtsp(true);
        // FFmpeg reads the garbage as the header lines of a reply that never ends, so the start fails
        // when its socket timeout expires; JavaCV tries avformat_open_input twice. A short timeout
        // keeps the test quick.
        long timeoutMicros = 500_000;
        long start = System.nanoTime();
        FrameGrabber.Exception e = assertThrows(FrameGrabber.Exception.class, () -> {
            try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", timeoutMicros)) {
                grabber.startUnsafe();
            }
        });
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().contains(Integer.toString(AVERROR_INVALIDDATA)), e.getMessage());
        assertTrue(millis >= timeoutMicros / 1000 && millis < 2 * timeoutMicros / 1000 + 3000,
                "failed after " + millis + " ms, by the client's timeout");

        camera.sendGarbageInsteadOfRtsp(false);
        try (FFmpegFrameGrabber grabber = FfmpegClient.quickGrabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            assertEquals(5, FfmpegClient.grabUntil(grabber, p -> p.size() >= 5).size());
        }
    }

    @Test
    void injectedGarbageCostsFramesAndTheStreamGoesOn() throws Exception {
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            List<FfmpegClient.Packet> packets = new ArrayList<>(FfmpegClient.grabUntil(grabber, p -> p.size() >= 10));
            camera.injectGarbage();
            long injected = System.nanoTime();
            packets.addAll(FfmpegClient.grabUntil(grabber,
                    p -> p.size() >= 50 || System.nanoTime() - injected > TimeUnit.SECONDS.toNanos(10)));

            // FFmpeg reads the garbage, and the frames after it, as RTSP header lines until it finds a
            // '$' at the start of a line that really starts a frame: frames are lost, no error.
            assertEquals(60, packets.size(), "the stream went on after the garbage");
            List<Long> steps = dtsSteps(packets);
            System.out.println("dts steps in frames around injected garbage: "
                    + steps.stream().map(s -> Long.toString(s / FRAME_TICKS)).toList());
            for (int i = 0; i < 9; i++) {
                assertEquals(FRAME_TICKS, steps.get(i), "step into packet " + (i + 1) + " of " + steps);
            }
            assertTrue(steps.subList(9, steps.size()).stream().anyMatch(s -> s > FRAME_TICKS),
                    "frames lost after the garbage: " + steps);
            for (int i = steps.size() - 10; i < steps.size(); i++) {
                assertEquals(FRAME_TICKS, steps.get(i), "back in step at the end: " + steps);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {10_000, -3_000})
    void timestampsJumpByTheDelta(long deltaMillis) throws Exception {
        long deltaTicks = deltaMillis * 90;
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            List<FfmpegClient.Packet> packets = new ArrayList<>(FfmpegClient.grabUntil(grabber, p -> p.size() >= 10));
            camera.jumpTimestamps(Duration.ofMillis(deltaMillis));
            packets.addAll(FfmpegClient.grabUntil(grabber, p -> p.size() >= 40));

            assertEquals(50, packets.size());
            List<Long> steps = dtsSteps(packets);
            List<Integer> jumps = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                if (steps.get(i) != FRAME_TICKS) {
                    jumps.add(i);
                }
            }
            assertEquals(1, jumps.size(), "one jump in dts steps " + steps);
            int at = jumps.get(0);
            // steps.get(i) is the step into packets.get(i + 1); the first 10 were read before the jump.
            assertTrue(at + 1 >= 10, "jump after the call, at packet " + (at + 1));
            long step = steps.get(at);
            assertTrue(Math.abs(step - (FRAME_TICKS + deltaTicks)) <= FRAME_TICKS,
                    "dts step " + step + " for a jump of " + deltaTicks);
        }
    }

    @Test
    void switchedClipSendsItsParameterSetsInBand() throws Exception {
        SyntheticClip next = TestClips.oneSecond();
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.startUnsafe();
            List<FfmpegClient.Packet> packets = new ArrayList<>(
                    FfmpegClient.grabUntil(grabber, p -> p.size() >= 5, true));
            camera.switchClip(next);
            packets.addAll(FfmpegClient.grabUntil(grabber, p -> p.size() >= 60, true));

            int first = -1;
            for (int i = 0; i < packets.size() && first < 0; i++) {
                List<byte[]> sps = packets.get(i).nalUnits(AnnexB.NAL_SPS);
                if (!sps.isEmpty() && !java.util.Arrays.equals(sps.get(0), TestClips.demo().sps())) {
                    first = i;
                }
            }
            assertTrue(first >= 5, "a new SPS after the switch, at packet " + first);
            FfmpegClient.Packet idr = packets.get(first);
            assertTrue(idr.keyframe());
            assertArrayEquals(next.sps(), idr.nalUnits(AnnexB.NAL_SPS).get(0));
            assertArrayEquals(next.pps(), idr.nalUnits(AnnexB.NAL_PPS).get(0));
            assertEquals(1, idr.nalUnits(AnnexB.NAL_IDR).size());
            // The new clip from its first picture (keyframes at 0, 10 and 20 of its 25 frames), with the
            // new parameter sets in front of each keyframe; and timestamps that simply go on.
            for (int i = first; i < packets.size(); i++) {
                FfmpegClient.Packet packet = packets.get(i);
                assertEquals(next.frame((i - first) % next.frameCount()).keyframe(), packet.keyframe(),
                        "keyframe flag of packet " + i);
                if (packet.keyframe()) {
                    assertArrayEquals(next.sps(), packet.nalUnits(AnnexB.NAL_SPS).get(0));
                }
            }
            for (long step : dtsSteps(packets)) {
                assertEquals(FRAME_TICKS, step, "dts steps " + dtsSteps(packets));
            }
        }
    }

    @Test
    void switchedClipDecodesAtItsResolution() throws Exception {
        SyntheticClip next = TestClips.oneSecond();
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.setPixelFormat(AV_PIX_FMT_GRAY8);
            grabber.startUnsafe();
            for (int i = 0; i < 3; i++) {
                Frame frame = grabber.grabImage();
                assertEquals(640, frame.imageWidth);
                assertEquals(i, frameNumber(frame));
            }
            camera.switchClip(next);
            Frame frame = grabber.grabImage();
            int pictures = 1;
            while (frame != null && frame.imageWidth == 640 && pictures < 60) {
                frame = grabber.grabImage();
                pictures++;
            }
            assertNotNull(frame, "the stream went on");
            assertEquals(320, frame.imageWidth, "picture size after " + pictures + " pictures");
            assertEquals(240, frame.imageHeight);
            for (int i = 0; i < 12; i++) {
                assertEquals(320, frame.imageWidth);
                assertEquals(i % next.frameCount(), frameNumber(frame), "the new clip's picture " + i);
                frame = grabber.grabImage();
                assertNotNull(frame);
            }
        }
    }

    @Test
    void rtpLossDamagesPicturesAndTheStreamGoesOn() throws Exception {
        camera.setRtpLossEvery(7);
        try (FFmpegFrameGrabber grabber = FfmpegClient.grabber(sim.url("cam-01"), "tcp", TIMEOUT_MICROS)) {
            grabber.setPixelFormat(AV_PIX_FMT_GRAY8);
            grabber.startUnsafe();
            List<Integer> numbers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                Frame frame = grabber.grabImage();
                assertNotNull(frame, "picture " + i);
                numbers.add(frameNumber(frame));
            }
            // The decoder conceals what is missing: pictures keep coming, but not all of them show
            // the frame that was sent (without loss they all do, see RtspCameraSimulatorTest).
            long wrong = 0;
            for (int i = 0; i < numbers.size(); i++) {
                if (numbers.get(i) != i) {
                    wrong++;
                }
            }
            assertTrue(wrong > 0, "damaged pictures among " + numbers);
        }
    }

    /** Differences between consecutive dts, skipping a first packet FFmpeg could not time. */
    private static List<Long> dtsSteps(List<FfmpegClient.Packet> packets) {
        List<Long> steps = new ArrayList<>();
        for (int i = 1; i < packets.size(); i++) {
            if (packets.get(i - 1).hasDts()) {
                assertTrue(packets.get(i).hasDts(), "dts of packet " + i);
                steps.add(packets.get(i).dts() - packets.get(i - 1).dts());
            } else {
                assertEquals(1, i, "only the first packet may lack a dts");
                steps.add((long) FRAME_TICKS); // keeps steps.get(i - 1) the step into packet i
            }
        }
        return steps;
    }

    private static int frameNumber(Frame frame) {
        return SyntheticClip.frameNumberOf((ByteBuffer) frame.image[0], frame.imageStride, frame.imageWidth,
                frame.imageHeight);
    }
}
