package org.nvr.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.footage.ExportManifest;
import org.nvr.footage.FootageGaps;
import org.nvr.footage.Gap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Spans of a range with no footage of one camera, with the reason the recorder noted. */
@Command(name = "gaps", mixinStandardHelpOptions = true,
        description = "Spans with no footage, with the reason when known.")
final class FootageGapsCommand implements Callable<Integer> {
    @Mixin
    CameraRangeOptions target;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CameraRange q = target.resolve();
        Instant now = q.clock().instant();
        List<Gap> gaps = IndexAccess.read(q.config(),
                index -> FootageGaps.find(index.connection(), q.camera().id(), q.from(), q.to(), now));
        print(spec.commandLine().getOut(), gaps, q.zone(), json.wanted());
        Instant end = q.to().isAfter(now) ? now : q.to();
        boolean nothing = end.isAfter(q.from()) && gaps.size() == 1 && gaps.get(0).start().equals(q.from())
                && gaps.get(0).end().equals(end);
        return nothing ? Main.NO_FOOTAGE : Main.OK;
    }

    static void print(PrintWriter out, List<Gap> gaps, ZoneId zone, boolean json) {
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            gaps.forEach(g -> list.add(ExportManifest.gap(g, zone)));
            Output.json(out, list);
            return;
        }
        Texts t = Texts.current();
        Output fmt = new Output(zone);
        Output.Table table = new Output.Table(t.get("col.start"), t.get("col.end"), t.get("col.duration"),
                t.get("col.reason"), t.get("col.detail"));
        for (Gap g : gaps) {
            table.row(fmt.table(g.start()), fmt.table(g.end()), Output.duration(g.length()), t.label("reason", g.reason()),
                    g.detail());
        }
        table.print(out);
    }
}
