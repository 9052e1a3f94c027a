package org.nvr.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.nvr.config.CameraConfig;
import org.nvr.config.NvrConfig;
import org.nvr.config.SiteConfig;
import org.nvr.report.Uptime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code uptime}: availability per camera and per site over a window; see {@link Uptime} for the figures. */
@Command(name = "uptime", mixinStandardHelpOptions = true, description = "Availability per camera and per site.")
final class UptimeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--site", paramLabel = "ID", description = "only this site")
    String site;

    @Mixin
    RangeOptions range;

    @Mixin
    JsonOption json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Texts t = Texts.current();
        NvrConfig cfg = config.load();
        List<SiteConfig> sites = site == null ? cfg.sites()
                : List.of(cfg.site(site).orElseThrow(() -> UserError.usage(t.get("error.site", site,
                        cfg.sites().stream().map(SiteConfig::id).collect(Collectors.joining(", "))))));
        ZoneId zone = ZoneId.systemDefault();
        Clock clock = Clock.systemUTC();
        Instant[] r = range.range(clock, zone);
        Instant now = clock.instant();
        List<Uptime.SiteUptime> report = IndexAccess.read(cfg, index -> report(index, sites, r, now));
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(zone);
        if (json.wanted()) {
            Output.json(out, json(report, fmt, r, now));
        } else {
            table(out, t, fmt, report, r, now);
        }
        return Main.OK;
    }

    /** The figures of each chosen site and of its cameras, all read over the one connection. */
    private static List<Uptime.SiteUptime> report(IndexAccess index, List<SiteConfig> sites, Instant[] r, Instant now)
            throws SQLException {
        List<Uptime.SiteUptime> report = new ArrayList<>();
        for (SiteConfig s : sites) {
            List<Uptime.CameraUptime> cams = new ArrayList<>();
            for (CameraConfig c : s.cameras()) {
                cams.add(Uptime.camera(index.connection(), s.id(), c.id(), r[0], r[1], now));
            }
            report.add(new Uptime.SiteUptime(s.id(), cams));
        }
        return report;
    }

    private static Map<String, Object> json(List<Uptime.SiteUptime> report, Output fmt, Instant[] r, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", fmt.iso(r[0]));
        m.put("to", fmt.iso(r[1]));
        m.put("until", fmt.iso(r[1].isAfter(now) ? now : r[1]));
        List<Map<String, Object>> sites = new ArrayList<>();
        for (Uptime.SiteUptime s : report) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("site", s.site());
            sm.put("up_ratio", round(s.upRatio()));
            sm.put("recorded_s", Output.seconds(s.recorded()));
            sm.put("outages", s.outages());
            sm.put("longest_outage_s", Output.seconds(s.longestOutage()));
            sm.put("top_reasons", reasons(s.reasons()));
            List<Map<String, Object>> cams = new ArrayList<>();
            for (Uptime.CameraUptime c : s.cameras()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("camera", c.camera());
                cm.put("up_ratio", round(c.upRatio()));
                cm.put("recorded_s", Output.seconds(c.recorded()));
                cm.put("outages", c.outages().size());
                cm.put("longest_outage_s", Output.seconds(c.longestOutage()));
                cm.put("up_s", Output.seconds(c.up()));
                cm.put("top_reasons", reasons(c.reasons()));
                cams.add(cm);
            }
            sm.put("cameras", cams);
            sites.add(sm);
        }
        m.put("sites", sites);
        return m;
    }

    private static List<Map<String, Object>> reasons(List<Uptime.ReasonTotal> totals) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Uptime.ReasonTotal r : totals) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", r.reason());
            m.put("outages", r.outages());
            m.put("seconds", Output.seconds(r.total()));
            out.add(m);
        }
        return out;
    }

    private static double round(double ratio) {
        return Math.round(ratio * 1_000_000) / 1_000_000.0;
    }

    private static void table(PrintWriter out, Texts t, Output fmt, List<Uptime.SiteUptime> report, Instant[] r,
                              Instant now) {
        out.println(t.get("uptime.title", fmt.table(r[0]), fmt.table(r[1].isAfter(now) ? now : r[1])));
        Output.Table table = new Output.Table(t.get("col.site"), t.get("col.camera"), t.get("col.up"),
                t.get("col.recorded"), t.get("col.outages"), t.get("col.longest"), t.get("col.reasons"));
        for (Uptime.SiteUptime s : report) {
            for (Uptime.CameraUptime c : s.cameras()) {
                table.row(s.site(), c.camera(), t.percent(c.upRatio()), t.duration(c.recorded()), c.outages().size(),
                        t.duration(c.longestOutage()), reasonText(t, c.reasons()));
            }
            table.row(s.site(), t.get("uptime.siteTotal"), t.percent(s.upRatio()), t.duration(s.recorded()),
                    s.outages(), t.duration(s.longestOutage()), reasonText(t, s.reasons()));
        }
        table.print(out);
    }

    private static String reasonText(Texts t, List<Uptime.ReasonTotal> totals) {
        if (totals.isEmpty()) {
            return "-";
        }
        return totals.stream().map(r -> t.label("reason", r.reason()) + " " + r.outages() + "× " + t.duration(r.total()))
                .collect(Collectors.joining(", "));
    }
}
