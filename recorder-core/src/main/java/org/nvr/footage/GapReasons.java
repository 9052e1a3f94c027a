package org.nvr.footage;

import java.time.Duration;
import java.util.List;
import org.nvr.index.OutageRow;
import org.nvr.index.RunRow;

/**
 * Says why a camera has no footage in a span, from what the recorder wrote down at the time: a span
 * before the recorder first did anything for the camera is {@link #NOT_RECORDING_YET}; else the outage
 * that overlaps the span most; else, when a recording run covers the span, the footage was removed
 * later ({@code deleted}); else how the run before the span ended ({@code shutdown}, {@code crash});
 * else {@code unknown}. Callers cut holes at the first activity, so no span straddles it.
 *
 * <p>Immutable; thread-safe.
 */
final class GapReasons {
    /** The reason of time before the recorder first ran for a camera (or ever, if it never has). */
    static final String NOT_RECORDING_YET = "not_recording_yet";

    private final List<OutageRow> outages;
    private final List<RunRow> runs;
    private final java.time.Instant now;
    private final java.time.Instant firstActivity;

    /** @param firstActivity when the recorder first did anything for the camera; null if never */
    GapReasons(List<OutageRow> outages, List<RunRow> runs, java.time.Instant now, java.time.Instant firstActivity) {
        this.outages = outages;
        this.runs = runs;
        this.now = now;
        this.firstActivity = firstActivity;
    }

    Gap explain(String camera, Span hole, boolean runsCountAsFootage) {
        if (firstActivity == null || !hole.end().isAfter(firstActivity)) {
            return new Gap(camera, hole.start(), hole.end(), NOT_RECORDING_YET, null);
        }
        OutageRow best = null;
        Duration bestOverlap = Duration.ZERO;
        for (OutageRow o : outages) {
            Duration d = hole.overlap(new Span(o.start(), o.end() == null ? max(now, o.start()) : o.end()));
            if (d.compareTo(bestOverlap) > 0) {
                best = o;
                bestOverlap = d;
            }
        }
        if (best != null) {
            return new Gap(camera, hole.start(), hole.end(), best.reason(), best.detail());
        }
        RunRow previous = null;
        for (RunRow r : runs) {
            Span run = new Span(r.start(), r.end() == null ? max(now, r.start()) : r.end());
            if (!runsCountAsFootage && hole.overlap(run).compareTo(hole.length().dividedBy(2)) > 0) {
                return new Gap(camera, hole.start(), hole.end(), "deleted", null);
            }
            if (!r.start().isAfter(hole.start())) {
                previous = r;
            }
        }
        if (previous != null && previous.end() != null && previous.endReason() != null
                && (previous.endReason().equals("shutdown") || previous.endReason().equals("crash"))) {
            return new Gap(camera, hole.start(), hole.end(), previous.endReason(), null);
        }
        return new Gap(camera, hole.start(), hole.end(), "unknown", null);
    }

    private static java.time.Instant max(java.time.Instant a, java.time.Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
