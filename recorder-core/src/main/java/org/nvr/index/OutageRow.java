package org.nvr.index;

import java.time.Instant;

/** A period when a configured camera was not recording; {@code end} is null while it lasts. */
public record OutageRow(long id, String site, String camera, Instant start, Instant end, String reason, String detail) {
}
