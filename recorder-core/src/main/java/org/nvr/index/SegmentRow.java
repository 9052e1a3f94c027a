package org.nvr.index;

import java.time.Duration;
import java.time.Instant;

/**
 * One segment as indexed. {@code path} is relative to the storage root. {@code end}, {@code duration}
 * and {@code sha256} are null while the segment is open.
 */
public record SegmentRow(
        long id,
        Long runId,
        String site,
        String camera,
        String path,
        SegmentState state,
        Instant start,
        Instant end,
        Duration duration,
        long bytes,
        Long frames,
        String videoCodec,
        Integer width,
        Integer height,
        String audioCodec,
        String sha256) {
}
