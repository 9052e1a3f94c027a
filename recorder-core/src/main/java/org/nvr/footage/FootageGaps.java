package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;
import org.nvr.index.SegmentRow;
import org.nvr.index.SegmentState;

/**
 * Where a camera has no footage in a range, and why. Footage is every indexed segment (an open one
 * reaches to {@code now}, it is still being written); nothing after {@code now} counts as a gap. Holes
 * shorter than {@link #TOLERANCE} are timestamp rounding between contiguous segments, not gaps.
 *
 * <p>Stateless; runs its queries on the caller's connection, on the caller's thread.
 */
public final class FootageGaps {
    /** Consecutive segments of a run meet to the millisecond; a reconnect takes at least a second. */
    public static final Duration TOLERANCE = Duration.ofMillis(500);

    private FootageGaps() {
    }

    /** Gaps of {@code camera} in {@code [from, to)}, cut at {@code now}, oldest first. */
    public static List<Gap> find(Connection c, String camera, Instant from, Instant to, Instant now)
            throws SQLException {
        FootageQueries q = FootageQueries.over(c);
        return find(q.segments(camera, from, to), q, camera, from, to, now);
    }

    /** As {@link #find(Connection, String, Instant, Instant, Instant)} over segments already read. */
    public static List<Gap> find(List<SegmentRow> segments, FootageQueries q, String camera, Instant from, Instant to,
                                 Instant now) throws SQLException {
        Instant end = to.isAfter(now) ? now : to;
        if (!end.isAfter(from)) {
            return List.of();
        }
        Span window = new Span(from, end);
        List<Span> covered = new ArrayList<>();
        for (SegmentRow s : segments) {
            Instant e = s.end() != null ? s.end() : (now.isAfter(s.start()) ? now : s.start());
            if (s.state() != SegmentState.DELETING) {
                covered.add(new Span(s.start(), e));
            }
        }
        List<Span> holes = Span.holes(covered, window, TOLERANCE);
        if (holes.isEmpty()) {
            return List.of();
        }
        // Reasons come from what happened around the holes; look a little wider than the range for the
        // run that ended just before it.
        Instant lookFrom = from.minus(Duration.ofDays(1));
        List<RunRow> runs = q.runs(camera, lookFrom, end);
        Instant first = q.firstActivity(camera).orElse(null);
        GapReasons reasons = new GapReasons(q.outages(camera, lookFrom, end), runs, now, first);
        List<Gap> gaps = new ArrayList<>();
        for (Span h : holes) {
            // A hole can hold several stories (the recorder was stopped, then recorded footage that
            // retention removed since): cut it where runs start or end, explain each piece, and join
            // neighbours that have the same explanation.
            for (Span piece : cut(h, runs, first, now)) {
                Gap g = reasons.explain(camera, piece, false);
                Gap last = gaps.isEmpty() ? null : gaps.get(gaps.size() - 1);
                if (last != null && last.end().equals(g.start()) && last.reason().equals(g.reason())
                        && java.util.Objects.equals(last.detail(), g.detail())) {
                    gaps.set(gaps.size() - 1, new Gap(camera, last.start(), g.end(), g.reason(), g.detail()));
                } else {
                    gaps.add(g);
                }
            }
        }
        return gaps;
    }

    /** {@code hole} cut where runs start or end and where the recorder first did anything for the camera. */
    static List<Span> cut(Span hole, List<RunRow> runs, Instant firstActivity, Instant now) {
        java.util.TreeSet<Instant> cuts = new java.util.TreeSet<>();
        if (firstActivity != null) {
            cuts.add(firstActivity);
        }
        for (RunRow r : runs) {
            cuts.add(r.start());
            cuts.add(r.end() != null ? r.end() : now);
        }
        List<Span> pieces = new ArrayList<>();
        Instant from = hole.start();
        for (Instant c : cuts.subSet(hole.start(), false, hole.end(), false)) {
            if (Duration.between(from, c).compareTo(TOLERANCE) >= 0
                    && Duration.between(c, hole.end()).compareTo(TOLERANCE) >= 0) {
                pieces.add(new Span(from, c));
                from = c;
            }
        }
        pieces.add(new Span(from, hole.end()));
        return pieces;
    }
}
