package org.nvr.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.nvr.retention.SegmentDeleter;
import org.nvr.store.SegmentPaths;

/**
 * The queue in the real index: what a hold, a segment closed inside one, an export and {@code copy: all}
 * put in it, and what retention may then delete.
 */
class ReplicationQueueTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");
    static final Duration SEG = Duration.ofSeconds(10);

    @TempDir
    Path root;
    IndexWriter index;
    ReplicationQueue queue;

    @BeforeEach
    void open() throws Exception {
        index = IndexWriter.open(root.resolve("index.db"));
        queue = new ReplicationQueue(index);
    }

    @AfterEach
    void close() {
        index.close();
    }

    @Test
    void nothingIsQueuedWhileReplicationIsOff() throws Exception {
        segments("c1", 3);
        hold("c1", T0, T0.plus(SEG.multipliedBy(3)));
        assertEquals(List.of(), rows());
    }

    @Test
    void aHoldQueuesItsSegmentsAndThoseClosingLaterInsideIt() throws Exception {
        List<Long> ids = segments("c1", 3);
        segments("c2", 1);
        assertEquals(0, queue.configure(true, List.of()));
        hold("c1", T0.plus(SEG), T0.plus(Duration.ofHours(1)));
        assertEquals(List.of("segment c1 " + path(ids.get(1)) + " held pending", "segment c1 " + path(ids.get(2))
                + " held pending"), rows());

        long later = segment("c1", T0.plus(SEG.multipliedBy(3)));
        segment("c1", T0.plus(Duration.ofHours(2))); // after the hold: not queued
        assertEquals(4 - 1, rows().size());
        assertTrue(rows().contains("segment c1 " + path(later) + " held pending"));
    }

    @Test
    void configureQueuesWhatHoldsPlacedWhileOffCover() throws Exception {
        segments("c1", 2);
        hold("c1", T0, T0.plus(SEG));
        assertEquals(1, queue.configure(true, List.of()));
        assertEquals(0, queue.configure(true, List.of()), "queued once");
    }

    @Test
    void anExportQueuesTheFileAndItsManifest() throws Exception {
        queue.configure(true, List.of());
        index.submit(c -> EvidenceLog.audit(c, new AuditEntry(null, T0, "u", "export", "s1", "c1", T0, T0.plus(SEG),
                "case 12", "/x/out.mp4", "ab", null))).get();
        assertEquals(List.of("export c1 /x/out.mp4 held pending", "manifest c1 /x/out.mp4.json held pending"), rows());
    }

    @Test
    void aReleasedHoldKeepsItsFootageUntilTheCopyIsVerified() throws Exception {
        queue.configure(true, List.of());
        List<Long> ids = segments("c1", 2);
        long hold = hold("c1", T0, T0.plus(SEG.multipliedBy(2)));
        release(hold);
        SegmentDeleter deleter = new SegmentDeleter(root, index);
        assertEquals(0, deleter.delete(targets(ids)).size(), "pending copies keep their footage");

        QueueItem first = queue.next(T0).orElseThrow();
        queue.done(first.id(), "k", 1, T0);
        assertEquals(1, deleter.delete(targets(ids)).size(), "a verified copy lets its footage go");
    }

    @Test
    void copyAllGivesWayToRetentionAndCountsWhatItDropped() throws Exception {
        queue.configure(true, List.of("c2"));
        List<Long> ids = segments("c2", 2);
        segments("c1", 1); // not copied
        assertEquals(List.of("segment c2 " + path(ids.get(0)) + " unheld pending",
                "segment c2 " + path(ids.get(1)) + " unheld pending"), rows());
        assertEquals(2, new SegmentDeleter(root, index).delete(targets(ids)).size());
        ReplicationStatus status = queue.status();
        assertEquals(0, status.pendingObjects());
        assertEquals(2, status.droppedObjects());
    }

    @Test
    void aHoldOverACopyAllSegmentAlreadyCopiedQueuesItAgainToBeLocked() throws Exception {
        queue.configure(true, List.of("c1"));
        List<Long> ids = segments("c1", 2);
        queue.done(queue.next(T0).orElseThrow().id(), "k0", 1000, T0);
        queue.done(queue.next(T0).orElseThrow().id(), "k1", 1000, T0);
        hold("c1", T0, T0.plus(SEG)); // by the trigger
        assertEquals(List.of("segment c1 " + path(ids.get(0)) + " held pending",
                "segment c1 " + path(ids.get(1)) + " unheld done"), rows());

        queue.configure(false, List.of("c1"));
        hold("c1", T0.plus(SEG), T0.plus(SEG.multipliedBy(2))); // placed while replication was off
        assertEquals(1, queue.configure(true, List.of("c1")));
        assertEquals(List.of("segment c1 " + path(ids.get(0)) + " held pending",
                "segment c1 " + path(ids.get(1)) + " held pending"), rows());
    }

    // ---- helpers --------------------------------------------------------------------------------

    private List<Long> segments(String camera, int n) throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(segment(camera, T0.plus(SEG.multipliedBy(i))));
        }
        return ids;
    }

    private long segment(String camera, Instant start) throws Exception {
        String rel = SegmentPaths.newSegment(root, "s1", camera, start);
        Path file = root.resolve(rel);
        SegmentPaths.createParents(root, file);
        Files.write(file, new byte[1000]);
        long id = index.openSegment(null, "s1", camera, rel, start, "h264", 320, 240, null).get();
        index.closeSegment(id, start.plus(SEG), SEG, 1000, 10L, "00").get();
        return id;
    }

    private String path(long id) throws Exception {
        return index.submit(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT path FROM segments WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getString(1);
                }
            }
        }).get();
    }

    private List<SegmentDeleter.Target> targets(List<Long> ids) throws Exception {
        List<SegmentDeleter.Target> out = new ArrayList<>();
        for (long id : ids) {
            out.add(new SegmentDeleter.Target(id, "s1", "c", path(id), T0, 1000));
        }
        return out;
    }

    private long hold(String camera, Instant from, Instant to) throws Exception {
        return index.submit(c -> EvidenceLog.hold(c, "s1", camera, from, to, "r", "u", T0)).get().id();
    }

    private void release(long id) throws Exception {
        index.submit(c -> EvidenceLog.releaseOne(c, id, "u", T0)).get();
    }

    private List<String> rows() throws Exception {
        return index.submit(ReplicationQueueTest::rows).get();
    }

    static List<String> rows(Connection c) throws java.sql.SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT kind, camera, path, held, state FROM replication_queue ORDER BY id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " "
                        + (rs.getInt(4) == 1 ? "held" : "unheld") + " " + rs.getString(5));
            }
        }
        return out;
    }
}
