package org.nvr.metrics;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nvr.testing.Poll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fresh server on a free port for every test, holding two sites and three cameras. */
class MetricsServerTest {
    private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private final RecorderMetrics metrics = new RecorderMetrics();
    private final AtomicReference<Health> health = new AtomicReference<>(Health.healthy(Map.of()));
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private MetricsServer server;
    private CameraMetrics cam01;
    private CameraMetrics cam02;
    private CameraMetrics cam03;

    @BeforeEach
    void start() throws IOException {
        cam01 = metrics.camera("thon-1", "cam-01");
        cam02 = metrics.camera("thon-1", "cam-02");
        cam03 = metrics.camera("thon-2", "cam-03");
        server = MetricsServer.start("127.0.0.1", 0, metrics, health::get);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    @Test
    void servesTheScrapeWithExactSampleLines() throws Exception {
        cam01.setUp(true);
        cam03.setUp(true);
        cam03.setUp(false);
        cam02.reconnect("refused");
        cam02.reconnect("something new");
        cam01.recorded(Duration.ofSeconds(60));
        cam01.segmentWritten();
        cam01.receivedBytes(123_456);
        cam01.lastFrame(Instant.ofEpochSecond(1_796_000_000L));
        metrics.storage(5_000_000_000L, 20_000_000_000L, 0);

        HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("content-type").orElseThrow());
        Set<String> lines = Set.copyOf(response.body().lines().toList());
        for (String expected : new String[]{
                "nvr_camera_up{camera=\"cam-01\",site=\"thon-1\"} 1.0",
                "nvr_camera_up{camera=\"cam-02\",site=\"thon-1\"} 0.0",
                "nvr_camera_up{camera=\"cam-03\",site=\"thon-2\"} 0.0",
                "nvr_site_cameras{site=\"thon-1\"} 2.0",
                "nvr_site_cameras{site=\"thon-2\"} 1.0",
                "nvr_site_cameras_up{site=\"thon-1\"} 1.0",
                "nvr_site_cameras_up{site=\"thon-2\"} 0.0",
                "nvr_camera_reconnects_total{camera=\"cam-02\",reason=\"refused\",site=\"thon-1\"} 1.0",
                "nvr_camera_reconnects_total{camera=\"cam-02\",reason=\"error\",site=\"thon-1\"} 1.0",
                "nvr_camera_reconnects_total{camera=\"cam-03\",reason=\"timeout\",site=\"thon-2\"} 0.0",
                "nvr_camera_recorded_seconds_total{camera=\"cam-01\",site=\"thon-1\"} 60.0",
                "nvr_segments_written_total{camera=\"cam-01\",site=\"thon-1\"} 1.0",
                "nvr_camera_received_bytes_total{camera=\"cam-01\",site=\"thon-1\"} 123456.0",
                "nvr_camera_last_frame_timestamp_seconds{camera=\"cam-01\",site=\"thon-1\"} 1.796E9",
                "nvr_camera_oldest_footage_timestamp_seconds{camera=\"cam-02\",site=\"thon-1\"} NaN",
                "nvr_retention_deleted_bytes_total{camera=\"cam-03\",site=\"thon-2\"} 0.0",
                "nvr_storage_used_bytes 5.0E9",
                "nvr_storage_free_bytes 2.0E10",
                "nvr_storage_locked_bytes 0.0",
                "# TYPE nvr_camera_reconnects_total counter",
                "# TYPE nvr_camera_up gauge",
        }) {
            assertTrue(lines.contains(expected), () -> "missing line: " + expected + "\n" + response.body());
        }
    }

    @Test
    void labelsAreBoundedAndCarryNoUrlOrPath() throws Exception {
        cam01.reconnect("rtsp://admin:secret@192.168.1.64:554/Streaming/Channels/101");
        String body = get("/metrics").body();
        assertFalse(body.contains("secret"));
        Set<String> allowed = Set.of("site", "camera", "reason");
        for (Exposition.Sample sample : Exposition.samples(body)) {
            for (String value : sample.labels().values()) {
                assertFalse(value.contains("rtsp://") || value.contains("/"), () -> sample.toString());
            }
            if (sample.name().startsWith("nvr_")) {
                assertTrue(allowed.containsAll(sample.labels().keySet()), () -> sample.toString());
            }
        }
    }

