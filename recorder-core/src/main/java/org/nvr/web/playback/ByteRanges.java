package org.nvr.web.playback;

import java.util.Optional;

/**
 * One {@code Range: bytes=...} request header (RFC 9110 14.1.2) against a body of known length:
 * {@code first-last}, {@code first-} or a suffix {@code -n}. A list of several ranges is answered with
 * its first (players ask for one at a time).
 */
record ByteRanges(long first, long last) {
    /** The answer to a header. */
    sealed interface Answer {
    }

    /** Send the whole body (no header, or one this server does not read as bytes). */
    record Whole() implements Answer {
    }

    /** Send {@code [first, last]} with 206. */
    record Part(long first, long last) implements Answer {
        long length() {
            return last - first + 1;
        }
    }

    /** 416: no byte of the range is in the body. */
    record Unsatisfiable() implements Answer {
    }

    static Answer parse(Optional<String> header, long length) {
        if (header.isEmpty() || !header.get().trim().startsWith("bytes=")) {
            return new Whole();
        }
        String spec = header.get().trim().substring("bytes=".length());
        int comma = spec.indexOf(',');
        if (comma >= 0) {
            spec = spec.substring(0, comma);
        }
        spec = spec.trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Whole();
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long suffix = Long.parseLong(b);
                if (suffix <= 0 || length == 0) {
                    return new Unsatisfiable();
                }
                return new Part(Math.max(0, length - suffix), length - 1);
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? length - 1 : Math.min(Long.parseLong(b), length - 1);
            if (first < 0 || first >= length || last < first) {
                return new Unsatisfiable();
            }
            return new Part(first, last);
        } catch (NumberFormatException e) {
            return new Whole(); // a header that is not a byte range is ignored, as RFC 9110 allows
        }
    }
}
