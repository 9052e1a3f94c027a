package org.nvr.sim;

import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's stream faults as FFmpeg's RTSP client (via JavaCV, the way the recorder opens
 * cameras) sees them. The camera plays the demo clip (640x360, 25 fps, GOP 25: one frame is 3600
 * ticks of the 90 kHz clock).
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
}
