package org.nvr.footage;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the times operators type: {@code 2026-11-29T14:05}, {@code 2026-11-29 14:05:30} (the machine's
 * zone), with an offset or {@code Z}, {@code now}, and relative {@code -90s}, {@code -15m}, {@code -2h},
 * {@code -1d}. Dates are read strictly ({@code 2026-02-30} is an error, not Feb 28) and times must lie in
 * the years 0000 to 9999, so that no later arithmetic on them can overflow.
 */
public final class TimeArg {
    private static final Pattern RELATIVE = Pattern.compile("-(\\d+)([smhd])");
    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");
    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().optionalEnd()
            .toFormatter().withResolverStyle(ResolverStyle.STRICT);

    /** Day-first local time, as Vietnamese operators write it: {@code 29/11/2026 14:05[:30]}. */
    private static final DateTimeFormatter DAY_FIRST = DateTimeFormatter.ofPattern("d/M/uuuu H:mm[:ss]")
            .withResolverStyle(ResolverStyle.STRICT);

    private TimeArg() {
    }

    /** @throws IllegalArgumentException naming the text and the accepted forms */
    public static Instant parse(String text, Clock clock, ZoneId zone) {
        return parse(text, clock, zone, false);
    }

    /**
     * As {@link #parse(String, Clock, ZoneId)}; with {@code dayFirst} (Vietnamese) also
     * {@code 29/11/2026 14:05} in the machine's zone.
     */
    public static Instant parse(String text, Clock clock, ZoneId zone, boolean dayFirst) {
        Instant at;
        try {
            at = parseUnbounded(text.strip(), clock, zone, dayFirst);
        } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
            // DateTimeException includes DateTimeParseException; the others are a relative time too large
            at = null;
        }
        if (at == null || at.isBefore(EARLIEST) || at.isAfter(LATEST)) {
            throw new IllegalArgumentException("bad time '" + text + "': use "
                    + (dayFirst ? "29/11/2026 14:05, " : "") + "2026-11-29T14:05, '2026-11-29 14:05:30',"
                    + " an offset or Z, now, or -90s/-15m/-2h/-1d (years 0000 to 9999)");
        }
        return at;
    }

    /**
     * The instant {@code t} names, not yet checked against the accepted years.
     *
     * @throws DateTimeException if it has none of the accepted forms or names no real date
     * @throws ArithmeticException if a relative time is too large
     */
    private static Instant parseUnbounded(String t, Clock clock, ZoneId zone, boolean dayFirst) {
        if (dayFirst && t.indexOf('/') > 0) {
            return LocalDateTime.parse(t, DAY_FIRST).atZone(zone).toInstant();
        }
        if (t.equalsIgnoreCase("now")) {
            return clock.instant();
        }
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return clock.instant().minus(d);
        }
        String iso = t.replace(' ', 'T');
        try {
            return OffsetDateTime.parse(iso).toInstant();
        } catch (DateTimeParseException ignored) {
            // no offset: local time below
        }
        return LocalDateTime.parse(t, LOCAL).atZone(zone).toInstant();
    }
}
