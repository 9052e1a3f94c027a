package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nvr.metrics.RecorderMetrics;

/**
 * The Grafana dashboard is importable as is (datasource chosen through a variable, sane layout) and
 * it and the alert rules only name metrics the recorder exposes. That every query returns data from a
 * real Prometheus is {@link PrometheusEndToEndTest}'s job.
 */
class DashboardTest {
    private static final Set<String> PANEL_TYPES = Set.of("stat", "state-timeline", "table", "bargauge", "timeseries");
    private static final Pattern NVR_METRIC = Pattern.compile("\\bnvr_[a-z_]+\\b");

    @Test
    void importableWithADatasourceVariableAndSiteAndCameraSelectors() throws Exception {
        JsonNode json = Dashboard.read().json();
        assertEquals("nvr-overview", json.path("uid").asText());
        assertTrue(json.path("id").isNull(), "no database id: importable into any Grafana");
        assertTrue(json.path("schemaVersion").asInt() >= 36);
        JsonNode variables = json.path("templating").path("list");
        JsonNode datasource = variables.get(0);
        assertEquals("datasource", datasource.path("name").asText());
        assertEquals("datasource", datasource.path("type").asText());
        assertEquals("prometheus", datasource.path("query").asText());
        Set<String> names = new HashSet<>();
        variables.forEach(v -> names.add(v.path("name").asText()));
        assertTrue(names.containsAll(Set.of("site", "camera")), names.toString());
        for (JsonNode v : variables) {
            if (v.path("type").asText().equals("query")) {
                assertEquals("${datasource}", v.path("datasource").path("uid").asText(), v.toString());
                assertTrue(v.path("includeAll").asBoolean() && v.path("multi").asBoolean(), v.toString());
                assertEquals(".*", v.path("allValue").asText());
            }
        }
    }

    @Test
    void panelsUseTheVariableDontOverlapAndHaveQueries() throws Exception {
        Dashboard dashboard = Dashboard.read();
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode panel : dashboard.json().path("panels")) {
            assertTrue(ids.add(panel.path("id").asInt()), "duplicate id " + panel.path("id"));
            JsonNode grid = panel.path("gridPos");
            int x = grid.path("x").asInt();
            int y = grid.path("y").asInt();
            int w = grid.path("w").asInt();
            int h = grid.path("h").asInt();
            assertTrue(x >= 0 && w > 0 && x + w <= 24 && h > 0, panel.path("title") + ": " + grid);
            for (int[] other : boxes) {
                boolean overlap = x < other[0] + other[2] && other[0] < x + w && y < other[1] + other[3] && other[1] < y + h;
                assertFalse(overlap, panel.path("title") + " overlaps another panel");
            }
            boxes.add(new int[]{x, y, w, h});
        }
        for (JsonNode panel : dashboard.panels()) {
            String title = panel.path("title").asText();
            assertTrue(PANEL_TYPES.contains(panel.path("type").asText()), title);
            assertEquals("${datasource}", panel.path("datasource").path("uid").asText(), title);
            assertFalse(panel.path("description").asText().isBlank(), title + " explains itself");
            Set<String> refIds = new HashSet<>();
            assertTrue(panel.path("targets").size() > 0, title);
            for (JsonNode target : panel.path("targets")) {
                assertTrue(refIds.add(target.path("refId").asText()), title);
                assertEquals("${datasource}", target.path("datasource").path("uid").asText(), title);
                assertFalse(target.path("expr").asText().isBlank(), title);
            }
        }
    }

    @Test
    void hasThePanelsATechnicianNeeds() throws Exception {
        String titles = Dashboard.read().panels().stream().map(p -> p.path("title").asText().toLowerCase())
                .collect(Collectors.joining("\n"));
        for (String wanted : new String[]{"site uptime", "camera up / down", "since when and why", "outages by reason",
                "coverage over the last 24 h", "bit rate", "frames per second", "keyframe interval", "picture suspect",
                "storage used, free and locked", "days of footage kept"}) {
            assertTrue(titles.contains(wanted), "no panel about " + wanted + " in\n" + titles);
        }
        String exprs = Dashboard.read().queries().stream().map(Dashboard.Query::expr).collect(Collectors.joining("\n"));
        assertTrue(exprs.contains("rate(nvr_camera_recorded_seconds_total{"), exprs);
        assertTrue(exprs.contains("[1d])"), "coverage over 24 h");
        assertTrue(exprs.contains("time() - nvr_camera_oldest_footage_timestamp_seconds"), exprs);
    }

    @Test
    void dashboardAndRulesNameOnlyExposedMetrics() throws Exception {
        Set<String> exposed;
        try (RecorderMetrics metrics = new RecorderMetrics()) {
            metrics.camera("site", "cam");
            // A recorder with replication: configured also exposes its meters (the backlog alert uses them).
            new org.nvr.replication.ReplicationMetrics(metrics.registry(), () -> 0L);
            exposed = metrics.scrape().lines().filter(l -> l.startsWith("# TYPE "))
                    .map(l -> l.split(" ")[2]).collect(Collectors.toSet());
        }
        Set<String> named = new TreeSet<>();
        named.addAll(metricNames(Files.readString(MonitoringFiles.DASHBOARD)));
        named.addAll(metricNames(Files.readString(MonitoringFiles.RULES)));
        named.removeAll(exposed);
        assertEquals(Set.of(), named, "named in config/ but not exposed");
    }

    private static Set<String> metricNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = NVR_METRIC.matcher(text);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }
}