    @Test
    void promtoolFindsNothingToReport() throws Exception {
        assertTrue(Files.isExecutable(PROMTOOL), "promtool is required (Debian package prometheus; .ci/run installs it)");
        cam02.setUp(true);
        cam02.reconnect("auth");
        String body = get("/metrics").body();

        Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectErrorStream(true)
                .start();
        try (OutputStream in = promtool.getOutputStream()) {
            in.write(body.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(promtool.waitFor(10, TimeUnit.SECONDS), "promtool did not finish");
        // Exit 0 and no output: no parse error and no lint warning, not even for the JVM meters.
        assertEquals("", output);
        assertEquals(0, promtool.exitValue());
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        HttpResponse<String> response = http.send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("", response.body());
        assertTrue(response.headers().firstValueAsLong("content-length").orElseThrow() > 1000);
    }

    @Test
    void healthzFollowsTheSupplier() throws Exception {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("cameras", 3);
        details.put("cameras_up", 2);
        details.put("index", "writable");
        health.set(Health.healthy(details));
        HttpResponse<String> ok = get("/healthz");
        assertEquals(200, ok.statusCode());
        assertEquals("application/json; charset=utf-8", ok.headers().firstValue("content-type").orElseThrow());
        assertEquals("{\"status\":\"ok\",\"cameras\":3,\"cameras_up\":2,\"index\":\"writable\"}\n", ok.body());

        health.set(Health.unhealthy("index not writable: \"disk\" read-only"));
        HttpResponse<String> bad = get("/healthz");
        assertEquals(503, bad.statusCode());
        assertEquals("{\"status\":\"unhealthy\",\"reason\":\"index not writable: \\\"disk\\\" read-only\"}\n", bad.body());
        health.set(Health.healthy(Map.of()));
    }

    @Test
    void aFailingHealthSupplierIsUnhealthyAndLeaksNoCredential() throws Exception {
        Supplier<Health> failing = () -> {
            throw new IllegalStateException("cannot open rtsp://admin:secret@10.0.0.1/stream");
        };
        try (MetricsServer other = MetricsServer.start("127.0.0.1", 0, metrics, failing)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + other.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, response.statusCode());
            assertTrue(response.body().startsWith("{\"status\":\"unhealthy\",\"reason\":\"health check failed: "),
                    response.body());
            assertFalse(response.body().contains("secret"), response.body());
        }
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() throws Exception {
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metrics/extra").statusCode());
        assertEquals(200, get("/metrics?name[]=nvr_camera_up").statusCode());
        HttpResponse<String> post = http.send(request("/metrics").POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElseThrow());
        HttpResponse<String> delete = http.send(request("/healthz").DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, delete.statusCode());
    }

    @Test
    void bindConflictNamesTheAddress() {
        BindException e = assertThrows(BindException.class,
                () -> MetricsServer.start("127.0.0.1", server.port(), metrics, health::get));
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + server.port() + ": "), e.getMessage());
    }

