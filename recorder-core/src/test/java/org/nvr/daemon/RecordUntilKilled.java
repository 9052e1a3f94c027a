package org.nvr.daemon;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A recorder in a child JVM for crash tests: records one camera into {@code args[0]} from
 * {@code args[1]} until the test kills it with SIGKILL (the stand-in for a power cut). Prints
 * {@code STARTED}, then every 100 ms {@code FRAME <epoch millis>}, the time of the last frame written.
 */
public final class RecordUntilKilled {
    private RecordUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        var config = TestCameras.config(Path.of(args[0]), Duration.ofSeconds(Long.parseLong(args[2])),
                TestCameras.camera("cam", "site", args[1]));
        org.nvr.metrics.RecorderMetrics metrics = new org.nvr.metrics.RecorderMetrics();
        Recorder.start(config, Recorder.Options.defaults().withMetrics(metrics));
        System.out.println("STARTED");
        System.out.flush();
        // What the recorder had written when it was killed: the time of its last frame, every 100 ms.
        java.util.regex.Pattern lastFrame = java.util.regex.Pattern.compile(
                "^nvr_camera_last_frame_timestamp_seconds\\{[^}]*} (\\S+)$", java.util.regex.Pattern.MULTILINE);
        while (true) {
            java.util.regex.Matcher m = lastFrame.matcher(metrics.scrape());
            if (m.find() && Double.parseDouble(m.group(1)) > 0) {
                System.out.println("FRAME " + Math.round(Double.parseDouble(m.group(1)) * 1000));
                System.out.flush();
            }
            Thread.sleep(100);
        }
    }
}
