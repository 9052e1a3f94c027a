package org.nvr.index;

import java.time.Instant;

/** One recording run: an unbroken session from its first written frame to its end (null while running). */
public record RunRow(long id, String site, String camera, Instant start, Instant end, String endReason, String detail) {
}
