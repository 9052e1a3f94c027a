package org.nvr.replication;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.config.ReplicationConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.metrics.RecorderMetrics;
import org.nvr.retention.SegmentDeleter;
import org.nvr.store.SegmentPaths;

/**
 * The replication meters under their Prometheus names, scraped from the recorder's registry: pending
 * objects and bytes and the oldest one's time, failures by reason (a bucket nobody answers for), and
 * copy-all segments retention deleted before they were copied.
 */
class ReplicationMetricsTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @TempDir
    Path root;

    @Test
    void pendingFailuresAndDroppedAreScraped() throws Exception {
        try (IndexWriter index = IndexWriter.open(root.resolve("index.db")); RecorderMetrics metrics = new RecorderMetrics()) {
            new ReplicationQueue(index).configure(true, List.of("c2"));
            long held = segment(index, "c1", T0, 1000);
            long all = segment(index, "c2", T0, 500);
            index.submit(c -> EvidenceLog.hold(c, "s1", "c1", T0, T0.plusSeconds(10), "r", "u", T0)).get();
            new SegmentDeleter(root, index).delete(List.of(new SegmentDeleter.Target(all, "s1", "c2",
                    SegmentPaths.newSegment(root, "s1", "c2", T0), T0, 500)));
            ReplicationConfig nobody = new ReplicationConfig(URI.create("http://127.0.0.1:1"), "evidence", "us-east-1",
                    "ak", "sk-not-used", "", ReplicationConfig.Copy.ALL, List.of("c2"), OptionalLong.empty(),
                    Optional.empty());
            ReplicatorS3Test.MutableClock clock = new ReplicatorS3Test.MutableClock(T0);
            try (Replicator r = new Replicator(nobody, root, index, clock, clock::advance, new Random(1),
                    metrics.registry(), Replicator.DEFAULT_PART_SIZE)) {
                assertTrue(r.runOnce());
                System.gc(); // a function counter's object is held weakly: it must outlive a collection
                String scrape = metrics.scrape();
                assertTrue(scrape.contains("nvr_replication_pending_objects 1.0"), scrape);
                assertTrue(scrape.contains("nvr_replication_pending_bytes 1000.0"), scrape);
                assertTrue(scrape.matches("(?s).*\\nnvr_replication_oldest_pending_timestamp_seconds \\d\\.\\d+E9\\n.*"), scrape);
                assertTrue(scrape.contains("nvr_replication_failures_total{reason=\"network\"} 1.0"), scrape);
                assertTrue(scrape.contains("nvr_replication_dropped_total 1.0"), scrape);
                assertTrue(scrape.contains("nvr_replication_uploaded_bytes_total 0.0"), scrape);
                assertTrue(held > 0);
            }
        }
    }

    private long segment(IndexWriter index, String camera, Instant start, int size) throws Exception {
        String rel = SegmentPaths.newSegment(root, "s1", camera, start);
        Path file = root.resolve(rel);
        SegmentPaths.createParents(root, file);
        Files.write(file, new byte[size]);
        long id = index.openSegment(null, "s1", camera, rel, start, "h264", 320, 240, null).get();
        index.closeSegment(id, start.plusSeconds(10), Duration.ofSeconds(10), size,
                10L, org.nvr.store.SegmentFinisher.sha256(file)).get();
        return id;
    }
}
