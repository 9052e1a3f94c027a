package org.nvr.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.nvr.footage.JsonText;

/** Tables for people (in the operator's language, see {@link Texts}) and JSON for scripts ({@link JsonText}, as the web API sends it), with times in the machine's zone. */
final class Output {
    private final ZoneId zone;

    Output(ZoneId zone) {
        this.zone = zone;
    }

    /** ISO-8601 with the zone's offset, as the contract's JSON requires; null stays null. */
    String iso(Instant t) {
        return JsonText.iso(t, zone);
    }

    /** A time for a table: day-first in Vietnamese, {@code yyyy-MM-dd HH:mm:ss} otherwise. */
    String table(Instant t) {
        return Texts.current().time(t, zone);
    }

    ZoneId zone() {
        return zone;
    }

    static String duration(Duration d) {
        return Texts.current().duration(d);
    }

    /** Seconds with millisecond precision, for JSON. */
    static Double seconds(Duration d) {
        return JsonText.seconds(d);
    }

    /**
     * {@code text} safe to print on a terminal: control characters (C0, DEL, C1), line and paragraph
     * separators and bidirectional overrides are shown as visible escapes ({@code \n}, {@code \x1b}, or
     * a backslash, {@code u} and four hex digits), so text an operator or a camera supplied (a reason, a
     * name, an error) can neither draw fake rows nor send escape sequences to the terminal. JSON output
     * keeps text exact instead (Jackson escapes it). Null stays null.
     */
    static String printable(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String escape = escape(c);
            if (escape != null && sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (sb != null) {
                sb.append(escape != null ? escape : String.valueOf(c));
            }
        }
        return sb == null ? text : sb.toString();
    }

    private static String escape(char c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> {
                if (c < 0x20 || c == 0x7f) {
                    yield String.format("\\x%02x", (int) c);
                }
                if ((c >= 0x80 && c <= 0x9f) || c == '\u2028' || c == '\u2029' || (c >= '\u202a' && c <= '\u202e')
                        || (c >= '\u2066' && c <= '\u2069') || c == '\u200e' || c == '\u200f' || c == '\u061c') {
                    yield String.format("\\u%04x", (int) c);
                }
                yield null;
            }
        };
    }

    static void json(PrintWriter out, Object value) {
        out.println(JsonText.write(value));
        out.flush();
    }

    /** A plain text table with left-aligned columns; every cell is {@link #printable}. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        Table row(Object... cells) {
            String[] r = new String[cells.length];
            for (int i = 0; i < cells.length; i++) {
                r[i] = cells[i] == null ? "-" : printable(cells[i].toString());
            }
            rows.add(r);
            return this;
        }

        void print(PrintWriter out) {
            int cols = rows.get(0).length;
            int[] width = new int[cols];
            for (String[] r : rows) {
                for (int i = 0; i < cols; i++) {
                    width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
                }
            }
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < cols; i++) {
                    sb.append(r[i]);
                    if (i < cols - 1) {
                        sb.append(" ".repeat(width[i] - r[i].codePointCount(0, r[i].length()) + 2));
                    }
                }
                out.println(sb.toString().stripTrailing());
            }
            out.flush();
        }
    }
}