    @Test
    void servesOnAThreadNamedNvrHttpAndClosesTwice() throws Exception {
        get("/metrics");
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("nvr-http")));
        server.close();
        server.close();
        // A raw connect: the JDK client may wait out its timeout on its pooled, now closed connection.
        assertThrows(java.net.ConnectException.class, () -> new Socket("127.0.0.1", server.port()).close(),
                "no longer listening");
    }

    @Test
    void keepsConnectionsAliveAndClosesThemWhenIdle() throws Exception {
        MetricsServer.Options options = MetricsServer.Options.DEFAULT.withIdleTimeout(Duration.ofMillis(300));
        try (MetricsServer quick = MetricsServer.start("127.0.0.1", 0, metrics, health::get, options);
             Socket socket = new Socket("127.0.0.1", quick.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(readResponse(in).startsWith("HTTP/1.1 200 OK\r\n"));
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertTrue(readResponse(in).startsWith("HTTP/1.1 200 OK\r\n"), "second request on the same connection");
            long before = System.nanoTime();
            assertEquals(-1, in.read(), "closed by the server when idle");
            assertTrue(System.nanoTime() - before < TimeUnit.SECONDS.toNanos(4));
        }
    }

    @Test
    void optionalBasicAuthGuardsTheScrapeButNotHealthz() throws Exception {
        BasicAuth auth = BasicAuth.of("prometheus", BasicAuth.hash("s3cret".toCharArray(), 1_000));
        try (MetricsServer guarded = MetricsServer.start("127.0.0.1", 0, metrics, health::get,
                MetricsServer.Options.DEFAULT.withAuth(auth))) {
            String base = "http://127.0.0.1:" + guarded.port();
            String good = "Basic " + java.util.Base64.getEncoder()
                    .encodeToString("prometheus:s3cret".getBytes(StandardCharsets.UTF_8));
            String wrong = "Basic " + java.util.Base64.getEncoder()
                    .encodeToString("prometheus:guess".getBytes(StandardCharsets.UTF_8));
            for (String header : new String[]{null, wrong}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/metrics"));
                if (header != null) {
                    request.header("Authorization", header);
                }
                HttpResponse<String> refused = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, refused.statusCode());
                assertEquals("Basic realm=\"nvr\", charset=\"UTF-8\"",
                        refused.headers().firstValue("www-authenticate").orElseThrow());
                assertFalse(refused.body().contains("nvr_"), refused.body());
            }
            HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                    .header("Authorization", good).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.body().contains("nvr_camera_up{"));
            for (String header : new String[]{null, good}) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/healthz"));
                if (header != null) {
                    request.header("Authorization", header);
                }
                assertEquals(200, http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                        "healthz answers with or without credentials");
            }
            health.set(Health.unhealthy("index not writable"));
            assertEquals(503, http.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            health.set(Health.healthy(Map.of()));
        }
    }

    /**
     * The server closed {@code socket} without a byte of answer: end of stream, or a reset (the kernel
     * resets a connection closed with the request unread, which happens when the request arrived first).
     */
    private static void assertClosedUnanswered(Socket socket, String which) throws IOException {
        int read;
        try {
            read = socket.getInputStream().read();
        } catch (SocketException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("reset"), which + ": " + e);
            return;
        }
        assertEquals(-1, read, which + ": closed unanswered");
    }

    @Test
    void connectionsBeyondTheLimitsAreClosedAtOnce() throws Exception {
        MetricsServer.Options options = MetricsServer.Options.DEFAULT.withLimits(
                MetricsServer.Limits.DEFAULT.withConnections(3, 2));
        String healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ConnectionLimit.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try (MetricsServer limited = MetricsServer.start("127.0.0.1", 0, metrics, health::get, options);
             Socket first = connect(limited, "127.0.0.1");
             Socket second = connect(limited, "127.0.0.1")) {
            assertTrue(exchange(first, healthz).startsWith("HTTP/1.1 200 "));
            assertTrue(exchange(second, healthz).startsWith("HTTP/1.1 200 "));
            try (Socket third = connect(limited, "127.0.0.1")) {
                third.getOutputStream().write(healthz.getBytes(StandardCharsets.US_ASCII));
                assertClosedUnanswered(third, "a third from the same address");
            }
            try (Socket other = connect(limited, "127.0.0.2")) {
                assertTrue(exchange(other, healthz).startsWith("HTTP/1.1 200 "), "another address has room");
                try (Socket fourth = connect(limited, "127.0.0.3")) {
                    fourth.getOutputStream().write(healthz.getBytes(StandardCharsets.US_ASCII));
                    assertClosedUnanswered(fourth, "a fourth in all");
                }
            }
            // Counted by limit on the scrape, and said once (the next warning waits a minute), naming the key.
            String scrape = exchange(first, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(scrape.contains("nvr_metrics_connections_refused_total{reason=\"per_address\"} 1.0"),
                    scrape);
            assertTrue(scrape.contains("nvr_metrics_connections_refused_total{reason=\"total\"} 1.0"),
                    scrape);
            List<String> warnings = lines.list.stream()
                    .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("metrics: closed 1 connection(s) as soon as accepted"),
                    warnings.get(0));
            assertTrue(warnings.get(0).contains("the last from 127.0.0.1: 2 open from that address "
                    + "(metrics.limits.max_connections_per_address: 2)"), warnings.get(0));
            assertTrue(warnings.get(0).endsWith("raise metrics.limits.max_connections_per_address if these are "
                    + "real viewers"), warnings.get(0));
            second.close();
            // The slot is free once the server has seen the close.
            Poll.until(Duration.ofSeconds(5), "a connection accepted again", () -> {
                try (Socket again = connect(limited, "127.0.0.1")) {
                    return exchange(again, healthz).startsWith("HTTP/1.1 200 ");
                } catch (IOException e) {
                    return false;
                }
            });
            assertTrue(exchange(first, healthz).startsWith("HTTP/1.1 200 "),
                    "the connections within the limits keep working");
        } finally {
            log.detachAppender(lines);
        }
    }

    private static Socket connect(MetricsServer server, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new java.net.InetSocketAddress(from, 0));
        socket.connect(server.address(), 5_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    @Test
    void aRequestTrickledSlowerThanItsDeadlineIsCutOff() throws Exception {
        // Idle after a minute, but a byte every 100 ms is never idle: only the request deadline ends it.
        MetricsServer.Options options = MetricsServer.Options.DEFAULT.withLimits(
                MetricsServer.Limits.DEFAULT.withRequestDeadline(Duration.ofMillis(500)));
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics, health::get, options);
             Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(100);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write("GET /healthz HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean closed = false;
            while (!closed && System.nanoTime() < giveUp) {
                try {
                    out.write('a');
                    out.flush();
                    closed = in.read() == -1;
                } catch (java.net.SocketTimeoutException e) {
                    // still open: trickle on
                } catch (IOException e) {
                    closed = true; // reset while writing
                }
            }
            assertTrue(closed, "the server closed the trickling connection");
        }
    }

    @Test
    void aFloodOfWrongPasswordsIsThrottledBoundedAndNeverStopsHealthzOrTheScraper() throws Exception {
        String stored = BasicAuth.hash("s3cret".toCharArray(), 20_000);
        BasicAuth auth = BasicAuth.of("prometheus", stored);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        java.util.function.Predicate<String> counted = header -> {
            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
            checks.incrementAndGet();
            try {
                return auth.accepts(header);
            } finally {
                running.decrementAndGet();
            }
        };
        int clients = 16;
        int allowed = 3;
        MetricsServer.Options options = MetricsServer.Options.DEFAULT.withLimits(MetricsServer.Limits.DEFAULT
                .withVerification(2, 4).withFailures(allowed, Duration.ofMinutes(1))
                .withRefusalDelay(Duration.ofMillis(200)));
        String good = "Authorization: " + CredentialCheckTest.basic("prometheus:s3cret") + "\r\n";
        try (MetricsServer guarded = MetricsServer.start("127.0.0.1", 0, metrics, health::get, options, counted,
                java.time.Clock.systemUTC());
             Socket scraper = new Socket("127.0.0.1", guarded.port());
             Socket prober = new Socket("127.0.0.1", guarded.port())) {
            scraper.setSoTimeout(10_000);
            prober.setSoTimeout(10_000);
            assertTrue(exchange(scraper, "GET /metrics HTTP/1.1\r\nHost: x\r\n" + good + "\r\n")
                    .startsWith("HTTP/1.1 200 "), "the scraper before the flood");

            // Each flooding client has its own loopback address, as distinct attackers would.
            java.util.concurrent.ExecutorService flood = java.util.concurrent.Executors.newFixedThreadPool(clients);
            java.util.concurrent.ConcurrentMap<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<java.util.concurrent.Future<?>> floods = new java.util.ArrayList<>();
            for (int i = 0; i < clients; i++) {
                String source = "127.0.0." + (2 + i);
                floods.add(flood.submit(() -> {
                    try (Socket socket = new Socket()) {
                        socket.bind(new java.net.InetSocketAddress(source, 0));
                        socket.connect(guarded.address(), 5_000);
                        socket.setSoTimeout(10_000);
                        String wrong = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: "
                                + CredentialCheckTest.basic("prometheus:guess-" + source) + "\r\n\r\n";
                        // Until throttled, and a little beyond (429s are held back 200 ms each).
                        int throttled = 0;
                        for (int n = 0; n < 40 && throttled < 3 && !stop.get(); n++) {
                            String response = exchange(socket, wrong);
                            int status = Integer.parseInt(response.substring(9, 12));
                            statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                            throttled += status == 429 ? 1 : 0;
                            if (status == 429 || status == 503) {
                                assertTrue(response.toLowerCase().contains("\r\nretry-after: "), response);
                            }
                        }
                    }
                    return null;
                }));
            }
            int healthy = 0;
            int scrapes = 0;
            while (floods.stream().anyMatch(f -> !f.isDone())) {
                assertTrue(exchange(prober, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200 "));
                healthy++;
                assertTrue(exchange(scraper, "GET /metrics HTTP/1.1\r\nHost: x\r\n" + good + "\r\n")
                        .startsWith("HTTP/1.1 200 "), "the scraper during the flood");
                scrapes++;
            }
            stop.set(true);
            flood.shutdown();
            for (java.util.concurrent.Future<?> f : floods) {
                f.get(30, TimeUnit.SECONDS);
            }
            System.out.printf("flood: statuses %s, %d password checks (at most %d at once), %d /healthz and %d scrapes"
                    + " answered during it%n", statuses, checks.get(), mostAtOnce.get(), healthy, scrapes);
            assertTrue(healthy > 0 && scrapes > 0);
            assertTrue(statuses.getOrDefault(429, new AtomicInteger()).get() > 0, "guessers throttled: " + statuses);
            assertEquals(Set.of(401, 429, 503), java.util.stream.Stream.concat(statuses.keySet().stream(),
                    java.util.stream.Stream.of(401, 429, 503)).collect(java.util.stream.Collectors.toSet()),
                    "nothing but 401, 429 and 503: " + statuses);
            assertTrue(mostAtOnce.get() <= 2, "at most two checks at once: " + mostAtOnce.get());
            assertTrue(checks.get() <= 1 + clients * allowed, "each address checked at most " + allowed + " times: "
                    + checks.get());
        }
    }

    /** Sends {@code request} on a keep-alive connection and reads the response. */
    private static String exchange(Socket socket, String request) throws IOException {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return readResponse(socket.getInputStream());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(5));
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in headers: " + head);
            }
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII);
        int length = headers.lines()
                .filter(l -> l.toLowerCase().startsWith("content-length:"))
                .mapToInt(l -> Integer.parseInt(l.substring(15).strip()))
                .findFirst().orElseThrow();
        byte[] body = in.readNBytes(length);
        return headers + new String(body, StandardCharsets.UTF_8);
    }
}
