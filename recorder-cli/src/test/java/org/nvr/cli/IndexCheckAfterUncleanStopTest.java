package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.Poll;

/**
 * {@code PRAGMA quick_check} reads the whole index, seconds on a large one, and delays recording by that
 * much: {@code nvr run} as a real process runs it only when the last stop was not clean. A start after a
 * SIGTERM stop skips it; a start after SIGKILL (the stand-in for a power cut) runs it.
 */
class IndexCheckAfterUncleanStopTest {
    private static final String CHECKING = "the last stop was not clean: checking";

    @TempDir
    Path dir;

    Process daemon;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (daemon != null) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void onlyAStartAfterAnUncleanStopChecksTheIndex() throws Exception {
        Path root = dir.resolve("root");
        Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                metrics: { listen: "127.0.0.1:0" }
                sites:
                  - id: site
                    cameras:
                      - { id: cam-a, url: "rtsp://127.0.0.1:1/nobody" }
                """.formatted(root));

        String first = start(config, "first.log");
        assertFalse(first.contains(CHECKING), "a new root has no index to check:\n" + first);
        daemon.destroy(); // SIGTERM: a clean stop
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "stopped");
        assertEquals(0, daemon.exitValue(), read(dir.resolve("first.log")));

        String afterCleanStop = start(config, "second.log");
        assertFalse(afterCleanStop.contains("quick_check"), "no check after a clean stop:\n" + afterCleanStop);
        daemon.destroyForcibly(); // SIGKILL: what a power cut leaves
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS), "killed");

        String afterKill = start(config, "third.log");
        assertTrue(afterKill.contains(CHECKING + " " + root.resolve("index.db") + " (PRAGMA quick_check)"),
                "checked after a kill:\n" + afterKill);
        assertTrue(afterKill.contains("index.db checked in "), afterKill);
        assertTrue(afterKill.contains(" ms: ok"), afterKill);
    }

    /** Starts {@code nvr run} and returns its log once it records. */
    private String start(Path config, String log) throws Exception {
        Path file = dir.resolve(log);
        daemon = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        Poll.until(Duration.ofSeconds(60), "the recorder to start", () -> read(file).contains("nvr: recording"));
        return read(file);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
