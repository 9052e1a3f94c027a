package org.nvr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.MediaProbe.Packet;
import org.nvr.testing.MediaProbe.StreamInfo;

/**
 * Self-test of the test camera and of {@link MediaProbe}: records each mount with Debian's ffmpeg
 * ({@code -c copy}, the way a plain recorder would) and checks the files; checks stop, restart on
 * the same port and the failure report.
 */
class GstRtspServerTest {

    private static final int SECONDS = 4;

    private static GstRtspServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = GstRtspServer.start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void h264MountIsCleanH264WithOneKeyframePerSecond() throws Exception {
        Path file = record(server.url(GstRtspServer.H264), dir.resolve("h264.mp4"), SECONDS);

        List<StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(1, streams.size(), streams::toString);
        assertVideo(streams.get(0), "h264", "avc1", 640, 360);
        assertDecodesCleanly(file, 25, SECONDS);
        assertKeyframeSpacing(file, 1.0);
    }

    @Test
    void h264AacMountCarriesAacAudio() throws Exception {
        Path file = record(server.url(GstRtspServer.H264_AAC), dir.resolve("h264aac.mp4"), SECONDS);

        List<StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(2, streams.size(), streams::toString);
        StreamInfo video = streams.stream().filter(StreamInfo::isVideo).findFirst().orElseThrow();
        StreamInfo audio = streams.stream().filter(StreamInfo::isAudio).findFirst().orElseThrow();
        assertVideo(video, "h264", "avc1", 640, 360);
        assertEquals("aac", audio.codecName());
        assertEquals(16000, audio.sampleRate());
        assertEquals(1, audio.channels());
        assertDecodesCleanly(file, 25, SECONDS);
    }

    @Test
    void h264AlawMountCarriesG711ALaw() throws Exception {
        // MP4 cannot hold A-law; Matroska can.
        Path file = record(server.url(GstRtspServer.H264_ALAW), dir.resolve("h264alaw.mkv"), SECONDS);

        List<StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(2, streams.size(), streams::toString);
        StreamInfo audio = streams.stream().filter(StreamInfo::isAudio).findFirst().orElseThrow();
        assertEquals("h264", streams.stream().filter(StreamInfo::isVideo).findFirst().orElseThrow().codecName());
        assertEquals("pcm_alaw", audio.codecName());
        assertEquals(8000, audio.sampleRate());
        assertEquals(1, audio.channels());
        assertDecodesCleanly(file, 25, SECONDS);
    }

    @Test
    void h265MountIsCleanHevc() throws Exception {
        Path file = record(server.url(GstRtspServer.H265), dir.resolve("h265.mp4"), SECONDS, "-tag:v", "hvc1");

        List<StreamInfo> streams = MediaProbe.streams(file);
        assertEquals(1, streams.size(), streams::toString);
        assertVideo(streams.get(0), "hevc", "hvc1", 640, 360);
        assertDecodesCleanly(file, 25, SECONDS);
        assertKeyframeSpacing(file, 1.0);
    }

    @Test
    void optionsSetSizeRateAndGop() throws Exception {
        GstRtspServer.Options options =
                GstRtspServer.Options.defaults().withFps(10).withSize(320, 240).withGopFrames(20);
        try (GstRtspServer small = GstRtspServer.start(options)) {
            Path file = record(small.url("h264"), dir.resolve("small.mp4"), SECONDS);

            assertVideo(MediaProbe.streams(file).get(0), "h264", "avc1", 320, 240);
            assertDecodesCleanly(file, 10, SECONDS);
            assertKeyframeSpacing(file, 2.0);
        }
    }

