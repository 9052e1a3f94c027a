package org.nvr.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.store.SegmentPaths;
import org.slf4j.LoggerFactory;

/**
 * The Object Lock path of the replicator, which S3Proxy cannot serve: a small fake S3 endpoint in the
 * test (JDK HttpServer on 127.0.0.1, no signature checks) answers the bucket's Object Lock
 * configuration, takes PUTs (checking their Content-MD5), answers HEADs with what it stored, and records
 * every request's headers. Held segments must be written with the configured mode and a retention date
 * of the upload time (the test's clock) plus {@code days}, and still be verified; a bucket without Object
 * Lock gets unlocked writes and one log line.
 */
class ReplicatorObjectLockTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final String BUCKET = "evidence";

    @TempDir
    Path root;
    IndexWriter index;
    ReplicatorS3Test.MutableClock clock = new ReplicatorS3Test.MutableClock(T0.plus(Duration.ofHours(1)));
    FakeS3 s3;
    Replicator replicator;
    long partSize = Replicator.DEFAULT_PART_SIZE;

    @BeforeEach
    void open() throws Exception {
        index = IndexWriter.open(root.resolve("index.db"));
        new ReplicationQueue(index).configure(true, List.of());
    }

    @AfterEach
    void close() {
        if (replicator != null) {
            replicator.close();
        }
        if (s3 != null) {
            s3.close();
        }
        index.close();
    }

    @ParameterizedTest
    @EnumSource(ReplicationConfig.LockMode.class)
    void heldSegmentsAreWrittenWithTheModeAndARetentionDateAndStillVerified(ReplicationConfig.LockMode mode)
            throws Exception {
        s3 = FakeS3.start(true);
        String sha = segment("c1", T0, 50_000);
        Instant placed = clock.instant();
        hold("c1", T0, T0.plusSeconds(60), placed);
        clock.advance(Duration.ofMinutes(5)); // the copy runs a little after the hold was placed
        Instant uploaded = clock.instant();

        drain(replicator(mode, 30));

        String key = "cam-luong/s1/c1/20261129T070000Z.mp4";
        FakeS3.Request put = s3.only("PUT", "/" + BUCKET + "/" + key);
        assertEquals(mode.name(), put.header("x-amz-object-lock-mode"));
        Instant until = Instant.parse(put.header("x-amz-object-lock-retain-until-date"));
        assertEquals(uploaded.plus(Duration.ofDays(30)), until, "retention: the upload's time plus days");
        assertFalse(until.isBefore(placed.plus(Duration.ofDays(30))), "never shorter than days from the hold");
        assertEquals(1, s3.count("GET", "/" + BUCKET + "?object-lock"), "the bucket's Object Lock asked once");
        assertEquals(Optional.of(true), replicator.bucketLocks());

        // verified: the HEAD after the PUT showed the bytes the segment has, and the item is done
        assertTrue(s3.requests.indexOf(put) < s3.requests.lastIndexOf(s3.last("HEAD", "/" + BUCKET + "/" + key)));
        assertEquals(sha, sha256(s3.objects.get(key).body()));
        ReplicationStatus status = replicator.queue().status();
        assertEquals(0, status.pendingObjects());
        assertEquals(1, status.doneObjects());
        assertEquals(Optional.empty(), status.lastReason());
    }

    @Test
    void aLargeHeldSegmentStartsItsMultipartUploadWithTheLock() throws Exception {
        s3 = FakeS3.start(true);
        String sha = segment("c1", T0, 150_000); // parts of 64 KiB: three
        hold("c1", T0, T0.plusSeconds(60), clock.instant());
        partSize = 64 * 1024;

        drain(replicator(ReplicationConfig.LockMode.GOVERNANCE, 7));

        String key = "/" + BUCKET + "/cam-luong/s1/c1/20261129T070000Z.mp4";
        FakeS3.Request create = s3.only("POST", key + "?uploads");
        assertEquals("GOVERNANCE", create.header("x-amz-object-lock-mode"));
        assertEquals(clock.instant().plus(Duration.ofDays(7)),
                Instant.parse(create.header("x-amz-object-lock-retain-until-date")));
        assertEquals(3, s3.requests.stream().filter(r -> r.method().equals("PUT") && r.path().contains("partNumber=")).count());
        assertEquals(sha, sha256(s3.objects.get("cam-luong/s1/c1/20261129T070000Z.mp4").body()));
        assertEquals(1, replicator.queue().status().doneObjects(), "verified by the multipart ETag");
    }

    @Test
    void anObjectLockedByARunCutAfterItsPutIsLeftAsItIs() throws Exception {
        s3 = FakeS3.start(true);
        String sha = segment("c1", T0, 20_000);
        hold("c1", T0, T0.plusSeconds(60), clock.instant());
        byte[] body = ReplicatorS3Test.bytes(20_000, T0.getEpochSecond()); // the segment's bytes
        String key = "cam-luong/s1/c1/20261129T070000Z.mp4";
        s3.objects.put(key, new FakeS3.Stored(body, FakeS3.md5(body), Map.of("x-amz-meta-sha256", sha,
                "x-amz-object-lock-mode", "COMPLIANCE",
                "x-amz-object-lock-retain-until-date", clock.instant().plus(Duration.ofDays(30)).toString())));
        clock.advance(Duration.ofHours(1));

        drain(replicator(ReplicationConfig.LockMode.COMPLIANCE, 30));

        assertEquals(List.of("HEAD"), s3.requests.stream().map(FakeS3.Request::method).toList(),
                "verified by HEAD; neither sent again nor its retention touched");
        assertEquals(1, replicator.queue().status().doneObjects());
    }

    @Test
    void aBucketWithoutObjectLockGetsUnlockedWritesAndOneLogLine() throws Exception {
        s3 = FakeS3.start(false);
        segment("c1", T0, 40_000);
        segment("c1", T0.plusSeconds(60), 30_000);
        hold("c1", T0, T0.plusSeconds(120), clock.instant());

        List<String> warnings = warnings(() -> drain(replicator(ReplicationConfig.LockMode.COMPLIANCE, 30)));

        List<FakeS3.Request> puts = s3.requests.stream().filter(r -> r.method().equals("PUT")).toList();
        assertEquals(2, puts.size());
        for (FakeS3.Request put : puts) {
            assertNull(put.header("x-amz-object-lock-mode"), put.path());
            assertNull(put.header("x-amz-object-lock-retain-until-date"), put.path());
        }
        assertEquals(1, s3.count("GET", "/" + BUCKET + "?object-lock"));
        assertEquals(Optional.of(false), replicator.bucketLocks());
        assertEquals(1, warnings.stream().filter(w -> w.contains("has no Object Lock")).count(), warnings.toString());
        assertEquals(2, replicator.queue().status().doneObjects());
    }

    @Test
    void aCopiedSegmentThatAHoldCoversLaterIsLockedWithoutBeingSentAgain() throws Exception {
        s3 = FakeS3.start(true);
        replicator = replicator(ReplicationConfig.LockMode.COMPLIANCE, 30, ReplicationConfig.Copy.ALL, List.of("c1"));
        replicator.configureQueue();
        String sha = segment("c1", T0, 40_000);
        drain(replicator);
        String key = "cam-luong/s1/c1/20261129T070000Z.mp4";
        assertNull(s3.only("PUT", "/" + BUCKET + "/" + key).header("x-amz-object-lock-mode"), "copy: all is not evidence");

        // the incident is found a day later: the hold covers a segment already in the bucket, unlocked
        clock.advance(Duration.ofDays(1));
        hold("c1", T0, T0.plusSeconds(60), clock.instant());
        Instant placed = clock.instant();
        drain(replicator);

        FakeS3.Request retention = s3.only("PUT", "/" + BUCKET + "/" + key + "?retention");
        assertEquals("<Mode>COMPLIANCE</Mode>", retention.xml("Mode"));
        assertEquals(placed.plus(Duration.ofDays(30)),
                Instant.parse(retention.xml("RetainUntilDate").replaceAll("</?RetainUntilDate>", "")));
        assertEquals(1, s3.count("PUT", "/" + BUCKET + "/" + key), "verified by HEAD, not sent again");
        assertEquals(sha, sha256(s3.objects.get(key).body()));
        assertEquals(0, replicator.queue().status().pendingObjects());
    }

    // ---- helpers --------------------------------------------------------------------------------

    Replicator replicator(ReplicationConfig.LockMode mode, int days) {
        return replicator(mode, days, ReplicationConfig.Copy.HOLDS, List.of());
    }

    Replicator replicator(ReplicationConfig.LockMode mode, int days, ReplicationConfig.Copy copy, List<String> cameras) {
        ReplicationConfig config = new ReplicationConfig(s3.endpoint(), BUCKET, "us-east-1", "test-access",
                "test-secret-key", "cam-luong/", copy, cameras, OptionalLong.empty(),
                Optional.of(new ReplicationConfig.ObjectLock(mode, days)));
        replicator = new Replicator(config, root, index, clock, d -> clock.advance(d), new Random(1),
                new SimpleMeterRegistry(), partSize);
        return replicator;
    }

    void drain(Replicator r) throws Exception {
        for (int i = 0; i < 10 && r.runOnce(); i++) {
            // one item per call
        }
        ReplicationStatus s = r.queue().status();
        assertEquals(0, s.pendingObjects(), "still pending: " + s);
    }

    String segment(String camera, Instant start, int size) throws Exception {
        String rel = SegmentPaths.newSegment(root, "s1", camera, start);
        Path file = root.resolve(rel);
        SegmentPaths.createParents(root, file);
        Files.write(file, ReplicatorS3Test.bytes(size, start.getEpochSecond()));
        String sha = ReplicatorS3Test.sha256(file);
        long id = index.openSegment(null, "s1", camera, rel, start, "h264", 320, 240, null).get();
        index.closeSegment(id, start.plusSeconds(60), Duration.ofSeconds(60), size, 10L, sha).get();
        return sha;
    }

    void hold(String camera, Instant from, Instant to, Instant placed) throws Exception {
        index.submit(c -> EvidenceLog.hold(c, "s1", camera, from, to, "case", "u", placed)).get();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static List<String> warnings(ThrowingRunnable run) throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(Replicator.class);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        log.addAppender(lines);
        try {
            run.run();
        } finally {
            log.detachAppender(lines);
        }
        return lines.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /**
     * Just enough of S3: the bucket's Object Lock configuration (enabled, or 404
     * {@code ObjectLockConfigurationNotFoundError}), PUT and multipart uploads (Content-MD5 checked,
     * {@code aws-chunked} bodies decoded), PUT {@code ?retention}, HEAD with size, ETag, metadata and lock
     * headers. Records every request. No signatures.
     */
    static final class FakeS3 implements AutoCloseable {
        record Request(String method, String path, Headers headers, String body) {
            String header(String name) {
                return headers.getFirst(name);
            }

            /** The first {@code <element>...</element>} of the body, or "" when it has none. */
            String xml(String element) {
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("<" + element + ">[^<]*</" + element + ">").matcher(body);
                return m.find() ? m.group() : "";
            }
        }

        record Stored(byte[] body, String etag, Map<String, String> headers) {
        }

        final List<Request> requests = new CopyOnWriteArrayList<>();
        final Map<String, Stored> objects = new ConcurrentHashMap<>();
        /** Multipart uploads in progress: key, headers of the create, parts by number (body, MD5 hex). */
        private final Map<String, Map<String, String>> uploadHeaders = new ConcurrentHashMap<>();
        private final Map<String, java.util.SortedMap<Integer, byte[]>> uploadParts = new ConcurrentHashMap<>();
        private final HttpServer server;
        private final boolean locking;

        private FakeS3(HttpServer server, boolean locking) {
            this.server = server;
            this.locking = locking;
        }

        static FakeS3 start(boolean locking) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            FakeS3 s3 = new FakeS3(server, locking);
            server.createContext("/", s3::handle);
            server.start();
            return s3;
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        long count(String method, String path) {
            return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
        }

        Request only(String method, String path) {
            List<Request> found = requests.stream()
                    .filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
            assertEquals(1, found.size(), method + " " + path + " in " + requests);
            return found.get(0);
        }

        Request last(String method, String path) {
            List<Request> found = requests.stream()
                    .filter(r -> r.method().equals(method) && r.path().equals(path)).toList();
            assertFalse(found.isEmpty(), method + " " + path + " in " + requests);
            return found.get(found.size() - 1);
        }

        private void handle(HttpExchange x) throws IOException {
            try (x) {
                URI uri = x.getRequestURI();
                String path = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
                Headers copy = new Headers();
                copy.putAll(x.getRequestHeaders());
                byte[] body = x.getRequestBody().readAllBytes();
                requests.add(new Request(x.getRequestMethod(), path, copy,
                        uri.getRawQuery() == null ? "" : new String(body, StandardCharsets.UTF_8)));
                String prefix = "/" + BUCKET + "/";
                String key = uri.getPath().startsWith(prefix) ? uri.getPath().substring(prefix.length()) : "";
                switch (x.getRequestMethod()) {
                    case "GET" -> {
                        if ("object-lock".equals(uri.getRawQuery()) || "object-lock=".equals(uri.getRawQuery())) {
                            if (locking) {
                                send(x, 200, "<ObjectLockConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                                        + "<ObjectLockEnabled>Enabled</ObjectLockEnabled></ObjectLockConfiguration>");
                            } else {
                                send(x, 404, "<Error><Code>ObjectLockConfigurationNotFoundError</Code>"
                                        + "<Message>Object Lock configuration does not exist for this bucket</Message>"
                                        + "<BucketName>" + BUCKET + "</BucketName></Error>");
                            }
                        } else {
                            send(x, 501, "<Error><Code>NotImplemented</Code><Message>fake</Message></Error>");
                        }
                    }
                    case "POST" -> post(x, key, uri.getRawQuery());
                    case "PUT" -> {
                        if (uri.getRawQuery() == null) {
                            put(x, key, body);
                        } else if (uri.getRawQuery().contains("partNumber=")) {
                            part(x, key, uri.getRawQuery(), body);
                        } else if (uri.getRawQuery().startsWith("retention") && objects.containsKey(key)) {
                            x.sendResponseHeaders(200, -1);
                        } else {
                            send(x, 501, "<Error><Code>NotImplemented</Code><Message>fake</Message></Error>");
                        }
                    }
                    case "HEAD" -> head(x, key);
                    default -> send(x, 501, "<Error><Code>NotImplemented</Code><Message>fake</Message></Error>");
                }
            }
        }

        private void put(HttpExchange x, String key, byte[] body) throws IOException {
            body = payload(x, body);
            if (body == null) {
                return;
            }
            String md5 = md5(body);
            objects.put(key, new Stored(body, md5, kept(x.getRequestHeaders())));
            x.getResponseHeaders().set("ETag", "\"" + md5 + "\"");
            x.sendResponseHeaders(200, -1);
        }

        /** CreateMultipartUpload ({@code ?uploads}) and CompleteMultipartUpload ({@code ?uploadId=}). */
        private void post(HttpExchange x, String key, String query) throws IOException {
            if ("uploads".equals(query) || "uploads=".equals(query)) {
                uploadHeaders.put(key, kept(x.getRequestHeaders()));
                uploadParts.put(key, new java.util.TreeMap<>());
                send(x, 200, "<InitiateMultipartUploadResult><Bucket>" + BUCKET + "</Bucket><Key>" + key
                        + "</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>");
            } else if (query != null && query.startsWith("uploadId=") && uploadParts.containsKey(key)) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                ByteArrayOutputStream md5s = new ByteArrayOutputStream();
                for (byte[] part : uploadParts.remove(key).values()) {
                    all.writeBytes(part);
                    md5s.writeBytes(HexFormat.of().parseHex(md5(part)));
                }
                int n = md5s.size() / 16;
                String etag = md5(md5s.toByteArray()) + "-" + n;
                objects.put(key, new Stored(all.toByteArray(), etag, uploadHeaders.remove(key)));
                send(x, 200, "<CompleteMultipartUploadResult><Bucket>" + BUCKET + "</Bucket><Key>" + key
                        + "</Key><ETag>\"" + etag + "\"</ETag></CompleteMultipartUploadResult>");
            } else {
                send(x, 404, "<Error><Code>NoSuchUpload</Code><Message>fake</Message></Error>");
            }
        }

        /** UploadPart ({@code ?partNumber=n&uploadId=...}). */
        private void part(HttpExchange x, String key, String query, byte[] body) throws IOException {
            body = payload(x, body);
            if (body == null) {
                return;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("partNumber=(\\d+)").matcher(query);
            if (!m.find() || !uploadParts.containsKey(key)) {
                send(x, 404, "<Error><Code>NoSuchUpload</Code><Message>fake</Message></Error>");
                return;
            }
            uploadParts.get(key).put(Integer.parseInt(m.group(1)), body);
            x.getResponseHeaders().set("ETag", "\"" + md5(body) + "\"");
            x.sendResponseHeaders(200, -1);
        }

        /** The request's payload ({@code aws-chunked} decoded), or null after a 400 when its Content-MD5 differs. */
        private static byte[] payload(HttpExchange x, byte[] body) throws IOException {
            Headers h = x.getRequestHeaders();
            String sha = h.getFirst("x-amz-content-sha256");
            if (sha != null && sha.startsWith("STREAMING-") || String.valueOf(h.getFirst("Content-Encoding")).contains("aws-chunked")) {
                body = decodeChunked(body);
            }
            String sent = h.getFirst("Content-MD5");
            if (sent == null || !Base64.getEncoder().encodeToString(HexFormat.of().parseHex(md5(body))).equals(sent)) {
                send(x, 400, "<Error><Code>BadDigest</Code><Message>Content-MD5</Message></Error>");
                return null;
            }
            return body;
        }

        /** The metadata and Object Lock headers of a request, as stored with the object. */
        private static Map<String, String> kept(Headers h) {
            Map<String, String> kept = new java.util.TreeMap<>();
            h.forEach((name, values) -> {
                String n = name.toLowerCase(java.util.Locale.ROOT);
                if (n.startsWith("x-amz-meta-") || n.startsWith("x-amz-object-lock-")) {
                    kept.put(n, values.get(0));
                }
            });
            return kept;
        }

        static String md5(byte[] b) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private void head(HttpExchange x, String key) throws IOException {
            Stored s = objects.get(key);
            if (s == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            Headers out = x.getResponseHeaders();
            out.set("Content-Length", String.valueOf(s.body().length));
            out.set("ETag", "\"" + s.etag() + "\"");
            s.headers().forEach(out::set);
            x.sendResponseHeaders(200, -1);
        }

        /** The payload of an {@code aws-chunked} body: {@code <hex size>[;ext]\r\n<bytes>\r\n}... up to a 0 chunk. */
        private static byte[] decodeChunked(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int i = 0;
            while (i < in.length) {
                int eol = indexOfCrlf(in, i);
                String line = new String(in, i, eol - i, StandardCharsets.US_ASCII);
                int size = Integer.parseInt(line.split(";")[0].strip(), 16);
                i = eol + 2;
                if (size == 0) {
                    break;
                }
                out.write(in, i, size);
                i += size + 2;
            }
            return out.toByteArray();
        }

        private static int indexOfCrlf(byte[] b, int from) {
            for (int i = from; i + 1 < b.length; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            throw new IllegalArgumentException("no CRLF in an aws-chunked body");
        }

        private static void send(HttpExchange x, int status, String xml) throws IOException {
            byte[] b = xml.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", "application/xml");
            x.sendResponseHeaders(status, b.length);
            x.getResponseBody().write(b);
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
