package org.nvr.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.nvr.index.AuditEntry;
import org.nvr.index.EvidenceLog;
import org.nvr.index.LockRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code footage unlock}: releases the camera's active holds that lie entirely inside the range. A hold
 * is never shortened or split; a hold that only partly overlaps the range stays, and is named so the
 * operator can give its full range. Each release is recorded in the audit log; released holds stay in
 * the index as history.
 */
@Command(name = "unlock", mixinStandardHelpOptions = true,
        description = "Release the evidence holds that lie entirely inside the range.")
final class FootageUnlockCommand implements Callable<Integer> {
    @Mixin
    CameraRangeOptions target;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the audit log")
    String reason;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Texts t = Texts.current();
        CameraRange q = target.resolve();
        String cam = q.camera().id();
        ZoneId zone = q.zone();
        Instant now = q.clock().instant();
        String user = OsUser.name();
        try (IndexAccess index = IndexAccess.open(q.config())) {
            List<LockRow> released = index.write(c -> {
                List<LockRow> rel = EvidenceLog.release(c, cam, q.from(), q.to(), user, now);
                for (LockRow l : rel) {
                    EvidenceLog.audit(c, new AuditEntry(null, now, user, "unlock", l.site(), l.camera(), l.from(), l.to(),
                            reason, null, null, "hold #" + l.id() + " released (placed by " + l.createdBy() + ")"));
                }
                return rel;
            });
            if (released.isEmpty()) {
                List<LockRow> overlapping = EvidenceLog.activeHolds(index.connection(), cam, q.from(), q.to());
                String named = overlapping.stream().map(l -> t.get("lock.describe", l.id(), t.time(l.from(), zone),
                        t.time(l.to(), zone))).collect(Collectors.joining("; "));
                throw UserError.failed(overlapping.isEmpty() ? t.get("error.noHold", cam)
                        : t.get("error.holdNotInside", cam, named));
            }
            PrintWriter out = spec.commandLine().getOut();
            for (LockRow l : released) {
                out.println(t.get("lock.released", l.id(), l.camera(), t.time(l.from(), zone), t.time(l.to(), zone)));
            }
            out.flush();
            return Main.OK;
        } catch (SQLException e) {
            throw IndexAccess.failed(e);
        }
    }
}