    @Test
    void stopDropsClientsAndRestartServesOnTheSamePort() throws Exception {
        try (GstRtspServer camera = GstRtspServer.start()) {
            int port = camera.port();
            Process client = new ProcessBuilder(MediaProbe.FFMPEG, "-nostdin", "-v", "error",
                    "-rtsp_transport", "tcp", "-i", camera.url(GstRtspServer.H264),
                    "-c", "copy", "-f", "null", "-t", "30", "-progress", "pipe:1", "-")
                    .redirectErrorStream(true).start();
            try {
                awaitFirstFrames(client, Duration.ofSeconds(10));

                camera.stop();

                assertFalse(camera.isRunning());
                assertTrue(client.waitFor(10, TimeUnit.SECONDS), "client still connected after stop");
                assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close());
            } finally {
                ExternalCommand.kill(client);
            }

            camera.restart();

            assertEquals(port, camera.port());
            assertTrue(camera.isRunning());
            Path file = record(camera.url(GstRtspServer.H264), dir.resolve("after-restart.mp4"), 2);
            assertDecodesCleanly(file, 25, 2);

            camera.close();
            camera.close();
            assertFalse(camera.isRunning());
            assertThrows(IllegalStateException.class, camera::restart);
        }
    }

    @Test
    void failureToStartReportsTheServersStderr() throws Exception {
        try (GstRtspServer camera = GstRtspServer.start()) {
            camera.stop();
            try (ServerSocket squatter = new ServerSocket()) {
                squatter.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), camera.port()));

                IllegalStateException e = assertThrows(IllegalStateException.class, camera::restart);

                assertTrue(e.getMessage().contains("exited with code 2"), e.getMessage());
                assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + camera.port()), e.getMessage());
            }
        }
    }

    /** Records {@code seconds} of the stream with {@code ffmpeg -c copy}; extra options go before the output. */
    static Path record(String url, Path out, int seconds, String... outputOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(MediaProbe.FFMPEG, "-nostdin", "-v", "error",
                "-rtsp_transport", "tcp", "-timeout", "5000000", "-i", url, "-c", "copy"));
        command.addAll(List.of(outputOptions));
        command.addAll(List.of("-t", Integer.toString(seconds), out.toString()));
        ExternalCommand.Result r = ExternalCommand.run(command, Duration.ofSeconds(seconds + 20L));
        assertEquals(0, r.exitCode(), () -> "ffmpeg failed: " + r.stderr());
        return out;
    }

    private static void assertVideo(StreamInfo s, String codec, String tag, int width, int height) {
        assertEquals(codec, s.codecName(), s::toString);
        assertEquals(tag, s.codecTag(), s::toString);
        assertEquals(width, s.width(), s::toString);
        assertEquals(height, s.height(), s::toString);
    }

    private static void assertDecodesCleanly(Path file, int fps, int seconds) throws Exception {
        assertEquals(List.of(), MediaProbe.decodeErrors(file));
        long frames = MediaProbe.frameCount(file);
        assertTrue(Math.abs(frames - (long) fps * seconds) <= Math.max(2, fps * seconds / 10),
                () -> frames + " frames, expected about " + fps * seconds);
        double duration = MediaProbe.duration(file).toMillis() / 1000.0;
        assertEquals(seconds, duration, 0.3);
    }

    /**
     * Checks the time between keyframes, leaving out the first packet: FFmpeg's RTSP demuxer gives
     * the first parsed frame no timestamp, and {@code -c copy} then places it right before the
     * second frame, one frame period late.
     */
    private static void assertKeyframeSpacing(Path file, double seconds) throws Exception {
        List<Packet> packets = MediaProbe.videoPackets(file);
        List<Double> keyframes = packets.subList(1, packets.size()).stream()
                .filter(Packet::keyframe).map(Packet::ptsTime).toList();
        assertTrue(keyframes.size() >= 2, () -> "keyframes at " + keyframes);
        for (int i = 1; i < keyframes.size(); i++) {
            assertEquals(seconds, keyframes.get(i) - keyframes.get(i - 1), 0.05, () -> "keyframes at " + keyframes);
        }
    }

    /**
     * Drains ffmpeg's {@code -progress} output (never closing it, so ffmpeg is not ended by a broken
     * pipe) and returns once it reports received frames.
     */
    private static void awaitFirstFrames(Process ffmpeg, Duration timeout) throws Exception {
        CountDownLatch receiving = new CountDownLatch(1);
        Thread drain = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(ffmpeg.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("frame=") && !line.equals("frame=0")) {
                        receiving.countDown();
                    }
                }
            } catch (IOException e) {
                // the process was killed; the latch tells the test
            }
        }, "ffmpeg-progress");
        drain.setDaemon(true);
        drain.start();
        assertTrue(receiving.await(timeout.toMillis(), TimeUnit.MILLISECONDS),
                "ffmpeg received no frame within " + timeout.toSeconds() + " s");
    }
}
