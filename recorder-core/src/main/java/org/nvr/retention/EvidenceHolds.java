package org.nvr.retention;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import org.nvr.index.IndexWriter;

/**
 * The active evidence holds ({@code locks} rows with {@code released_ms IS NULL}, placed by
 * {@code nvr footage lock} from another process) and the bytes of closed footage they cover, per
 * camera, for {@code nvr_storage_locked_bytes} and for the policy. Retention never relies on this for
 * safety: {@link SegmentDeleter} re-checks the holds inside its mark transaction.
 *
 * <p>Cost: the holds table is read on every pass (it is small); a camera's overlapping holds are merged
 * into spans and each span's bytes are summed by an indexed range query, once when the holds change and
 * again only for spans recent enough to still gain segments. Nothing scans the whole index.
 *
 * <p>Used by the retention thread only (not thread-safe); the totals it publishes are read elsewhere
 * through {@link RetentionEnforcer}.
 */
final class EvidenceHolds {
    private record Hold(long id, String camera, long fromMs, long toMs) {
    }

    /** Merged holds of one camera; {@code previousToMs} is the end of the span before it (or MIN_VALUE). */
    private record Span(String camera, long fromMs, long toMs, long previousToMs) {
    }

    private List<Hold> active = List.of();
    private final Map<Span, Long> spanBytes = new HashMap<>();
    private Map<String, Long> byCamera = Map.of();

    /** Reloads the holds and the bytes they cover. */
    void refresh(IndexWriter index, Instant now) throws IndexException, InterruptedException {
        List<Hold> loaded = await(index.submit(c -> {
            List<Hold> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, camera, from_ms, to_ms FROM locks WHERE released_ms IS NULL ORDER BY id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Hold(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                }
            }
            return out;
        }));
        if (!loaded.equals(active)) {
            active = List.copyOf(loaded);
            spanBytes.clear();
        }
        if (active.isEmpty()) {
            byCamera = Map.of();
            return;
        }
        // A span that ended more than the longest segment ago cannot gain footage: keep its sum.
        long settled = now.toEpochMilli() - FootageQueries.MAX_SEGMENT.toMillis();
        List<Span> spans = spans(active);
        List<Span> stale = spans.stream().filter(s -> !spanBytes.containsKey(s) || s.toMs() > settled).toList();
        if (!stale.isEmpty()) {
            spanBytes.putAll(await(index.submit(c -> {
                Map<Span, Long> out = new HashMap<>();
                // Segments overlapping [from, to); one that also overlaps the previous span is counted there.
                try (PreparedStatement ps = c.prepareStatement("""
                        SELECT COALESCE(SUM(bytes), 0) FROM segments
                        WHERE camera = ? AND state = 'closed' AND start_ms >= ? AND start_ms < ? AND end_ms > ?""")) {
                    for (Span s : stale) {
                        ps.setString(1, s.camera());
                        ps.setLong(2, Math.max(s.fromMs() - FootageQueries.MAX_SEGMENT.toMillis(), s.previousToMs()));
                        ps.setLong(3, s.toMs());
                        ps.setLong(4, s.fromMs());
                        try (ResultSet rs = ps.executeQuery()) {
                            out.put(s, rs.next() ? rs.getLong(1) : 0L);
                        }
                    }
                }
                return out;
            })));
        }
        spanBytes.keySet().retainAll(spans);
        Map<String, Long> sums = new LinkedHashMap<>();
        spanBytes.forEach((span, bytes) -> sums.merge(span.camera(), bytes, Long::sum));
        byCamera = Map.copyOf(sums);
    }

    /** Locked bytes of closed footage per camera (cameras without any are absent). */
    Map<String, Long> byCamera() {
        return byCamera;
    }

    long total() {
        return byCamera.values().stream().mapToLong(Long::longValue).sum();
    }

    private static List<Span> spans(List<Hold> holds) {
        Map<String, List<Hold>> perCamera = new LinkedHashMap<>();
        holds.forEach(h -> perCamera.computeIfAbsent(h.camera(), k -> new ArrayList<>()).add(h));
        List<Span> out = new ArrayList<>();
        for (Map.Entry<String, List<Hold>> e : perCamera.entrySet()) {
            List<Hold> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingLong(Hold::fromMs));
            long from = Long.MIN_VALUE;
            long to = Long.MIN_VALUE;
            long previousTo = Long.MIN_VALUE;
            for (Hold h : sorted) {
                if (from != Long.MIN_VALUE && h.fromMs() <= to) {
                    to = Math.max(to, h.toMs());
                    continue;
                }
                if (from != Long.MIN_VALUE) {
                    out.add(new Span(e.getKey(), from, to, previousTo));
                    previousTo = to;
                }
                from = h.fromMs();
                to = h.toMs();
            }
            out.add(new Span(e.getKey(), from, to, previousTo));
        }
        return out;
    }

    private static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws IndexException, InterruptedException {
        try {
            return f.get(SegmentDeleter.INDEX_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IndexException("cannot read evidence holds: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IndexException("index did not answer within " + SegmentDeleter.INDEX_WAIT_SECONDS + " s", e);
        }
    }
}
