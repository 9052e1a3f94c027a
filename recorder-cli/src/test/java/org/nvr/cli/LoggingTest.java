package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * The shipped logback configuration: one line per event, no credentials, and under systemd
 * ({@code JOURNAL_STREAM} set) no timestamp of our own but a priority journald understands.
 */
class LoggingTest {
    private static final String SECRET = "Sekr1t-pw";
    private static final Path MAIN_CONFIG = Path.of("target", "classes", "logback.xml").toAbsolutePath();
    private static final Pattern TIMESTAMPED = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3} "
            + "(ERROR|WARN |INFO |DEBUG|TRACE) \\[([^\\]]+)] (\\S+) - .*");
    private static final Pattern JOURNAL = Pattern.compile("<([3467])>(ERROR|WARN |INFO |DEBUG|TRACE) \\[([^\\]]+)] (\\S+) - .*");

    @TempDir
    Path dir;

    private Process daemon;

    @AfterEach
    void stop() {
        System.clearProperty("nvr.log.pattern");
        if (daemon != null) {
            daemon.destroyForcibly();
        }
    }

    @Test
    void anEventWithAStackTraceIsOneLineWithoutCredentials() throws Exception {
        String line = logOneEvent();
        assertTrue(TIMESTAMPED.matcher(line).matches(), line);
        assertOneRedactedLine(line);

        Main.configureLogging(Map.of("JOURNAL_STREAM", "8:12345"));
        String journal = logOneEvent();
        assertTrue(journal.startsWith("<4>WARN  [main] CameraSupervisor - cam-01: "), journal);
        assertOneRedactedLine(journal);
    }

    private static void assertOneRedactedLine(String line) {
        assertEquals(1, line.lines().count(), line);
        assertFalse(line.contains(SECRET), line);
        assertTrue(line.contains("rtsp://***@192.168.1.64/"), line);
        assertTrue(line.contains(" - cam-01: cannot open rtsp://***@192.168.1.64/Streaming | java.io.IOException: connect failed"
                + " | rtsp://***@192.168.1.64/x said no | at org.nvr.cli.LoggingTest."), "stack trace folded: " + line);
    }

    /** One warning with an exception, encoded by the appender of a context configured from the shipped file. */
    private static String logOneEvent() throws Exception {
        LoggerContext context = new LoggerContext();
        try {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(MAIN_CONFIG.toFile());
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            @SuppressWarnings("unchecked")
            OutputStreamAppender<ILoggingEvent> err = (OutputStreamAppender<ILoggingEvent>) root.getAppender("ERR");
            IOException cause = new IOException("connect failed\nrtsp://admin:" + SECRET + "@192.168.1.64/x said no");
            LoggingEvent event = new LoggingEvent(Logger.class.getName(),
                    context.getLogger("org.nvr.camera.CameraSupervisor"), Level.WARN,
                    "cam-01: cannot open rtsp://admin:{}@192.168.1.64/Streaming", cause, new Object[]{SECRET});
            return new String(err.getEncoder().encode(event), StandardCharsets.UTF_8).stripTrailing();
        } finally {
            context.stop();
        }
    }

    @Test
    void underSystemdTheJournalGetsPrioritiesAndNoTimestamps() throws Exception {
        List<String> lines = runUntilRefused(Map.of("JOURNAL_STREAM", "8:12345"));
        boolean sawRefused = false;
        for (String line : lines) {
            Matcher m = JOURNAL.matcher(line);
            assertTrue(m.matches(), "not a journal line: " + line);
            assertFalse(TIMESTAMPED.matcher(line.substring(3)).lookingAt(), line);
            assertCameraLineNamesItsCamera(line, m.group(3), m.group(4));
            sawRefused |= m.group(1).equals("4") && line.contains("cam-01: refused");
        }
        assertTrue(sawRefused, String.join("\n", lines));
    }

    @Test
    void elsewhereEveryLineHasItsTimestamp() throws Exception {
        List<String> lines = runUntilRefused(Map.of());
        for (String line : lines) {
            Matcher m = TIMESTAMPED.matcher(line);
            assertTrue(m.matches(), "not a timestamped line: " + line);
            assertCameraLineNamesItsCamera(line, m.group(2), m.group(3));
        }
    }

    private static void assertCameraLineNamesItsCamera(String line, String thread, String logger) {
        assertFalse(line.contains(SECRET), line);
        boolean cameraLine = thread.startsWith("nvr-cam-") || logger.equals("ffmpeg")
                || List.of("CameraSupervisor", "RecordingSession", "CameraStatus", "StreamWarnings").contains(logger);
        if (cameraLine) {
            assertTrue(line.contains("cam-01"), "camera line without its camera: " + line);
        }
    }

    /**
     * Runs {@code nvr run} as systemd would (a separate JVM with the shipped logback.xml and the given
     * environment) on a camera with credentials that refuses connections; stops it with SIGTERM once
     * the refusal is logged. Returns its log lines (the CLI's own "nvr: ..." notice left out).
     */
    private List<String> runUntilRefused(Map<String, String> env) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Path config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage: { root: footage }
                metrics: { listen: "127.0.0.1:0" }
                sites: [ { id: site, cameras: [ { id: cam-01, url: "rtsp://admin:%s@127.0.0.1:%d/Streaming/Channels/101" } ] } ]
                """.formatted(SECRET, closedPort));
        Path log = dir.resolve("stderr.log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dlogback.configurationFile=" + MAIN_CONFIG, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "--config", config.toString())
                .redirectOutput(dir.resolve("stdout.log").toFile())
                .redirectError(log.toFile());
        builder.environment().remove("JOURNAL_STREAM");
        builder.environment().putAll(env);
        daemon = builder.start();
        DaemonLifecycleTest.await(Duration.ofSeconds(30), "the refusal logged", () -> {
            try {
                return Files.readString(log).contains("cam-01: refused");
            } catch (IOException e) {
                return false;
            }
        });
        daemon.destroy();
        assertTrue(daemon.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), Files.readString(log));
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            if (!line.startsWith("nvr: ")) {
                lines.add(line);
            }
        }
        assertTrue(lines.size() >= 3, "too few log lines: " + lines);
        return lines;
    }
}
