package org.nvr.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, independent RTSP camera for integration tests: runs the GStreamer RTSP server script
 * {@code gst/rtsp_server.py} (a classpath resource, so this works from the test-jar too) with
 * Debian's {@code /usr/bin/python3} as a child process listening on 127.0.0.1.
 *
 * <p>Mounts: {@link #H264}, {@link #H264_SLICES}, {@link #H264_AAC}, {@link #H264_ALAW}, {@link #H264_BFRAMES}, {@link #H265}, {@link #H265_BFRAMES}, {@link #MJPEG}, {@link #AUDIO_ONLY}; all live, shared
 * between clients like a camera's encoder, with parameter sets before every keyframe. The script's
 * docstring lists the exact pipelines.
 *
 * <p>Owns the child process and its log file (the child's stderr, kept after close for debugging;
 * under {@code target/gst-rtsp-server/} when the working directory has a {@code target/}).
 * {@link #stop()} ends the child so clients see the camera vanish; {@link #restart()} brings it
 * back on the same port, for reconnect tests. {@link #close()} is idempotent. A JVM shutdown hook
 * kills children that a test forgot, and the child exits by itself when its stdin closes, so even
 * a killed JVM leaves no server behind. Methods are synchronized; tests normally call them from
 * one thread.
 */
public final class GstRtspServer implements AutoCloseable {

    public static final String H264 = "/h264";
    /** H.264 coded in several slices per picture (x264 sliced threads), as many IP cameras do. */
    public static final String H264_SLICES = "/h264slices";
    public static final String H264_AAC = "/h264aac";
    public static final String H264_ALAW = "/h264alaw";
    /** H.264 Main profile with two B-frames between reference pictures: presentation order is not decode order. */
    public static final String H264_BFRAMES = "/h264bframes";
    public static final String H265 = "/h265";
    /** H.265 with two B-frames between reference pictures. */
    public static final String H265_BFRAMES = "/h265bframes";
    /** Motion JPEG video: MP4 can hold it, browsers cannot play it. */
    public static final String MJPEG = "/mjpeg";
    /** AAC audio and no video at all. */
    public static final String AUDIO_ONLY = "/audio";
    /** {@link #H264} from a server that takes UDP only: TCP-interleaved SETUP gets 461, as from VLC. */
    public static final String H264_UDP_ONLY = "/h264udp";

    private static final Logger log = LoggerFactory.getLogger(GstRtspServer.class);
    private static final String PYTHON = "/usr/bin/python3";
    private static final String SCRIPT_RESOURCE = "/gst/rtsp_server.py";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static Path script;

    /**
     * What the server streams. {@code gopFrames} 0 means one keyframe per second ({@code fps} frames).
     */
    public record Options(int fps, int width, int height, int gopFrames) {
        public Options {
            if (fps <= 0 || width <= 0 || height <= 0 || gopFrames < 0) {
                throw new IllegalArgumentException("fps, width, height must be positive, gopFrames not negative");
            }
        }

        public static Options defaults() {
            return new Options(25, 640, 360, 0);
        }

        public Options withFps(int fps) {
            return new Options(fps, width, height, gopFrames);
        }

        public Options withSize(int width, int height) {
            return new Options(fps, width, height, gopFrames);
        }

        public Options withGopFrames(int gopFrames) {
            return new Options(fps, width, height, gopFrames);
        }

        /** Frames from one keyframe to the next. */
        public int gop() {
            return gopFrames > 0 ? gopFrames : fps;
        }
    }

    private final Options options;
    private final Path logFile;
    private int port;
    private Process process;
    private boolean closed;

    private GstRtspServer(Options options, Path logFile) {
        this.options = options;
        this.logFile = logFile;
    }

    /** Starts a server with {@link Options#defaults()} on a free port. */
    public static GstRtspServer start() throws IOException, InterruptedException {
        return start(Options.defaults());
    }

    /** Starts a server on a port the kernel picks; returns once it accepts connections. */
    public static GstRtspServer start(Options options) throws IOException, InterruptedException {
        GstRtspServer server = new GstRtspServer(options, newLogFile());
        synchronized (server) {
            server.launch(0);
        }
        return server;
    }

    public synchronized int port() {
        return port;
    }

    public Options options() {
        return options;
    }

    /** The child's stderr: pipelines, client connections, GStreamer warnings. */
    public Path logFile() {
        return logFile;
    }

    /** {@code rtsp://127.0.0.1:PORT/mount}; the mount may be given with or without its leading slash. */
    public synchronized String url(String mount) {
        return "rtsp://127.0.0.1:" + port + (mount.startsWith("/") ? mount : "/" + mount);
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Ends the server (SIGTERM, then SIGKILL after 5 s); connected clients lose their sessions and
     * new connections are refused. Does nothing when already stopped.
     */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process p = process;
        process = null;
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("RTSP server on port {} ignored SIGTERM; killing it", port);
                ExternalCommand.kill(p);
            }
        } catch (InterruptedException e) {
            ExternalCommand.kill(p);
            Thread.currentThread().interrupt();
        } finally {
            descendants.forEach(ProcessHandle::destroyForcibly);
            LIVE.remove(p);
        }
    }

    /**
     * Stops the server if it runs, then starts it again on the same port with the same options.
     * Connections the old server left in TIME_WAIT do not block the port (the self-test stops the
     * server under a connected client); fails with {@link IllegalStateException} if another socket
     * took the port meanwhile.
     */
    public synchronized void restart() throws IOException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        stop();
        launch(port);
    }

    /** Stops the server for good. Safe to call twice. */
    @Override
    public synchronized void close() {
        closed = true;
        stop();
    }

    private void launch(int requestedPort) throws IOException, InterruptedException {
        long started = System.nanoTime();
        List<String> command = List.of(PYTHON, script().toString(),
                "--port", Integer.toString(requestedPort),
                "--fps", Integer.toString(options.fps()),
                "--width", Integer.toString(options.width()),
                "--height", Integer.toString(options.height()),
                "--gop", Integer.toString(options.gop()),
                "--exit-on-stdin-eof");
        // stdin stays an open pipe: the child exits when it closes, i.e. when this JVM dies.
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        LIVE.add(p);
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> readStdout(p.getInputStream(), ready), "gst-rtsp-server-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            port = ready.get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            boolean timedOut = e instanceof TimeoutException;
            ExternalCommand.kill(p);
            LIVE.remove(p);
            String why = timedOut ? "did not report READY within " + READY_TIMEOUT.toSeconds() + " s"
                    : "exited with code " + p.exitValue() + " before reporting READY";
            throw new IllegalStateException("GStreamer RTSP server (" + String.join(" ", command) + ") " + why
                    + "; its stderr (" + logFile + "):\n" + tail(logFile), e);
        } catch (InterruptedException e) {
            ExternalCommand.kill(p);
            LIVE.remove(p);
            throw e;
        }
        process = p;
        log.info("GStreamer RTSP server ready on port {} after {} ms (log {})",
                port, (System.nanoTime() - started) / 1_000_000, logFile);
    }

    /** Completes {@code ready} with the port from "READY <port>", then drains stdout until EOF. */
    private static void readStdout(InputStream stdout, CompletableFuture<Integer> ready) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!ready.isDone() && line.startsWith("READY ")) {
                    ready.complete(Integer.parseInt(line.substring("READY ".length()).trim()));
                }
            }
            ready.completeExceptionally(new IOException("stdout closed"));
        } catch (IOException | RuntimeException e) {
            ready.completeExceptionally(e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static Path newLogFile() throws IOException {
        Path target = Path.of("target");
        Path dir = Files.isDirectory(target)
                ? target.resolve("gst-rtsp-server")
                : Path.of(System.getProperty("java.io.tmpdir"));
        return Files.createTempFile(Files.createDirectories(dir), "gst-rtsp-server-", ".log");
    }

    /** Copies the script out of the classpath once per JVM, and installs the shutdown hook. */
    private static synchronized Path script() throws IOException {
        if (script == null) {
            Path file = Files.createTempFile("nvr-rtsp-server-", ".py");
            file.toFile().deleteOnExit();
            try (InputStream in = GstRtspServer.class.getResourceAsStream(SCRIPT_RESOURCE)) {
                if (in == null) {
                    throw new IOException("resource " + SCRIPT_RESOURCE + " not on the classpath");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(GstRtspServer::killAll, "gst-rtsp-server-reaper"));
            script = file;
        }
        return script;
    }

    private static void killAll() {
        for (Process p : LIVE) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
