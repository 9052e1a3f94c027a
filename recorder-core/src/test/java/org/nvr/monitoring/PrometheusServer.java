package org.nvr.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}) for end-to-end tests: started on
 * a free loopback port with the given configuration and its TSDB in a directory the caller owns,
 * queried through its HTTP API.
 *
 * <p>Owns the child process: {@link #close()} stops it (SIGTERM, then SIGKILL after 10 s) and is
 * safe twice; a JVM shutdown hook kills any the test forgot. Its output goes to
 * {@code prometheus.log} in the directory, quoted when it fails to start. Methods may be called
 * from any thread; tests use one.
 */
final class PrometheusServer implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "prometheus-reaper"));
    }

    private final Process process;
    private final URI base;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusServer(Process process, URI base, Path log) {
        this.process = process;
        this.base = base;
        this.log = log;
    }

    /** Writes {@code configYaml} to {@code dir/prometheus.yml} and starts Prometheus on it; returns once ready. */
    static PrometheusServer start(Path dir, String configYaml) throws IOException, InterruptedException {
        return launch(dir, configYaml, List.of("--storage.tsdb.path=" + Files.createDirectories(dir.resolve("data")),
                "--storage.tsdb.retention.time=1d"));
    }

    /** Like {@link #start}, and accepting remote write on {@code /api/v1/write}: a district server. */
    static PrometheusServer startReceiver(Path dir, String configYaml) throws IOException, InterruptedException {
        return launch(dir, configYaml, List.of("--storage.tsdb.path=" + Files.createDirectories(dir.resolve("data")),
                "--storage.tsdb.retention.time=1d", "--web.enable-remote-write-receiver"));
    }

    /** Prometheus in agent mode (scrape and remote write only, no queries): a commune's mini-PC. */
    static PrometheusServer startAgent(Path dir, String configYaml) throws IOException, InterruptedException {
        return launch(dir, configYaml, List.of("--enable-feature=agent",
                "--storage.agent.path=" + Files.createDirectories(dir.resolve("data-agent"))));
    }

    private static PrometheusServer launch(Path dir, String configYaml, List<String> storage)
            throws IOException, InterruptedException {
        Path binary = MonitoringFiles.require(MonitoringFiles.PROMETHEUS);
        Path config = Files.writeString(dir.resolve("prometheus.yml"), configYaml);
        Path log = dir.resolve("prometheus.log");
        int port = freePort();
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString(), "--config.file=" + config));
        command.addAll(storage);
        command.addAll(List.of("--web.listen-address=127.0.0.1:" + port, "--log.level=warn"));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        LIVE.add(process);
        PrometheusServer server = new PrometheusServer(process, URI.create("http://127.0.0.1:" + port), log);
        try {
            server.awaitReady();
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Where other processes reach this server, e.g. {@code http://127.0.0.1:PORT}. */
    URI url() {
        return base;
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (ready.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("prometheus not ready within " + READY_TIMEOUT + ":\n" + log());
            }
            Thread.sleep(100);
        }
    }

    /** {@code data.result} of an instant query at the current time; fails on an API error. */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8), promql).get("result");
    }

    /** {@code data} of {@code /api/v1/series} for one selector. */
    JsonNode series(String selector) throws IOException, InterruptedException {
        return get("/api/v1/series?match[]=" + URLEncoder.encode(selector, StandardCharsets.UTF_8), selector);
    }

    /** {@code data} of any other GET endpoint, e.g. {@code /api/v1/alerts}. */
    JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        return get(pathAndQuery, pathAndQuery);
    }

    private JsonNode get(String pathAndQuery, String what) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("Prometheus refused " + what + ": " + response.statusCode() + " " + response.body());
        }
        return body.get("data");
    }

    /** What Prometheus printed so far. */
    String log() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        LIVE.remove(process);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
