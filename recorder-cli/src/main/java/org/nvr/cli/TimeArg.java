package org.nvr.cli;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the times operators type: {@code 2026-11-29T14:05}, {@code 2026-11-29 14:05:30} (the machine's
 * zone), with an offset or {@code Z}, {@code now}, and relative {@code -90s}, {@code -15m}, {@code -2h},
 * {@code -1d}.
 */
public final class TimeArg {
    private static final Pattern RELATIVE = Pattern.compile("-(\\d+)([smhd])");
    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().optionalEnd()
            .toFormatter();

    /** Day-first local time, as Vietnamese operators write it: {@code 29/11/2026 14:05[:30]}. */
    private static final DateTimeFormatter DAY_FIRST = DateTimeFormatter.ofPattern("d/M/uuuu H:mm[:ss]");

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
        String t = text.strip();
        if (dayFirst && t.indexOf('/') > 0) {
            try {
                return LocalDateTime.parse(t, DAY_FIRST.withResolverStyle(java.time.format.ResolverStyle.STRICT))
                        .atZone(zone).toInstant();
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("bad time '" + text + "': use 29/11/2026 14:05, 2026-11-29T14:05,"
                        + " an offset or Z, now, or -90s/-15m/-2h/-1d");
            }
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
        try {
            return LocalDateTime.parse(t, LOCAL).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad time '" + text + "': use 2026-11-29T14:05, '2026-11-29 14:05:30',"
                    + " an offset or Z, now, or -90s/-15m/-2h/-1d");
        }
    }
}
