package org.nvr.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A shipped Grafana dashboard (the commune's {@code nvr.json} unless another is named), read for tests: its panels, queries and template variables. */
record Dashboard(JsonNode json) {
    /** Values for Grafana's variables when a query is sent to Prometheus directly. */
    static final Map<String, String> VARIABLES = Map.of(
            "instance", ".*", "site", ".*", "camera", ".*", "commune", ".*",
            "__range", "10m", "__rate_interval", "1m", "__interval", "15s");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

    /** One query of one panel. */
    record Query(String panel, String refId, String expr) {
        /** The expression with the template variables replaced by {@link #VARIABLES}. */
        String promql() {
            return substitute(expr);
        }
    }

    /** A query template variable: {@code label_values(selector, label)}. */
    record Variable(String name, String selector, String label) {
    }

    static Dashboard read() throws IOException {
        return read(MonitoringFiles.DASHBOARD);
    }

    /** Another dashboard of {@code config/grafana}, e.g. {@link MonitoringFiles#DISTRICT_DASHBOARD}. */
    static Dashboard read(java.nio.file.Path file) throws IOException {
        return new Dashboard(new ObjectMapper().readTree(file.toFile()));
    }

    /** Every panel, those inside rows included, rows excluded. */
    List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : json.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                panel.path("panels").forEach(panels::add);
            } else {
                panels.add(panel);
            }
        }
        return panels;
    }

    List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(panel.path("title").asText(), target.path("refId").asText(),
                        target.path("expr").asText()));
            }
        }
        return queries;
    }

    List<Variable> queryVariables() {
        List<Variable> variables = new ArrayList<>();
        for (JsonNode variable : json.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                Matcher m = LABEL_VALUES.matcher(variable.path("definition").asText());
                if (!m.matches()) {
                    throw new AssertionError("variable " + variable.path("name") + " is not label_values(...): " + variable);
                }
                variables.add(new Variable(variable.path("name").asText(), substitute(m.group(1).strip()), m.group(2)));
            }
        }
        return variables;
    }

    static String substitute(String text) {
        Matcher m = VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = VARIABLES.get(name);
            if (value == null) {
                throw new AssertionError("unknown variable $" + name + " in " + text);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }
}
