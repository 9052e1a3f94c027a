package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * {@code nvr run} as a real process holds its storage root: a second {@code run} (another process) and
 * {@code demo --root} on the same root exit 2 naming the holder's PID, while the query commands and
 * {@code verify} read the root as usual.
 */
class OneRecorderPerRootCliTest {
    @TempDir
    Path dir;

    Process first;
    Process second;

    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Process p : new Process[] {first, second}) {
            if (p != null) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private Process run(Path config, String log) throws Exception {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve(log).toFile()).start();
    }

    @Test
    void aSecondRecorderOnTheRootExitsTwoNamingTheHolderWhileReadersWork() throws Exception {
        Path root = dir.resolve("root");
        Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: %s }
                metrics: { listen: "127.0.0.1:0" }
                sites:
                  - id: site
                    cameras:
                      - { id: cam-a, url: "rtsp://127.0.0.1:1/nobody" }
                """.formatted(root));
        first = run(config, "first.log");
        Poll.until(Duration.ofSeconds(60), "the first recorder to start",
                () -> Files.exists(dir.resolve("first.log")) && read(dir.resolve("first.log")).contains("nvr: recording"));
        String inUse = "storage root " + root + " is in use by nvr (pid " + first.pid() + ")";

        second = run(config, "second.log");
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second recorder exits");
        assertEquals(2, second.exitValue(), read(dir.resolve("second.log")));
        assertTrue(read(dir.resolve("second.log")).contains(inUse), read(dir.resolve("second.log")));

        Cli demo = Cli.run("demo", "--cameras", "1", "--duration", "2s", "--root", root.toString());
        assertEquals(2, demo.exitCode(), demo.out() + demo.err());
        assertTrue(demo.err().contains(inUse), demo.err());

        Cli cameras = Cli.run("cameras", "--config", config.toString());
        assertEquals(0, cameras.exitCode(), cameras.err());
        assertTrue(cameras.out().contains("cam-a"), cameras.out());
        Cli list = Cli.run("footage", "list", "--config", config.toString(), "--camera", "cam-a", "--from", "-1h", "--to", "now");
        assertEquals(3, list.exitCode(), list.err()); // no footage in the range: read, not refused
        Cli verify = Cli.run("verify", "--config", config.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        assertTrue(first.isAlive(), "readers and refused recorders leave the holder recording");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
