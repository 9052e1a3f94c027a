package org.nvr.index;

import java.time.Instant;

/**
 * One evidence hold: footage of {@code camera} overlapping {@code [from, to)} is kept by retention
 * while the hold is active ({@code released} is null). Released holds stay in the table as history.
 */
public record LockRow(long id, String site, String camera, Instant from, Instant to, String reason, Instant created,
                      String createdBy, Instant released, String releasedBy) {
    public boolean active() {
        return released == null;
    }
}
