package org.nvr.source.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.camera.CameraObserver;
import org.nvr.camera.FailureReason;
import org.nvr.camera.SessionResult;
import org.nvr.camera.StreamWarnings;
import org.nvr.config.AudioPolicy;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.config.Transport;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexWriter;
import org.nvr.index.SegmentRow;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.MediaProbe;

/**
 * A camera that changes resolution mid-stream, and whose timestamps restart at the change (as an
 * encoder restart does): two MPEG-TS clips of different sizes, made at test time, played back to back
 * through the real FFmpeg source and session.
 */
class ParameterChangeTest {
    @TempDir
    Path dir;

    private Path clip(String name, String size, String seconds) throws Exception {
        Path out = dir.resolve(name);
        Process p = new ProcessBuilder(MediaProbe.FFMPEG, "-v", "error", "-f", "lavfi", "-i",
                "testsrc=size=" + size + ":rate=25", "-t", seconds, "-c:v", "libx264", "-g", "25", "-bf", "0",
                "-pix_fmt", "yuv420p", "-f", "mpegts", out.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "ffmpeg made " + name);
        return out;
    }

    @Test
    void resolutionChangeStartsANewSegmentAndLosesNoFrame() throws Exception {
        Path joined = dir.resolve("joined.ts");
        Files.write(joined, Files.readAllBytes(clip("a.ts", "640x360", "4")));
        Files.write(joined, Files.readAllBytes(clip("b.ts", "320x240", "4")), StandardOpenOption.APPEND);

        Path root = dir.resolve("footage");
        CameraConfig camera = new CameraConfig("cam", "site", "cam", URI.create("file:" + joined), Optional.empty(),
                Optional.empty(), Transport.TCP, AudioPolicy.DROP, Duration.ofSeconds(5), Retention.NONE,
                Optional.empty(), Optional.empty());
        SessionResult result;
        try (IndexWriter index = IndexWriter.open(root.resolve("index.db"));
             SegmentFinisher finisher = new SegmentFinisher()) {
            var ctx = new RecordingSession.Context(root, Duration.ofSeconds(60), index, finisher,
                    new FfmpegCameraOpener(), Clock.systemUTC());
            result = new RecordingSession(camera, Transport.TCP, ctx, CameraObserver.NONE, () -> false,
                    new StreamWarnings()).run();
            finisher.close();
        }
        assertEquals(FailureReason.EOF, result.reason(), result.detail());

        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            List<SegmentRow> segs = q.segments("cam", Instant.EPOCH, Instant.now().plusSeconds(3600));
            assertEquals(2, segs.size(), segs.toString());
            assertEquals(List.of(640, 320), segs.stream().map(SegmentRow::width).toList());
            assertEquals(List.of(360, 240), segs.stream().map(SegmentRow::height).toList());
            assertEquals(segs.get(0).end(), segs.get(1).start(), "contiguous across the change");
            long frames = 0;
            for (SegmentRow s : segs) {
                Path file = root.resolve(s.path());
                assertEquals(List.of(), MediaProbe.decodeErrors(file), s.path());
                var video = MediaProbe.streams(file).get(0);
                assertEquals(s.width(), video.width(), "sample entry carries the new size");
                assertEquals(s.frames().longValue(), MediaProbe.frameCount(file));
                assertEquals(4.0, s.duration().toMillis() / 1000.0, 0.001);
                frames += s.frames();
            }
            assertEquals(200, frames, "every frame of both clips recorded once");
        }
    }
}
