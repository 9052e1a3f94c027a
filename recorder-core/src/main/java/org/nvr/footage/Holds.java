package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import org.nvr.config.CameraConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.LockRow;

/**
 * Places an evidence hold and writes its audit line in the same transaction: {@code nvr footage lock}
 * and {@code POST /api/holds}. Retention never deletes footage a hold covers, including footage
 * recorded into the range later. Stateless; runs inside the caller's write transaction.
 */
public final class Holds {
    private Holds() {
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
