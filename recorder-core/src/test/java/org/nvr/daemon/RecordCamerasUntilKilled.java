package org.nvr.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nvr.config.CameraConfig;
import org.nvr.config.Retention;
import org.nvr.metrics.RecorderMetrics;

/**
 * A recorder in a child JVM for kill tests: records cameras {@code cam-0..} from the given URLs into
 * {@code args[0]} with {@code args[1]}-second segments and a global {@code max_bytes} of {@code args[2]}
 * (0: none), until the test kills it with SIGKILL. Prints {@code STARTED} once startup reconciliation is
 * done and recording begins, then every 100 ms {@code FRAME <camera> <epoch millis>}: the time of the
 * last frame written, so the test knows what the recorder had taken in when it was killed.
 */
public final class RecordCamerasUntilKilled {
    private static final Pattern LAST_FRAME = Pattern.compile(
            "^nvr_camera_last_frame_timestamp_seconds\\{camera=\"([^\"]+)\",site=\"site\"} (\\S+)$", Pattern.MULTILINE);

    private RecordCamerasUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        long maxBytes = Long.parseLong(args[2]);
        List<CameraConfig> cameras = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            cameras.add(TestCameras.camera("cam-" + (i - 3), "site", args[i]));
        }
        Retention retention = new Retention(maxBytes > 0 ? OptionalLong.of(maxBytes) : OptionalLong.empty(),
                OptionalLong.empty(), Optional.empty());
        var config = TestCameras.config(Path.of(args[0]), Duration.ofSeconds(Long.parseLong(args[1])), retention,
                cameras.toArray(CameraConfig[]::new));
        RecorderMetrics metrics = new RecorderMetrics();
        Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics));
        System.out.println("STARTED");
        System.out.flush();
        while (true) {
            Matcher m = LAST_FRAME.matcher(metrics.scrape());
            StringBuilder lines = new StringBuilder();
            while (m.find()) {
                double seconds = Double.parseDouble(m.group(2));
                if (seconds > 0) {
                    lines.append("FRAME ").append(m.group(1)).append(' ').append(Math.round(seconds * 1000)).append('\n');
                }
            }
            System.out.print(lines);
            System.out.flush();
            Thread.sleep(100);
        }
    }
}
