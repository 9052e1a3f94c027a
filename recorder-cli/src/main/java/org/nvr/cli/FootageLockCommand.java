package org.nvr.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.nvr.config.CameraConfig;
import org.nvr.footage.Holds;
import org.nvr.index.LockRow;
import org.nvr.index.SegmentRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code footage lock}: an evidence hold on a camera's range. Retention never deletes footage a hold
 * covers, including footage recorded into the range after the hold is placed. Recorded in the audit log.
 */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = "Evidence hold: footage in the range is never deleted by retention until unlocked.")
final class FootageLockCommand implements Callable<Integer> {
    @Mixin
    CameraRangeOptions target;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why (case number...), kept with the hold and in the audit log")
    String reason;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Texts t = Texts.current();
        CameraRange q = target.resolve();
        CameraConfig cam = q.camera();
        try (IndexAccess index = IndexAccess.open(q.config())) {
            List<SegmentRow> segs = index.queries().segments(cam.id(), q.from(), q.to());
            Instant now = q.clock().instant();
            String user = OsUser.name();
            LockRow hold = index.write(c -> Holds.place(c, cam, q.from(), q.to(), reason, user, now, segs.size(), null));
            PrintWriter out = spec.commandLine().getOut();
            out.println(t.get("lock.placed", hold.id(), cam.id(), t.time(q.from(), q.zone()), t.time(q.to(), q.zone()),
                    segs.size(), t.bytes(segs.stream().mapToLong(SegmentRow::bytes).sum())));
            out.flush();
            return Main.OK;
        } catch (SQLException e) {
            throw IndexAccess.failed(e);
        }
    }
}
