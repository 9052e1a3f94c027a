package org.nvr.recorder;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.*;

class ScratchRecordTest {
    Path dir = Path.of(System.getProperty("out", "/tmp/exp/out"));

    @Test
    void records() throws Exception {
        String mount = System.getProperty("mount", "h264aac");
        CameraConfig cam = new CameraConfig("cam-01", "s1", "cam", URI.create("rtsp://127.0.0.1:8654/" + mount),
                Optional.empty(), Optional.empty(), Transport.TCP, AudioPolicy.TRANSCODE, Duration.ofSeconds(5),
                Retention.NONE, Optional.empty(), Optional.empty());
        NvrConfig cfg = new NvrConfig(new StorageConfig(dir, Duration.ofSeconds(4), Retention.NONE),
                MetricsConfig.DEFAULT, List.of(new SiteConfig("s1", "S1", List.of(cam))));
        try (Recorder r = Recorder.start(cfg, Recorder.Options.defaults())) {
            Thread.sleep(11000);
        }
        try (var w = Files.walk(dir)) { w.forEach(p -> System.out.println("FILE " + p)); }
        new ProcessBuilder("sqlite3", dir.resolve("index.db").toString(), "select * from segments; select * from runs; select * from camera_state;").inheritIO().start().waitFor();
    }
}
