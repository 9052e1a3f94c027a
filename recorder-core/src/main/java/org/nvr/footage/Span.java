package org.nvr.footage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A half-open time span {@code [start, end)}, with the interval arithmetic the reports need. */
public record Span(Instant start, Instant end) {
    public Span {
        if (end.isBefore(start)) {
            throw new IllegalArgumentException("span ends before it starts: " + start + " > " + end);
        }
    }

    public Duration length() {
        return Duration.between(start, end);
    }

    /** The overlap with {@code other}, zero when they do not overlap. */
    public Duration overlap(Span other) {
        Instant s = start.isAfter(other.start) ? start : other.start;
        Instant e = end.isBefore(other.end) ? end : other.end;
        return e.isAfter(s) ? Duration.between(s, e) : Duration.ZERO;
    }

    /** This span cut to {@code window}, or null when they do not overlap. */
    public Span clip(Span window) {
        Instant s = start.isAfter(window.start) ? start : window.start;
        Instant e = end.isBefore(window.end) ? end : window.end;
        return e.isAfter(s) ? new Span(s, e) : null;
    }

    /** Total length of the union of {@code covered} inside {@code window}. */
    public static Duration covered(List<Span> covered, Span window) {
        Duration total = Duration.ZERO;
        for (Span s : union(covered, window)) {
            total = total.plus(s.length());
        }
        return total;
    }

    /** The union of {@code spans} cut to {@code window}: sorted, disjoint, non-touching. */
    public static List<Span> union(List<Span> spans, Span window) {
        List<Span> sorted = new ArrayList<>();
        for (Span s : spans) {
            Span c = s.clip(window);
            if (c != null) {
                sorted.add(c);
            }
        }
        sorted.sort(Comparator.comparing(Span::start));
        List<Span> out = new ArrayList<>();
        for (Span s : sorted) {
            Span last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (last != null && !s.start.isAfter(last.end)) {
                if (s.end.isAfter(last.end)) {
                    out.set(out.size() - 1, new Span(last.start, s.end));
                }
            } else {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * The parts of {@code window} that {@code covered} leaves open, ignoring holes shorter than
     * {@code tolerance} (timestamp rounding between contiguous pieces is not a hole).
     */
    public static List<Span> holes(List<Span> covered, Span window, Duration tolerance) {
        List<Span> out = new ArrayList<>();
        Instant cursor = window.start;
        for (Span s : union(covered, window)) {
            if (s.start.isAfter(cursor)) {
                add(out, new Span(cursor, s.start), tolerance);
            }
            cursor = s.end;
        }
        if (window.end.isAfter(cursor)) {
            add(out, new Span(cursor, window.end), tolerance);
        }
        return out;
    }

    private static void add(List<Span> out, Span hole, Duration tolerance) {
        if (hole.length().compareTo(tolerance) >= 0) {
            out.add(hole);
        }
    }
}
