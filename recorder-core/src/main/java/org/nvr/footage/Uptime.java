package org.nvr.footage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvr.index.FootageQueries;
import org.nvr.index.RunRow;

/**
 * Availability of cameras over a window, from the recording runs the recorder wrote down.
 *
 * <ul>
 *   <li><b>up</b>: time covered by recording runs (a run still going on reaches to {@code now});
 *       {@code up_ratio} is up time over the window, which ends at {@code now} at the latest.</li>
 *   <li><b>outages</b>: the spans of the window no run covers (at least {@link FootageGaps#TOLERANCE}
 *       long), each with the reason the recorder noted (see {@link Gap}). Time when the recorder itself
 *       was not running counts too ({@code shutdown}, {@code crash}, {@code unknown}): a camera nobody
 *       recorded was not available.</li>
 *   <li><b>recorded</b>: seconds of footage still indexed for the window (less than up time when
 *       retention has already removed some).</li>
 * </ul>
 * A site's figures add its cameras' up time, windows, footage and outages; its ratio is therefore the
 * mean of its cameras' ratios.
 *
 * <p>Stateless; runs its queries on the caller's connection, on the caller's thread.
 */
public final class Uptime {
    /** How many reasons a report lists, longest total first. */
    public static final int TOP_REASONS = 3;

    /** Total time and count of the outages that had one reason. */
    public record ReasonTotal(String reason, int outages, Duration total) {
    }

    /** One camera's figures over {@code window}. */
    public record CameraUptime(String site, String camera, Span window, Duration up, Duration recorded,
                               List<Gap> outages, List<ReasonTotal> reasons) {
        public double upRatio() {
            return ratio(up, window.length());
        }

        public Duration longestOutage() {
            return outages.stream().map(Gap::length).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        }
    }

    /** One site's figures: the sum of its cameras'. */
    public record SiteUptime(String site, List<CameraUptime> cameras) {
        public Duration up() {
            return cameras.stream().map(CameraUptime::up).reduce(Duration.ZERO, Duration::plus);
        }

        public Duration windows() {
            return cameras.stream().map(c -> c.window().length()).reduce(Duration.ZERO, Duration::plus);
        }

        public double upRatio() {
            return ratio(up(), windows());
        }

        public Duration recorded() {
            return cameras.stream().map(CameraUptime::recorded).reduce(Duration.ZERO, Duration::plus);
        }

        public int outages() {
            return cameras.stream().mapToInt(c -> c.outages().size()).sum();
        }

        public Duration longestOutage() {
            return cameras.stream().map(CameraUptime::longestOutage).max(Comparator.naturalOrder()).orElse(Duration.ZERO);
        }

        public List<ReasonTotal> reasons() {
            List<Gap> all = new ArrayList<>();
            cameras.forEach(c -> all.addAll(c.outages()));
            return topReasons(all);
        }
    }

    private Uptime() {
    }

    /** One camera over {@code [from, to)}, cut at {@code now}. */
    public static CameraUptime camera(Connection c, String site, String camera, Instant from, Instant to, Instant now)
            throws SQLException {
        Instant end = to.isAfter(now) ? now : to;
        if (end.isBefore(from)) {
            end = from;
        }
        Span window = new Span(from, end);
        FootageQueries q = FootageQueries.over(c);
        Instant lookFrom = from.minus(Duration.ofDays(1));
        List<RunRow> runs = q.runs(camera, lookFrom, end);
        List<Span> covered = new ArrayList<>();
        for (RunRow r : runs) {
            Instant e = r.end() != null ? r.end() : (now.isAfter(r.start()) ? now : r.start());
            covered.add(new Span(r.start(), e));
        }
        Duration up = Span.covered(covered, window);
        Instant first = q.firstActivity(camera).orElse(null);
        GapReasons reasons = new GapReasons(q.outages(camera, lookFrom, end), runs, now, first);
        List<Gap> outages = new ArrayList<>();
        for (Span hole : Span.holes(covered, window, FootageGaps.TOLERANCE)) {
            // the time before the recorder first ran is one outage of its own, not part of the first real one
            for (Span piece : FootageGaps.cut(hole, List.of(), first, now)) {
                outages.add(reasons.explain(camera, piece, true));
            }
        }
        return new CameraUptime(site, camera, window, up, recorded(c, camera, window, now), outages,
                topReasons(outages));
    }

    /** Seconds of indexed footage inside {@code window}: one aggregate over the (camera, start) index. */
    static Duration recorded(Connection c, String camera, Span window, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT COALESCE(SUM(MIN(COALESCE(end_ms, ?), ?) - MAX(start_ms, ?)), 0) FROM segments
                 WHERE camera = ? AND start_ms >= ? AND start_ms < ? AND COALESCE(end_ms, ?) > ?
                   AND state != 'deleting'""")) {
            long from = window.start().toEpochMilli();
            long to = window.end().toEpochMilli();
            long nowMs = now.toEpochMilli();
            ps.setLong(1, nowMs);
            ps.setLong(2, to);
            ps.setLong(3, from);
            ps.setString(4, camera);
            ps.setLong(5, from - FootageQueries.MAX_SEGMENT.toMillis());
            ps.setLong(6, to);
            ps.setLong(7, nowMs);
            ps.setLong(8, from);
            try (ResultSet rs = ps.executeQuery()) {
                return Duration.ofMillis(rs.next() ? Math.max(0, rs.getLong(1)) : 0);
            }
        }
    }

    static List<ReasonTotal> topReasons(List<Gap> outages) {
        Map<String, List<Gap>> by = new LinkedHashMap<>();
        for (Gap g : outages) {
            by.computeIfAbsent(g.reason(), k -> new ArrayList<>()).add(g);
        }
        List<ReasonTotal> totals = new ArrayList<>();
        by.forEach((reason, gaps) -> totals.add(new ReasonTotal(reason, gaps.size(),
                gaps.stream().map(Gap::length).reduce(Duration.ZERO, Duration::plus))));
        totals.sort(Comparator.comparing(ReasonTotal::total).reversed().thenComparing(ReasonTotal::reason));
        return totals.size() > TOP_REASONS ? List.copyOf(totals.subList(0, TOP_REASONS)) : List.copyOf(totals);
    }

    static double ratio(Duration part, Duration whole) {
        // in seconds with their fraction: a window shorter than a millisecond would otherwise be 0/0
        double w = whole.getSeconds() + whole.getNano() / 1e9;
        return w <= 0 ? 0.0 : (part.getSeconds() + part.getNano() / 1e9) / w;
    }
}
