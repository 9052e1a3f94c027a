package org.nvr.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external program to completion within a deadline and captures what it printed.
 *
 * <p>Output goes through temporary files rather than pipes, so a chatty program can never block on
 * a full pipe while we wait for it. The program gets {@code /dev/null} as stdin. When the deadline
 * passes, the program and its descendants are killed and an {@link IOException} is thrown; when the
 * calling thread is interrupted, they are killed and the {@link InterruptedException} is rethrown.
 * Nothing outlives {@link #run}. Safe to call from any thread.
 */
public final class ExternalCommand {

    /** What a finished program left behind. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private ExternalCommand() {
    }

    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Path out = Files.createTempFile("nvr-cmd-", ".out");
        Path err = Files.createTempFile("nvr-cmd-", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean finished;
            try {
                finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(process);
                throw e;
            }
            if (!finished) {
                kill(process);
                throw new IOException("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command)
                        + "\nstderr: " + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Kills a process and everything it started; waits briefly so no zombie is left. */
    static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
