package org.nvr.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.index.EvidenceLog;
import org.nvr.index.FootageQueries;
import org.nvr.index.LockRow;
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
        List<SegmentRow> rows;
        List<LockRow> holds;
        try (IndexAccess index = IndexAccess.open(q.config())) {
            rows = index.queries().segments(cam, q.from(), q.to());
            holds = EvidenceLog.activeHolds(index.connection(), cam, q.from().minus(FootageQueries.MAX_SEGMENT),
                    q.to().plus(FootageQueries.MAX_SEGMENT));
        } catch (SQLException e) {
            throw IndexAccess.failed(e);
        }
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(q.zone());
        Texts t = Texts.current();
        Path root = q.config().storage().root();
        if (json.wanted()) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (SegmentRow s : rows) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("camera", s.camera());
                m.put("site", s.site());
                m.put("start", fmt.iso(s.start()));
                m.put("end", fmt.iso(s.end()));
                m.put("duration_s", Output.seconds(s.duration()));
                m.put("bytes", s.bytes());
                m.put("path", root.resolve(s.path()).toString());
                m.put("locked", EvidenceLog.held(holds, s.camera(), s.start(), s.end()));
                m.put("state", s.state().sql());
                m.put("video_codec", s.videoCodec());
                m.put("width", s.width());
                m.put("height", s.height());
                m.put("audio_codec", s.audioCodec());
                m.put("sha256", s.sha256());
                list.add(m);
            }
            Output.json(out, list);
        } else {
            Output.Table table = new Output.Table(t.get("col.start"), t.get("col.end"), t.get("col.duration"),
                    t.get("col.size"), t.get("col.state"), t.get("col.locked"), t.get("col.path"));
            for (SegmentRow s : rows) {
                table.row(fmt.table(s.start()), fmt.table(s.end()), Output.duration(s.duration()),
                        t.bytes(s.bytes()), t.label("segment", s.state().sql()),
                        EvidenceLog.held(holds, s.camera(), s.start(), s.end()) ? t.get("yes") : "",
                        root.resolve(s.path()));
            }
            table.print(out);
        }
        return rows.isEmpty() ? Main.NO_FOOTAGE : Main.OK;
    }
}
