package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import org.nvr.config.CameraConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.LockRow;

/**
 * Places or releases an evidence hold and writes its audit line in the same transaction:
 * {@code nvr footage lock} and {@code POST /api/holds}; {@code DELETE /api/holds/{id}}. Retention never deletes footage a hold covers, including footage
 * recorded into the range later. Stateless; runs inside the caller's write transaction.
 */
public final class Holds {
    private Holds() {
    }

    /**
     * Releases hold {@code id} and writes its audit line ({@code unlock}, as {@code nvr footage unlock}
     * writes it) in the caller's transaction; empty when no such active hold.
     */
    public static Optional<LockRow> release(Connection c, long id, String reason, String user, Instant now,
                                            String where) throws SQLException {
        Optional<LockRow> released = EvidenceLog.releaseOne(c, id, user, now);
        if (released.isPresent()) {
            LockRow l = released.get();
            EvidenceLog.audit(c, new AuditEntry(null, now, user, "unlock", l.site(), l.camera(), l.from(), l.to(),
                    reason, null, null, "hold #" + l.id() + " released (placed by " + l.createdBy() + ")"
                    + (where == null ? "" : "; " + where)));
        }
        return released;
    }

    /**
     * @param segments how many segments the range holds now, for the audit line
     * @param where    appended to the audit line's detail (the web client's address), or null
     */
    public static LockRow place(Connection c, CameraConfig cam, Instant from, Instant to, String reason, String user,
                                Instant now, int segments, String where) throws SQLException {
        LockRow h = EvidenceLog.hold(c, cam.siteId(), cam.id(), from, to, reason, user, now);
        EvidenceLog.audit(c, new AuditEntry(null, now, user, "lock", cam.siteId(), cam.id(), from, to, reason, null,
                null, "hold #" + h.id() + " on " + segments + " segment(s)" + (where == null ? "" : "; " + where)));
        return h;
    }
}
