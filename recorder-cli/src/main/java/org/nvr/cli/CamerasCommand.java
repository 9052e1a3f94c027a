package org.nvr.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.index.CameraStateRow;
import org.nvr.index.FootageQueries;
import org.nvr.index.IndexException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Each configured camera's state as the daemon last published it, with its newest footage. */
@Command(name = "cameras", mixinStandardHelpOptions = true,
        description = "Each camera's state, since when, its last footage and last failure reason.")
final class CamerasCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "JSON for scripts")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws SQLException {
        NvrConfig cfg = config.load();
        ZoneId zone = ZoneId.systemDefault();
        Output fmt = new Output(zone);
        List<Map<String, Object>> cams = new ArrayList<>();
        try (FootageQueries q = FootageQueries.open(cfg.storage().indexPath())) {
            Map<String, CameraStateRow> states = q.cameraStates().stream()
                    .collect(Collectors.toMap(CameraStateRow::camera, Function.identity()));
            for (CameraConfig c : cfg.cameras().toList()) {
                CameraStateRow s = states.get(c.id());
                Instant last = q.lastFootageEnd(c.id()).orElse(null);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("site", c.siteId());
                m.put("camera", c.id());
                m.put("name", c.name());
                m.put("state", s == null ? "unknown" : s.state());
                m.put("since", s == null ? null : fmt.iso(s.since()));
                m.put("last_footage_end", fmt.iso(last));
                m.put("reason", s == null ? null : s.reason());
                m.put("detail", s == null ? null : s.detail());
                m.put("location", c.location().orElse(null));
                m.put("contact", c.contact().orElse(null));
                m.put("url", c.redactedUrl());
                cams.add(m);
            }
        } catch (IndexException e) {
            throw UserError.failed(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, cams);
        } else {
            Output.Table t = new Output.Table("SITE", "CAMERA", "STATE", "SINCE", "LAST FOOTAGE", "REASON", "LOCATION",
                    "CONTACT");
            for (Map<String, Object> m : cams) {
                t.row(m.get("site"), m.get("camera"), m.get("state"), tableTime(fmt, (String) m.get("since")),
                        tableTime(fmt, (String) m.get("last_footage_end")), m.get("reason"), m.get("location"),
                        m.get("contact"));
            }
            t.print(out);
        }
        return Main.OK;
    }

    private static String tableTime(Output fmt, String iso) {
        return iso == null ? "-" : fmt.table(java.time.OffsetDateTime.parse(iso).toInstant());
    }
}
