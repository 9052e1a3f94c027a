package org.nvr.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.store.SegmentPaths;
import org.nvr.testing.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The replicator against a real S3 API server (S3Proxy as its own process, filesystem backend) with the
 * AWS SDK as the test's own client: objects arrive under their keys with the index's SHA-256 as
 * metadata and the segment's bytes; faults (server killed mid-upload and restarted, recorder restarted,
 * wrong credentials, missing bucket) lose nothing and duplicate nothing. Time is a clock the test moves.
 */
class ReplicatorS3Test {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final long MIB = 1024 * 1024;
    static final long PART = 5 * MIB;

    @TempDir
    static Path serverDir;
    static S3ProxyServer server;
    static S3Client s3;
    static int buckets;

    @TempDir
    Path root;
    IndexWriter index;
    MutableClock clock = new MutableClock(T0.plus(Duration.ofHours(1)));
    MeterRegistry registry = new SimpleMeterRegistry();
    String bucket;
    Replicator replicator;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start(serverDir);
        s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                // S3Proxy answers 501 to x-amz-checksum-mode, which the SDK sends by default on GET
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void open() throws Exception {
        server.start(); // a test may have left it stopped
        bucket = "evidence-" + (++buckets);
        s3.createBucket(b -> b.bucket(bucket));
        index = IndexWriter.open(root.resolve("index.db"));
        new ReplicationQueue(index).configure(true, List.of());
    }

    @AfterEach
    void close() {
        if (replicator != null) {
            replicator.close();
        }
        index.close();
    }

    ReplicationConfig config() {
        return new ReplicationConfig(server.endpoint(), bucket, "us-east-1", S3ProxyServer.ACCESS_KEY,
                S3ProxyServer.SECRET_KEY, "cam-luong/", ReplicationConfig.Copy.HOLDS, List.of(), OptionalLong.empty(),
                Optional.of(new ReplicationConfig.ObjectLock(ReplicationConfig.LockMode.COMPLIANCE, 30)));
    }

    Replicator replicator(ReplicationConfig config) {
        if (replicator != null) {
            replicator.close();
        }
        replicator = new Replicator(config, root, index, clock, d -> clock.advance(d), new Random(1), registry, PART);
        return replicator;
    }

    @Test
    void heldSegmentsAndAnExportReachTheBucketWithTheirSha256() throws Exception {
        Seg a = segment("c1", T0, 300_000);
        Seg b = segment("c1", T0.plusSeconds(60), 200_000);
        hold("c1", T0, T0.plusSeconds(120));
        Path export = root.resolve("out.mp4");
        Files.write(export, bytes(123_456, 7));
        Files.writeString(root.resolve("out.mp4.json"), "{\"sha256\":\"" + sha256(export) + "\"}");
        String exportSha = sha256(export);
        index.submit(c -> EvidenceLog.audit(c, new AuditEntry(null, T0, "u", "export", "s1", "c1", T0, T0.plusSeconds(60),
                "case", export.toString(), exportSha, null))).get();

        drain(replicator(config()));

        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", a.sha256, a.bytes);
        assertObject("cam-luong/s1/c1/20261129T070100Z.mp4", b.sha256, b.bytes);
        assertObject("cam-luong/exports/s1/c1/20261129T070000Z/out.mp4", sha256(export), Files.size(export));
        assertObject("cam-luong/exports/s1/c1/20261129T070000Z/out.mp4.json", sha256(root.resolve("out.mp4.json")),
                Files.size(root.resolve("out.mp4.json")));
        assertEquals(4, objects().size());
        ReplicationStatus status = replicator.queue().status();
        assertEquals(0, status.pendingObjects());
        assertEquals(4, status.doneObjects());
        assertEquals(Optional.of(false), replicator.bucketLocks(), "S3Proxy's filesystem has no Object Lock: asked, said so");
    }

