package org.nvr.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.NvrConfig;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;
import org.nvr.sim.RtspCameraSimulator;
import org.nvr.sim.SyntheticClip;
import org.nvr.testing.MediaProbe;
import org.nvr.testing.Poll;
import org.nvr.testing.S3ProxyServer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The daemon with {@code replication:}: a simulated camera records, a hold is placed, and the held
 * segments (those closed already and the next one closing inside the hold) reach a real S3 API server
 * (S3Proxy) by themselves, each object the segment's bytes (SHA-256 equal to the index's) and a playable
 * MP4.
 */
class ReplicationDaemonTest {
    static final Duration SEGMENT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    @Test
    void heldSegmentsReachTheBucketWhileRecording() throws Exception {
        try (RtspCameraSimulator sim = new RtspCameraSimulator();
             S3ProxyServer server = S3ProxyServer.start(dir.resolve("s3"));
             S3Client s3 = S3Client.builder().endpointOverride(server.endpoint()).region(Region.US_EAST_1)
                     .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(
                             AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                     .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                     .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                     .httpClient(UrlConnectionHttpClient.create()).build()) {
            s3.createBucket(b -> b.bucket("evidence"));
            sim.addCamera("a", SyntheticClip.generate(320, 240, 25, 25, 50, 300_000));
            sim.start();
            Path root = dir.resolve("nvr");
            NvrConfig plain = TestCameras.config(root, SEGMENT, TestCameras.camera("a", "site", sim.url("a")));
            NvrConfig config = new NvrConfig(plain.storage(), plain.metrics(), plain.sites(), Optional.empty(),
                    Optional.of(new ReplicationConfig(server.endpoint(), "evidence", "us-east-1", S3ProxyServer.ACCESS_KEY,
                            S3ProxyServer.SECRET_KEY, "xa/", ReplicationConfig.Copy.HOLDS, List.of(),
                            OptionalLong.empty(), Optional.empty())));
            try (Recorder recorder = Recorder.start(config, Recorder.Options.defaults())) {
                Poll.until(Duration.ofSeconds(30), "two closed segments", () -> closed(root).size() >= 2);
                Instant from = closed(root).get(0).start();
                recorder.index().submit(c -> EvidenceLog.hold(c, "site", "a", from, Instant.now().plusSeconds(30),
                        "vụ 7", "test", Instant.now())).get();
                int heldNow = closed(root).size();
                Poll.until(Duration.ofSeconds(60), "more held segments copied than were closed at the hold", () ->
                        s3.listObjectsV2(b -> b.bucket("evidence").prefix("xa/site/a/")).contents().stream()
                                .filter(o -> !o.key().endsWith("/")).count() > heldNow);
            }
            List<SegmentRow> rows = closed(root);
            int checked = 0;
            for (SegmentRow row : rows) {
                String key = "xa/site/a/" + Path.of(row.path()).getFileName();
                if (s3.listObjectsV2(b -> b.bucket("evidence").prefix(key)).contents().isEmpty()) {
                    continue;
                }
                Path copy = dir.resolve("copy-" + checked + ".mp4");
                try (InputStream in = s3.getObject(b -> b.bucket("evidence").key(key))) {
                    Files.copy(in, copy);
                }
                assertEquals(row.sha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(copy))), key);
                assertEquals(row.sha256(), s3.headObject(b -> b.bucket("evidence").key(key)).metadata().get("sha256"));
                // every picture the index counts, from the copy (the last segment, closed when the recorder
                // stopped, may be far shorter than the others: CI once copied one of under 10 pictures)
                long pictures = MediaProbe.videoPackets(copy).size();
                assertTrue(pictures > 0, key + " decodes");
                assertEquals(row.frames(), pictures, key + ": the pictures the index counts");
                checked++;
            }
            assertTrue(checked >= 3, "checked " + checked);
        }
    }

    private static List<SegmentRow> closed(Path root) {
        try (FootageQueries q = FootageQueries.open(root.resolve("index.db"))) {
            return q.segments("a", Instant.EPOCH, Instant.now().plusSeconds(60)).stream()
                    .filter(s -> s.state() == SegmentState.CLOSED).toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
