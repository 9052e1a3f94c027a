package org.nvr.web;

import java.net.InetAddress;
import java.time.Clock;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.IndexWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the web's audit lines (logins, failed logins, logouts) through the recorder's own index
 * writer, so that {@code nvr footage audit} shows them with the user and the client address (in the
 * line's detail). A line that cannot be written is logged, never lost silently, and never delays the
 * answer to the browser.
 *
 * <p>Threads: any; the write runs on the index writer's thread.
 */
final class AuditTrail {
    /** Audit actions of the web (the CLI's are export, lock, unlock, snapshot). */
    static final String LOGIN = "login";
    static final String LOGIN_FAILED = "login_failed";
    static final String LOGOUT = "logout";

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final IndexWriter writer;
    private final Clock clock;

    AuditTrail(IndexWriter writer, Clock clock) {
        this.writer = writer;
        this.clock = clock;
    }

    /** Records {@code action} by {@code user} (null: a name no user has) from {@code client}. */
    void record(String action, String user, InetAddress client, String detail) {
        String who = user == null ? "?" : user;
        String where = "web client " + client.getHostAddress() + (detail == null ? "" : "; " + detail);
        AuditEntry entry = new AuditEntry(null, clock.instant(), who, action, null, null, null, null, null, null,
                null, where);
        writer.submit(c -> EvidenceLog.audit(c, entry)).whenComplete((id, failure) -> {
            if (failure != null) {
                log.warn("Cannot write the audit line of web {} by {} from {}: {}", action, who,
                        client.getHostAddress(), failure.toString());
            }
        });
    }
}