    @Test
    void aServerKilledMidUploadAndARecorderRestartResumeWithoutResendingParts() throws Exception {
        Seg big = segment("c1", T0, (int) (2 * PART + MIB)); // three parts: 5 + 5 + 1 MiB
        hold("c1", T0, T0.plusSeconds(60));
        Replicator first = replicator(config());
        first.afterPart = n -> {
            if (n == 1) {
                try {
                    server.stop(); // the link is gone after the first part arrived
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        assertTrue(first.runOnce());
        ReplicationStatus status = first.queue().status();
        assertEquals(1, status.pendingObjects(), "nothing lost: still pending");
        assertEquals(Optional.of("network"), status.lastReason());
        assertEquals(1, first.queue().parts(first.queue().next(clock.instant().plus(Backoff.CAP)).orElseThrow().id()).size());
        assertEquals(1.0, registry.get("nvr.replication.failures").tag("reason", "network").counter().count());
        assertFalse(first.runOnce(), "backing off: not due yet");

        // the recorder restarts too: a new index writer and replicator over the same index
        first.close();
        replicator = null;
        index.close();
        index = IndexWriter.open(root.resolve("index.db"));
        server.start();
        clock.advance(Backoff.CAP);
        Replicator second = replicator(config());
        drain(second);

        assertEquals(big.bytes - PART, second.store().sent.get(), "only parts 2 and 3 were sent again");
        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", big.sha256, big.bytes);
        assertEquals(1, objects().size(), "nothing duplicated");
        assertEquals(0, second.queue().status().pendingObjects());
    }

    @Test
    void aServerKilledInTheMiddleOfAPartStillEndsWithTheObjectOnceAndWhole() throws Exception {
        Seg big = segment("c1", T0, (int) (2 * PART + MIB));
        hold("c1", T0, T0.plusSeconds(60));
        boolean[] killed = {false};
        replicator = new Replicator(config().withMaxRate(OptionalLong.of(4 * MIB)), root, index, clock, d -> {
            clock.advance(d);
            if (!killed[0] && replicator.store().sent.get() > PART + MIB) { // 1 MiB into part 2
                killed[0] = true;
                server.stop();
            }
        }, new Random(1), registry, PART);
        assertTrue(replicator.runOnce());
        assertTrue(killed[0]);
        assertEquals(Optional.of("network"), replicator.queue().status().lastReason());
        server.start();
        for (int i = 0; i < 6 && replicator.queue().status().pendingObjects() > 0; i++) {
            clock.advance(Backoff.CAP);
            replicator.runOnce();
        }
        assertEquals(0, replicator.queue().status().pendingObjects(), String.valueOf(replicator.queue().status()));
        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", big.sha256, big.bytes);
        assertEquals(List.of("cam-luong/s1/c1/20261129T070000Z.mp4"),
                objects().stream().filter(k -> k.startsWith("cam-luong/")).toList(), "nothing duplicated: " + objects());
    }

    @Test
    void wrongCredentialsFailAsAuthLoseNothingAndRecoverOnceFixed() throws Exception {
        Seg a = segment("c1", T0, 50_000);
        hold("c1", T0, T0.plusSeconds(60));
        String wrong = "wrong-secret-value-42";
        Replicator r = replicator(config().withCredentials(S3ProxyServer.ACCESS_KEY, wrong));
        assertTrue(r.runOnce());
        ReplicationStatus status = r.queue().status();
        assertEquals(1, status.pendingObjects());
        assertEquals(Optional.of("auth"), status.lastReason());
        assertFalse(status.lastError().orElseThrow().contains(wrong), status.lastError().orElseThrow());
        assertEquals(0, objects().size());

        clock.advance(Backoff.CAP);
        drain(replicator(config()));
        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", a.sha256, a.bytes);
    }

    @Test
    void aMissingBucketIsNamedAndTheCopyFollowsOnceItExists() throws Exception {
        Seg a = segment("c1", T0, 50_000);
        hold("c1", T0, T0.plusSeconds(60));
        String missing = bucket + "-later";
        Replicator r = replicator(config().withBucket(missing));
        assertTrue(r.runOnce());
        ReplicationStatus status = r.queue().status();
        assertEquals(Optional.of("no_bucket"), status.lastReason());
        assertTrue(status.lastError().orElseThrow().contains("NoSuchBucket"), status.lastError().orElseThrow());

        s3.createBucket(b -> b.bucket(missing));
        clock.advance(Backoff.CAP);
        drain(r);
        bucket = missing;
        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", a.sha256, a.bytes);
    }

    @Test
    void theCapHoldsByBytesAndVirtualTime() throws Exception {
        long rate = 64 * 1024;
        Seg a = segment("c1", T0, 1_000_000);
        hold("c1", T0, T0.plusSeconds(60));
        Replicator r = replicator(config().withMaxRate(OptionalLong.of(rate)));
        Instant before = clock.instant();
        drain(r);
        Duration took = Duration.between(before, clock.instant());
        long burst = Math.max(ThrottledInputStream.CHUNK, rate / 4);
        assertEquals(a.bytes, r.store().sent.get(), "the body was read once");
        double seconds = took.toNanos() / 1e9;
        assertTrue(seconds >= (a.bytes - burst) / (double) rate, "too fast: " + seconds + " s");
        assertTrue(seconds <= a.bytes / (double) rate + 1, "slower than the cap: " + seconds + " s");
        assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", a.sha256, a.bytes);
    }

    @Test
    void anObjectAlreadyStoredByAnInterruptedRunIsVerifiedNotSentAgain() throws Exception {
        Seg a = segment("c1", T0, 80_000);
        hold("c1", T0, T0.plusSeconds(60));
        String key = "cam-luong/s1/c1/20261129T070000Z.mp4";
        // a crash after the PUT and before the queue said so: the object is there, the item pending
        s3.putObject(b -> b.bucket(bucket).key(key).metadata(java.util.Map.of("sha256", a.sha256)),
                software.amazon.awssdk.core.sync.RequestBody.fromFile(root.resolve(a.path)));
        Replicator r = replicator(config());
        drain(r);
        assertEquals(0, r.store().sent.get(), "verified by HEAD, not sent again");
        assertEquals(List.of(key), objects());

        // a stored object that is not the file (same size and metadata, other bytes) is replaced, not taken
        Seg b = segment("c1", T0.plusSeconds(60), 80_000);
        hold("c1", T0.plusSeconds(60), T0.plusSeconds(120));
        String keyB = "cam-luong/s1/c1/20261129T070100Z.mp4";
        s3.putObject(x -> x.bucket(bucket).key(keyB).metadata(java.util.Map.of("sha256", b.sha256)),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[80_000]));
        drain(r);
        assertEquals(80_000, r.store().sent.get());
        assertObject(keyB, b.sha256, b.bytes);
    }

    @Test
    void aFullLocalDiskLosesNothingAndDuplicatesNothing() throws Exception {
        index.close();
        try (org.nvr.testing.Tmpfs fs = org.nvr.testing.Tmpfs.mount(16)) {
            root = fs.dir();
            index = IndexWriter.open(root.resolve("index.db"));
            new ReplicationQueue(index).configure(true, List.of());
            Seg a = segment("c1", T0, 2_000_000);
            hold("c1", T0, T0.plusSeconds(60));
            // an empty WAL, so that the queue's next write needs space the disk no longer has
            index.submit(c -> {
                try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
                    return rs.next();
                }
            }).get();
            Path filler = root.resolve("filler");
            try (var out = Files.newOutputStream(filler)) {
                byte[] mb = new byte[1 << 20];
                while (true) {
                    out.write(mb);
                }
            } catch (java.io.IOException full) {
                // ENOSPC: the disk is full
            }
            Replicator r = replicator(config());
            assertTrue(r.runOnce());
            assertFalse(r.runOnce(), "backs off even when the queue cannot record the failure");
            for (int i = 0; i < 2; i++) {
                clock.advance(Backoff.CAP);
                r.runOnce();
            }
            assertEquals(a.sha256, sha256(root.resolve(a.path)), "the held segment is still on disk, unchanged");
            assertTrue(registry.get("nvr.replication.failures").tag("reason", "index").counter().count() >= 1,
                    "the full disk was met: the queue could not be written");
            assertTrue(objects().size() <= 1);

            Files.delete(filler);
            clock.advance(Backoff.CAP);
            drain(r);
            assertObject("cam-luong/s1/c1/20261129T070000Z.mp4", a.sha256, a.bytes);
            assertEquals(1, objects().size(), "nothing duplicated");
            assertEquals(1, r.queue().status().doneObjects());
            replicator.close();
            replicator = null;
            index.close();
        }
        index = IndexWriter.open(serverDir.resolve("unused-" + bucket + ".db")); // closed by @AfterEach
    }

    // ---- helpers --------------------------------------------------------------------------------

    record Seg(long id, String path, String sha256, long bytes) {
    }

    void drain(Replicator r) throws Exception {
        for (int i = 0; i < 20 && r.runOnce(); i++) {
            // one item per call
        }
        ReplicationStatus s = r.queue().status();
        assertEquals(0, s.pendingObjects(), "still pending: " + s);
    }

    Seg segment(String camera, Instant start, int size) throws Exception {
        String rel = SegmentPaths.newSegment(root, "s1", camera, start);
        Path file = root.resolve(rel);
        SegmentPaths.createParents(root, file);
        Files.write(file, bytes(size, start.getEpochSecond()));
        String sha = sha256(file);
        long id = index.openSegment(null, "s1", camera, rel, start, "h264", 320, 240, null).get();
        index.closeSegment(id, start.plusSeconds(60), Duration.ofSeconds(60), size, 10L, sha).get();
        return new Seg(id, rel, sha, size);
    }

    void hold(String camera, Instant from, Instant to) throws Exception {
        index.submit(c -> EvidenceLog.hold(c, "s1", camera, from, to, "case", "u", T0)).get();
    }

    void assertObject(String key, String sha256, long size) throws Exception {
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
        assertEquals(size, head.contentLength(), key);
        assertEquals(sha256, head.metadata().get("sha256"), key);
        try (InputStream in = s3.getObject(b -> b.bucket(bucket).key(key))) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
            assertEquals(sha256, HexFormat.of().formatHex(md.digest()), key + ": stored bytes");
        }
    }

    /** Every object of the bucket (S3Proxy's filesystem backend also lists its directories, as "x/": not objects). */
    List<String> objects() {
        return s3.listObjectsV2(b -> b.bucket(bucket)).contents().stream().map(S3Object::key)
                .filter(k -> !k.endsWith("/")).toList();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** A clock the test (and the cap's sleeper) moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
