package org.nvr.cli;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvr.config.NvrConfig;
import org.nvr.footage.CameraListing;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Each configured camera's state as the daemon last published it and since when, its newest footage,
 * last failure reason, source (and the codec that made a camera fall back to FFmpeg), location and the contact of the household hosting it (whose modem to check), and
 * a note for a camera whose video browsers cannot play (Motion JPEG: recorded as it is).
 */
@Command(name = "cameras", mixinStandardHelpOptions = true,
        description = "Each camera's state and since when, last footage, last failure reason, location and contact.")
final class CamerasCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        NvrConfig cfg = config.load();
        ZoneId zone = ZoneId.systemDefault();
        Output fmt = new Output(zone);
        List<Map<String, Object>> cams = IndexAccess.read(cfg,
                index -> CameraListing.read(index.connection(), cfg, zone));
        PrintWriter out = spec.commandLine().getOut();
        if (json.wanted()) {
            Output.json(out, cams);
        } else {
            Texts t = Texts.current();
            Output.Table table = new Output.Table(t.get("col.site"), t.get("col.camera"), t.get("col.name"),
                    t.get("col.state"), t.get("col.since"), t.get("col.lastFootage"), t.get("col.reason"),
                    t.get("col.source"), t.get("col.location"), t.get("col.contact"));
            for (Map<String, Object> m : cams) {
                table.row(m.get("site"), m.get("camera"), m.get("name"), t.label("state", (String) m.get("state")),
                        tableTime(fmt, (String) m.get("since")), tableTime(fmt, (String) m.get("last_footage_end")),
                        t.label("reason", (String) m.get("reason")), source(t, m), m.get("location"), m.get("contact"));
            }
            table.print(out);
            for (Map<String, Object> m : cams) {
                if (m.get("warning") != null) {
                    out.println(t.get("cameras.notPlayable", m.get("camera"), m.get("video_codec")));
                }
            }
        }
        return Main.OK;
    }

    /** {@code rtsp}, {@code ffmpeg}, or {@code ffmpeg (fallback: mjpeg)} for a camera the RTSP client cannot take. */
    private static String source(Texts t, Map<String, Object> m) {
        Object fallback = m.get("source_fallback");
        return fallback == null ? (String) m.get("source") : t.get("cameras.sourceFallback", m.get("source"), fallback);
    }

    private static String tableTime(Output fmt, String iso) {
        return iso == null ? "-" : fmt.table(java.time.OffsetDateTime.parse(iso).toInstant());
    }
}
