package org.nvr.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.nvr.footage.SegmentListing;
import org.nvr.index.SegmentRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Lists the segments of one camera that overlap a range, and whether an evidence hold keeps each. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Segments overlapping the range.")
final class FootageListCommand implements Callable<Integer> {
    @Mixin
    CameraRangeOptions target;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CameraRange q = target.resolve();
        String cam = q.camera().id();
        SegmentListing listing = IndexAccess.read(q.config(),
                index -> SegmentListing.read(index.connection(), cam, q.from(), q.to()));
        List<SegmentRow> rows = listing.rows();
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(q.zone());
        Texts t = Texts.current();
        Path root = q.config().storage().root();
        if (json.wanted()) {
            Output.json(out, listing.json(root, q.zone()));
        } else {
            Output.Table table = new Output.Table(t.get("col.start"), t.get("col.end"), t.get("col.duration"),
                    t.get("col.size"), t.get("col.state"), t.get("col.locked"), t.get("col.path"));
            for (SegmentRow s : rows) {
                table.row(fmt.table(s.start()), fmt.table(s.end()), Output.duration(s.duration()),
                        t.bytes(s.bytes()), t.label("segment", s.state().sql()),
                        listing.locked(s) ? t.get("yes") : "",
                        root.resolve(s.path()));
            }
            table.print(out);
        }
        return rows.isEmpty() ? Main.NO_FOOTAGE : Main.OK;
    }
}
