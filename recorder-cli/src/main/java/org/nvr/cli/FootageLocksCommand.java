package org.nvr.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import org.nvr.index.EvidenceLog;
import org.nvr.index.LockRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code footage locks}: the evidence holds in force, so that an operator knows what to unlock. */
@Command(name = "locks", mixinStandardHelpOptions = true, description = "The evidence holds in force.")
final class FootageLocksCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    CameraFilterOption camera;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        NvrConfig cfg = config.load();
        String cam = camera.resolve(config);
        ZoneId zone = ZoneId.systemDefault();
        List<LockRow> holds = IndexAccess.read(cfg, index -> EvidenceLog.activeHolds(index.connection(), cam,
                Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE)));
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(zone);
        Texts t = Texts.current();
        if (json.wanted()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (LockRow l : holds) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", l.id());
                m.put("site", l.site());
                m.put("camera", l.camera());
                m.put("from", fmt.iso(l.from()));
                m.put("to", fmt.iso(l.to()));
                m.put("reason", l.reason());
                m.put("created", fmt.iso(l.created()));
                m.put("created_by", l.createdBy());
                list.add(m);
            }
            Output.json(out, list);
        } else {
            Output.Table table = new Output.Table("#", t.get("col.camera"), t.get("col.from"), t.get("col.to"),
                    t.get("col.reason"), t.get("col.by"), t.get("col.when"));
            for (LockRow l : holds) {
                table.row(l.id(), l.camera(), fmt.table(l.from()), fmt.table(l.to()), l.reason(), l.createdBy(),
                        fmt.table(l.created()));
            }
            table.print(out);
        }
        return Main.OK;
    }
}
