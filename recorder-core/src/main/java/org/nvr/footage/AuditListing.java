package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;

/**
 * The audit log's lines made in a window, optionally of one camera: {@code nvr footage audit} and
 * {@code GET /api/audit}. Immutable.
 */
public record AuditListing(List<AuditEntry> entries) {
    public AuditListing {
        entries = List.copyOf(entries);
    }

    /** Lines with {@code at} in {@code [from, to)}; {@code camera} null: all. */
    public static AuditListing read(Connection index, String camera, Instant from, Instant to) throws SQLException {
        return new AuditListing(EvidenceLog.auditLog(index, camera, from, to));
    }

    public List<Map<String, Object>> json(ZoneId zone) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (AuditEntry e : entries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.id());
            m.put("at", JsonText.iso(e.at(), zone));
            m.put("user", e.osUser());
            m.put("action", e.action());
            m.put("site", e.site());
            m.put("camera", e.camera());
            m.put("from", JsonText.iso(e.from(), zone));
            m.put("to", JsonText.iso(e.to(), zone));
            m.put("reason", e.reason());
            m.put("output", e.output());
            m.put("sha256", e.sha256());
            m.put("detail", e.detail());
            list.add(m);
        }
        return list;
    }
}
