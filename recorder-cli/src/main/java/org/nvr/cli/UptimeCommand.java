package org.nvr.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.nvr.config.NvrConfig;
import org.nvr.config.SiteConfig;
import org.nvr.footage.Uptime;
import org.nvr.footage.UptimeReport;
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
        UptimeReport report = IndexAccess.read(cfg, index -> UptimeReport.read(index.connection(), sites, r[0], r[1], now));
        PrintWriter out = spec.commandLine().getOut();
        Output fmt = new Output(zone);
        if (json.wanted()) {
            Output.json(out, report.json(zone));
        } else {
            table(out, t, fmt, report.sites(), r, now);
        }
        return Main.OK;
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
