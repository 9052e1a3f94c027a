package org.nvr.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Human byte sizes as written in the configuration and on the command line: {@code 500MB},
 * {@code 1.5TB} (powers of 1000), {@code 512MiB}, {@code 2GiB} (powers of 1024), or a plain number
 * of bytes. Units are case-insensitive and may be separated from the number by spaces. Stateless;
 * safe from any thread.
 */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?|\\.\\d+)\\s*([A-Za-z]*)");
    private static final Map<String, Long> UNITS = Map.of(
            "", 1L, "b", 1L,
            "kb", 1_000L, "mb", 1_000_000L, "gb", 1_000_000_000L, "tb", 1_000_000_000_000L,
            "kib", 1L << 10, "mib", 1L << 20, "gib", 1L << 30, "tib", 1L << 40);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final String[] FORMAT_UNITS = {"B", "KB", "MB", "GB", "TB", "PB", "EB"};
    private static final String EXPECTED = "expected a number of bytes with an optional unit "
            + "B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 500MB or 2GiB";

    private ByteSize() {
    }

    /**
     * Parses a size into whole bytes (fractions are rounded half up).
     *
     * @throws IllegalArgumentException when the text is not a size, or is zero, negative or too large
     */
    public static long parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size: " + EXPECTED);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("-")) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": must be greater than zero");
        }
        Matcher m = SIZE.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": " + EXPECTED);
        }
        Long multiplier = UNITS.get(m.group(2).toLowerCase(Locale.ROOT));
        if (multiplier == null) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": unknown unit; " + EXPECTED);
        }
        BigDecimal bytes = new BigDecimal(m.group(1))
                .multiply(BigDecimal.valueOf(multiplier))
                .setScale(0, RoundingMode.HALF_UP);
        if (bytes.signum() == 0) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": must be greater than zero");
        }
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("invalid size \"" + text + "\": too large");
        }
        return bytes.longValueExact();
    }

    /** Formats bytes for people with decimal units and at most one decimal: {@code 1.5 GB}, {@code 999 B}. */
    public static String format(long bytes) {
        BigDecimal value = BigDecimal.valueOf(bytes).abs();
        int unit = 0;
        while (unit < FORMAT_UNITS.length - 1 && oneDecimal(value).compareTo(THOUSAND) >= 0) {
            value = value.movePointLeft(3);
            unit++;
        }
        BigDecimal rounded = oneDecimal(value).stripTrailingZeros();
        return (bytes < 0 ? "-" : "") + rounded.toPlainString() + " " + FORMAT_UNITS[unit];
    }

    private static BigDecimal oneDecimal(BigDecimal value) {
        return value.setScale(1, RoundingMode.HALF_UP);
    }
}
