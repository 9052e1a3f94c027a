package org.nvr.index;

import java.time.Instant;

/**
 * One line of the append-only audit log: who did what to which footage, and what it produced.
 *
 * @param id      null before the entry is written
 * @param action  {@code export}, {@code lock}, {@code unlock} or {@code snapshot}
 * @param output  absolute path of what was written, if anything
 * @param sha256  hex SHA-256 of the output, if anything was written
 * @param detail  free text: the outcome (for example why an export was refused)
 */
public record AuditEntry(Long id, Instant at, String osUser, String action, String site, String camera, Instant from,
                         Instant to, String reason, String output, String sha256, String detail) {
}
