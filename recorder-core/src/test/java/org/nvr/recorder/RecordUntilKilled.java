package org.nvr.recorder;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A recorder in a child JVM for crash tests: records one camera into {@code args[0]} from
 * {@code args[1]} until the test kills it with SIGKILL (the stand-in for a power cut).
 */
public final class RecordUntilKilled {
    private RecordUntilKilled() {
    }

    public static void main(String[] args) throws Exception {
        var config = TestCameras.config(Path.of(args[0]), Duration.ofSeconds(Long.parseLong(args[2])),
                TestCameras.camera("cam", "site", args[1]));
        Recorder.start(config, Recorder.Options.defaults());
        System.out.println("STARTED");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
