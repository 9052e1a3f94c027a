package org.nvr.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human durations as written in the configuration and on the command line: {@code 90s},
 * {@code 15m}, {@code 12h}, {@code 30d}, {@code 500ms}, and combinations from the largest unit down
 * such as {@code 1h30m} or {@code 1d 12h}. Units are lowercase ({@code m} is minutes). Stateless;
 * safe from any thread.
 */
public final class DurationText {
    private static final Pattern PART = Pattern.compile("\\G\\s*(\\d+)\\s*(ms|d|h|m|s)");
    private static final String[] UNITS = {"d", "h", "m", "s", "ms"};
    private static final long[] MILLIS = {86_400_000L, 3_600_000L, 60_000L, 1_000L, 1L};
    private static final String EXPECTED =
            "expected a whole number with a unit ms, s, m, h or d, e.g. 90s, 15m, 12h, 30d or 1h30m";

    private DurationText() {
    }

    /**
     * Parses a positive duration.
     *
     * @throws IllegalArgumentException when the text is not a duration, or is zero or too large
     */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration: " + EXPECTED);
        }
        String trimmed = text.strip();
        Matcher m = PART.matcher(trimmed);
        long total = 0;
        int end = 0;
        int lastUnit = -1;
        while (m.find()) {
            int unit = unitIndex(m.group(2));
            if (unit <= lastUnit) {
                throw new IllegalArgumentException("invalid duration \"" + text
                        + "\": write each unit once, largest first, e.g. 1h30m");
            }
            lastUnit = unit;
            total = add(text, total, m.group(1), MILLIS[unit]);
            end = m.end();
        }
        if (end == 0 || end != trimmed.length()) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": " + EXPECTED);
        }
        if (total == 0) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": must be greater than zero");
        }
        return Duration.ofMillis(total);
    }

    /** Formats a duration the way {@link #parse} reads it, e.g. {@code 1h30m}, {@code 30d}, {@code 0s}. */
    public static String format(Duration duration) {
        if (duration.isNegative()) {
            return "-" + format(duration.negated());
        }
        long rest = duration.toMillis();
        if (rest == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < UNITS.length; i++) {
            long count = rest / MILLIS[i];
            if (count > 0) {
                out.append(count).append(UNITS[i]);
                rest -= count * MILLIS[i];
            }
        }
        return out.toString();
    }

    private static int unitIndex(String unit) {
        for (int i = 0; i < UNITS.length; i++) {
            if (UNITS[i].equals(unit)) {
                return i;
            }
        }
        throw new IllegalStateException(unit);
    }

    private static long add(String text, long total, String digits, long unitMillis) {
        try {
            return Math.addExact(total, Math.multiplyExact(Long.parseLong(digits), unitMillis));
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("invalid duration \"" + text + "\": too large");
        }
    }
}
