package org.nvr.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import org.nvr.footage.AuditListing;
import org.nvr.index.AuditEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code footage audit}: the append-only log of exports, snapshots, locks and unlocks, and of the web
 * pages' logins, failed logins and logouts (the client address in the detail).
 */
@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Who exported, locked or unlocked what, and when.")
final class FootageAuditCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    CameraFilterOption camera;

    @Option(names = "--from", paramLabel = "T", description = "only entries made at or after this time")
    String from;

    @Option(names = "--to", paramLabel = "T", description = "only entries made before this time")
    String to;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        NvrConfig cfg = config.load();
        String cam = camera.resolve(config);
        ZoneId zone = ZoneId.systemDefault();
        Clock clock = Clock.systemUTC();
        Instant f = from == null ? Instant.EPOCH : RangeOptions.parse("--from", from, clock, zone);
        Instant t2 = to == null ? Instant.ofEpochMilli(Long.MAX_VALUE) : RangeOptions.parse("--to", to, clock, zone);
        AuditListing listing = IndexAccess.read(cfg, index -> AuditListing.read(index.connection(), cam, f, t2));
        List<AuditEntry> entries = listing.entries();
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(zone);
        Texts t = Texts.current();
        if (json.wanted()) {
            Output.json(out, listing.json(zone));
        } else {
            Output.Table table = new Output.Table(t.get("col.when"), t.get("col.user"), t.get("col.action"),
                    t.get("col.camera"), t.get("col.from"), t.get("col.to"), t.get("col.reason"), t.get("col.output"),
                    "SHA-256", t.get("col.detail"));
            for (AuditEntry e : entries) {
                table.row(fmt.table(e.at()), e.osUser(), t.label("action", e.action()), e.camera(), fmt.table(e.from()),
                        fmt.table(e.to()), e.reason(), e.output(),
                        e.sha256() == null ? null : e.sha256().substring(0, Math.min(16, e.sha256().length())) + "…",
                        e.detail());
            }
            table.print(out);
        }
        return Main.OK;
    }
}
