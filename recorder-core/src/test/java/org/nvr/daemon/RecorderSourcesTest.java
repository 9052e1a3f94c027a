package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.Source;
import org.nvr.index.CameraSourceRow;
import org.nvr.index.FootageQueries;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.Poll;

/**
 * The recorder picks each camera's source from its config: a camera set to {@code rtsp} runs on the
 * shared {@code nvr-rtsp} loops and {@code nvr-writer} lanes (no {@code nvr-cam} thread of its own), one
 * set to {@code ffmpeg} on its own thread; both are published for {@code nvr cameras}; closing the
 * recorder ends the shared threads.
 */
class RecorderSourcesTest {
    @TempDir
    Path root;

    @Test
    void eachCameraRecordsThroughItsSourceAndTheSharedThreadsEndWithTheRecorder() throws Exception {
        SyntheticClip clip = SyntheticClip.generate(320, 240, 25, 25, 50, 300_000);
        try (RtspCameraSimulator sim = new RtspCameraSimulator()) {
            sim.addCamera("a", clip);
            sim.addCamera("b", clip);
            sim.start();
            var config = TestCameras.config(root, Duration.ofSeconds(60),
                    TestCameras.camera("cam-a", "site", sim.url("a")).withSource(Source.RTSP),
                    TestCameras.camera("cam-b", "site", sim.url("b")).withSource(Source.FFMPEG));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                assertEquals(Map.of("cam-a", "rtsp", "cam-b", "ffmpeg"), recorder.sources());
                Poll.until(Duration.ofSeconds(20), "cam-a's frames on a writer lane, cam-b on its own thread",
                        () -> alive("nvr-writer-") && alive("nvr-rtsp-") && alive("nvr-cam-cam-b"));
                assertTrue(!alive("nvr-cam-cam-a"), "no thread of its own for the RTSP client's camera");
                Map<String, CameraSourceRow> published = recorder.index()
                        .submit(c -> FootageQueries.over(c).cameraSources()).get();
                assertEquals(new CameraSourceRow("cam-a", "rtsp", null), published.get("cam-a"));
                assertEquals(new CameraSourceRow("cam-b", "ffmpeg", null), published.get("cam-b"));
            }
            Poll.until(Duration.ofSeconds(5), "the shared threads ended", () -> !alive("nvr-writer-") && !alive("nvr-rtsp-"));
        }
    }

    private static boolean alive(String prefix) {
        List<Thread> threads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).toList();
        return !threads.isEmpty();
    }
}
