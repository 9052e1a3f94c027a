package org.nvr.cli;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.config.ByteSize;
import org.nvr.config.NvrConfig;
import org.nvr.config.ReplicationConfig;
import org.nvr.replication.ReplicationStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nvr replicate status}: the replication queue as the index has it (works while the daemon
 * runs): pending objects and bytes, the oldest pending, what was copied, what retention dropped before
 * it could be copied, and the last error. Never shows a credential.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Pending objects and bytes, oldest pending, last error of the copy to the bucket.")
final class ReplicateStatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        NvrConfig cfg = config.load();
        ReplicationStatus s = IndexAccess.read(cfg, index -> ReplicationStatus.read(index.connection()));
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(ZoneId.systemDefault());
        if (json.wanted()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("configured", cfg.replication().isPresent());
            m.put("endpoint", cfg.replication().map(r -> r.endpoint().toString()).orElse(null));
            m.put("bucket", cfg.replication().map(ReplicationConfig::bucket).orElse(null));
            m.put("pending_objects", s.pendingObjects());
            m.put("pending_bytes", s.pendingBytes());
            m.put("oldest_pending", s.oldestPending().map(fmt::iso).orElse(null));
            m.put("copied_objects", s.doneObjects());
            m.put("dropped_objects", s.droppedObjects());
            m.put("last_reason", s.lastReason().orElse(null));
            m.put("last_error", s.lastError().orElse(null));
            Output.json(out, m);
            return Main.OK;
        }
        if (cfg.replication().isEmpty()) {
            out.println("replication: not configured (no replication: in " + config.file + ")");
        } else {
            out.println("bucket:         " + cfg.replication().get().bucket() + " at " + cfg.replication().get().endpoint());
        }
        out.println("pending:        " + s.pendingObjects() + " object(s), " + ByteSize.format(s.pendingBytes()));
        out.println("oldest pending: " + s.oldestPending().map(fmt::table).orElse("-"));
        out.println("copied:         " + s.doneObjects() + " object(s), verified");
        out.println("dropped:        " + s.droppedObjects() + " (deleted by retention or gone before they were copied)");
        out.println("last error:     " + s.lastReason().map(r -> r + ": " + s.lastError().orElse("")).orElse("-"));
        out.flush();
        return Main.OK;
    }
}
