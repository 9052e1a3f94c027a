package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.NvrConfig;
import org.nvr.index.IndexException;

/**
 * Exactly one recorder writes a storage root: a second one, in this JVM or another process, is refused
 * with the holder's PID before it touches the index; the kernel frees the root when the holder dies,
 * even by {@code kill -9}.
 */
class OneRecorderPerRootTest {
    @TempDir
    Path root;

    Process child;

    @AfterEach
    void cleanUp() throws InterruptedException {
        if (child != null) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A camera nobody answers at: the recorder starts and keeps retrying, writing nothing. */
    private NvrConfig config() {
        return TestCameras.config(root, Duration.ofSeconds(60), TestCameras.camera("cam", "site", "rtsp://127.0.0.1:1/none"));
    }

    @Test
    void aSecondRecorderInTheSameProcessIsRefusedAndTheRootIsFreeAfterClose() throws Exception {
        try (Recorder first = Recorder.start(config(), Recorder.Options.defaults())) {
            IndexException e = assertThrows(IndexException.class, () -> Recorder.start(config(), Recorder.Options.defaults()));
            assertEquals("storage root " + root + " is in use by nvr (pid " + ProcessHandle.current().pid()
                    + "); only one recorder may write to a root", e.getMessage());
            assertTrue(first.healthy(), "the refused start did not disturb the holder");
        }
        Recorder.start(config(), Recorder.Options.defaults()).close();
    }

    @Test
    void aRecorderInAnotherProcessHoldsTheRootUntilKilledWithSigkill() throws Exception {
        child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                RecordUntilKilled.class.getName(), root.toString(), "rtsp://127.0.0.1:1/none", "60")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
        String line;
        while ((line = out.readLine()) != null && !line.equals("STARTED")) {
            // the child's log, until it records
        }
        assertEquals("STARTED", line, "the child recorder started");

        IndexException e = assertThrows(IndexException.class, () -> Recorder.start(config(), Recorder.Options.defaults()));
        assertTrue(e.getMessage().startsWith("storage root " + root + " is in use by nvr (pid " + child.pid() + ")"),
                e.getMessage());

        child.destroyForcibly(); // SIGKILL: no shutdown hook runs, only the kernel releases the lock
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        Recorder.start(config(), Recorder.Options.defaults()).close();
    }
}
