package org.nvr.footage;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvr.config.CameraConfig;
import org.nvr.config.SiteConfig;

/**
 * Availability per camera and per site over a window ({@link Uptime} computes the figures):
 * {@code nvr uptime} and {@code GET /api/uptime} (and the uptime page, which shows that JSON). The
 * configured names of the sites and cameras ride along for people reading the report. Immutable.
 */
public record UptimeReport(List<Uptime.SiteUptime> sites, Instant from, Instant to, Instant now,
                           Map<String, String> siteNames, Map<String, String> cameraNames) {
    public UptimeReport {
        sites = List.copyOf(sites);
        siteNames = Map.copyOf(siteNames);
        cameraNames = Map.copyOf(cameraNames);
    }

    /** The figures of each site and of its cameras, all read over the one (read-only) connection. */
    public static UptimeReport read(Connection index, List<SiteConfig> sites, Instant from, Instant to, Instant now)
            throws SQLException {
        List<Uptime.SiteUptime> report = new ArrayList<>();
        Map<String, String> siteNames = new LinkedHashMap<>();
        Map<String, String> cameraNames = new LinkedHashMap<>();
        for (SiteConfig s : sites) {
            siteNames.put(s.id(), s.name() == null ? s.id() : s.name());
            List<Uptime.CameraUptime> cams = new ArrayList<>();
            for (CameraConfig c : s.cameras()) {
                cameraNames.put(c.id(), c.name() == null ? c.id() : c.name());
                cams.add(Uptime.camera(index, s.id(), c.id(), from, to, now));
            }
            report.add(new Uptime.SiteUptime(s.id(), cams));
        }
        return new UptimeReport(report, from, to, now, siteNames, cameraNames);
    }

    /** The end of what is reported: {@code to}, or now when the window reaches into the future. */
    public Instant until() {
        return to.isAfter(now) ? now : to;
    }

    public Map<String, Object> json(ZoneId zone) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("from", JsonText.iso(from, zone));
        m.put("to", JsonText.iso(to, zone));
        m.put("until", JsonText.iso(until(), zone));
        List<Map<String, Object>> list = new ArrayList<>();
        for (Uptime.SiteUptime s : sites) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("site", s.site());
            sm.put("name", siteNames.getOrDefault(s.site(), s.site()));
            sm.put("up_ratio", round(s.upRatio()));
            sm.put("recorded_s", JsonText.seconds(s.recorded()));
            sm.put("outages", s.outages());
            sm.put("longest_outage_s", JsonText.seconds(s.longestOutage()));
            sm.put("top_reasons", reasons(s.reasons()));
            List<Map<String, Object>> cams = new ArrayList<>();
            for (Uptime.CameraUptime c : s.cameras()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("camera", c.camera());
                cm.put("name", cameraNames.getOrDefault(c.camera(), c.camera()));
                cm.put("up_ratio", round(c.upRatio()));
                cm.put("recorded_s", JsonText.seconds(c.recorded()));
                cm.put("outages", c.outages().size());
                cm.put("longest_outage_s", JsonText.seconds(c.longestOutage()));
                cm.put("up_s", JsonText.seconds(c.up()));
                cm.put("top_reasons", reasons(c.reasons()));
                cams.add(cm);
            }
            sm.put("cameras", cams);
            list.add(sm);
        }
        m.put("sites", list);
        return m;
    }

    private static List<Map<String, Object>> reasons(List<Uptime.ReasonTotal> totals) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Uptime.ReasonTotal r : totals) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reason", r.reason());
            m.put("outages", r.outages());
            m.put("seconds", JsonText.seconds(r.total()));
            out.add(m);
        }
        return out;
    }

    private static double round(double ratio) {
        return Math.round(ratio * 1_000_000) / 1_000_000.0;
    }
}
