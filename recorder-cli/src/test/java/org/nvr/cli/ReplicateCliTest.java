package org.nvr.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ConfigLoader;
import org.nvr.config.NvrConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.replication.ReplicationQueue;
import org.nvr.replication.Replicator;
import org.nvr.store.SegmentFinisher;
import org.nvr.testing.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code nvr replicate status} and {@code nvr verify --remote} on a real index and a real S3 API server
 * (S3Proxy): the queue before and after the copy, a tampered object found, no secret printed.
 */
class ReplicateCliTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path dir;
    S3ProxyServer server;
    S3Client s3;
    Path config;
    Path root;

    @BeforeEach
    void setUp() throws Exception {
        server = S3ProxyServer.start(dir.resolve("s3"));
        s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build();
        s3.createBucket(b -> b.bucket("evidence"));
        root = dir.resolve("nvr");
        Path credentials = Files.writeString(dir.resolve("s3.credentials"), "[default]\naws_access_key_id = "
                + S3ProxyServer.ACCESS_KEY + "\naws_secret_access_key = " + S3ProxyServer.SECRET_KEY + "\n");
        config = Files.writeString(dir.resolve("nvr.yaml"), """
                storage:
                  root: %s
                sites:
                  - id: thon-1
                    cameras:
                      - id: cam-01
                        url: rtsp://192.0.2.10/stream
                replication:
                  endpoint: %s
                  bucket: evidence
                  credentials_file: %s
                  prefix: xa-a/
                """.formatted(root, server.endpoint(), credentials));
    }

    @AfterEach
    void tearDown() throws Exception {
        s3.close();
        server.close();
    }

    @Test
    void statusShowsTheQueueAndVerifyRemoteFindsATamperedObject() throws Exception {
        NvrConfig cfg = ConfigLoader.load(config, Map.of());
        long size;
        try (IndexWriter w = IndexWriter.open(root.resolve("index.db"))) {
            new ReplicationQueue(w).configure(true, List.of());
            String rel = "footage/thon-1/cam-01/2026/11/29/20261129T070000Z.mp4";
            Path file = root.resolve(rel);
            Files.createDirectories(file.getParent());
            Files.write(file, "segment".repeat(5000).getBytes());
            size = Files.size(file);
            long id = w.openSegment(null, "thon-1", "cam-01", rel, T0, "h264", 1920, 1080, null).get();
            w.closeSegment(id, T0.plusSeconds(60), Duration.ofSeconds(60), size, 1500L, SegmentFinisher.sha256(file)).get();
            w.submit(c -> EvidenceLog.hold(c, "thon-1", "cam-01", T0, T0.plusSeconds(60), "vụ 12", "u", T0)).get();

            JsonNode before = json(Cli.run("replicate", "status", "--config", config.toString(), "--json"));
            assertEquals(1, before.get("pending_objects").asLong());
            assertEquals(size, before.get("pending_bytes").asLong());
            assertFalse(before.get("oldest_pending").isNull());
            assertEquals("evidence", before.get("bucket").asText());

            Cli pending = Cli.run("verify", "--remote", "--config", config.toString());
            assertEquals(0, pending.exitCode(), pending.out() + pending.err());
            assertTrue(pending.out().contains("1 pending"), pending.out());

            try (Replicator r = new Replicator(cfg.replication().orElseThrow(), root, w, new SimpleMeterRegistry())) {
                assertTrue(r.runOnce());
            }
        }
        JsonNode after = json(Cli.run("replicate", "status", "--config", config.toString(), "--json"));
        assertEquals(0, after.get("pending_objects").asLong());
        assertEquals(1, after.get("copied_objects").asLong());
        Cli text = Cli.run("replicate", "status", "--config", config.toString());
        assertEquals(0, text.exitCode());
        assertTrue(text.out().contains("copied:         1 object(s)"), text.out());

        Cli ok = Cli.run("verify", "--remote", "--config", config.toString());
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(ok.out().contains("1 copied object(s) checked") && ok.out().contains("bucket and index agree"), ok.out());

        String key = "xa-a/thon-1/cam-01/20261129T070000Z.mp4";
        s3.putObject(b -> b.bucket("evidence").key(key).metadata(Map.of("sha256", "00")), RequestBody.fromBytes(new byte[(int) size]));
        Cli bad = Cli.run("verify", "--remote", "--config", config.toString());
        assertEquals(1, bad.exitCode(), bad.out());
        assertTrue(bad.out().contains("SHA256     " + key), bad.out());

        for (Cli c : List.of(text, ok, bad)) {
            assertFalse((c.out() + c.err()).contains(S3ProxyServer.SECRET_KEY));
        }
    }

    @Test
    void verifyRemoteWithoutReplicationIsAUsageError() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.yaml"), Files.readString(config).replaceAll("(?s)replication:.*", ""));
        Cli c = Cli.run("verify", "--remote", "--config", plain.toString());
        assertEquals(2, c.exitCode(), c.out() + c.err());
        assertTrue(c.err().contains("--remote needs replication:"), c.err());
    }

    private static JsonNode json(Cli c) throws Exception {
        assertEquals(0, c.exitCode(), c.out() + c.err());
        return new ObjectMapper().readTree(c.out());
    }
}
