package org.nvr.web.playback;

import java.time.Clock;
import java.time.Instant;
import org.nvr.config.CameraConfig;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit lines of the footage the web shows or hands out (playback, snapshot, export, download), written
 * through the recorder's index writer with the web user's name and the client's address, so that
 * {@code nvr footage audit} lists them beside the CLI's. A line that cannot be written is logged, never
 * lost silently, and never delays the answer.
 *
 * <p>Threads: any; the write runs on the index writer's thread.
 */
final class FootageAudit {
    private static final Logger log = LoggerFactory.getLogger(FootageAudit.class);

    private final IndexWriter writer;
    private final Clock clock;

    FootageAudit(IndexWriter writer, Clock clock) {
        this.writer = writer;
        this.clock = clock;
    }

    void record(String action, WebRequest req, CameraConfig camera, Instant from, Instant to, String reason,
                String output, String sha256, String detail) {
        AuditEntry entry = new AuditEntry(null, clock.instant(), req.user(), action,
                camera == null ? null : camera.siteId(), camera == null ? null : camera.id(), from, to,
                reason, output, sha256, req.where() + (detail == null ? "" : "; " + detail));
        writer.submit(c -> EvidenceLog.audit(c, entry)).whenComplete((id, failure) -> {
            if (failure != null) {
                log.warn("Cannot write the audit line of web {} by {} from {}: {}", action, req.user(),
                        req.client().getHostAddress(), failure.toString());
            }
        });
    }
}
