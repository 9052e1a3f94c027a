package org.nvr.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvr.testing.ExternalCommand;

/**
 * The dashboard's two panels of failures by reason, evaluated by {@code promtool test rules} on
 * made-up series at exact times: they must count a failure that happened before Prometheus' first
 * scrape of a recorder (the counter's first sample is already 1), also after a restart that brought
 * the counter back to the value it had, and count ordinary increases as before. The queries are the
 * dashboard's own, with Grafana's variables as in {@link Dashboard#VARIABLES} (range 10m, rate
 * interval 1m).
 */
class ReasonPanelsTest {
    private static final String OUTAGES = "Outages by reason (time range)";
    private static final String ATTEMPTS = "Failed connection attempts by reason";

    @TempDir
    Path dir;

    @Test
    void aFailureBeforeTheFirstScrapeOrARestartIsCounted() throws Exception {
        Map<String, String> queries = Dashboard.read().queries().stream()
                .filter(q -> q.panel().equals(OUTAGES) || q.panel().equals(ATTEMPTS))
                .collect(Collectors.toMap(Dashboard.Query::panel, Dashboard.Query::promql));
        // Samples every minute from t=0, Prometheus' first scrape. Recorder "new" started before it
        // and its camera had failed once already. Recorder "restarted": a failure at 3m, a restart at
        // 10m30s, a failure before the first scrape after it (the counter is 1 again, as before).
        // Recorder "steady": running all along, failures at 12m and 13m.
        String series = """
                      - series: 'process_start_time_seconds{job="nvr",instance="new"}'
                        values: '-100x30'
                      - series: 'nvr_camera_outages_total{job="nvr",instance="new",site="s",camera="c1",reason="refused"}'
                        values: '1x30'
                      - series: 'nvr_camera_reconnects_total{job="nvr",instance="new",site="s",camera="c1",reason="refused"}'
                        values: '1x30'
                      - series: 'process_start_time_seconds{job="nvr",instance="restarted"}'
                        values: '-100x10 630x20'
                      - series: 'nvr_camera_outages_total{job="nvr",instance="restarted",site="s",camera="c2",reason="auth"}'
                        values: '0 0 0 1x7 1x20'
                      - series: 'nvr_camera_reconnects_total{job="nvr",instance="restarted",site="s",camera="c2",reason="auth"}'
                        values: '0 0 0 1x7 1x20'
                      - series: 'process_start_time_seconds{job="nvr",instance="steady"}'
                        values: '-100x30'
                      - series: 'nvr_camera_outages_total{job="nvr",instance="steady",site="s",camera="c3",reason="eof"}'
                        values: '0x11 1 2x17'
                      - series: 'nvr_camera_reconnects_total{job="nvr",instance="steady",site="s",camera="c3",reason="eof"}'
                        values: '0x11 1 2x17'
                """;
        String tests = """
                      - expr: '%1$s'
                        eval_time: 5m
                        exp_samples:
                          - {labels: '{reason="refused"}', value: 1}
                          - {labels: '{reason="auth"}', value: 1}
                      - expr: '%1$s'
                        eval_time: 16m
                        exp_samples:
                          - {labels: '{reason="auth"}', value: 1}
                          - {labels: '{reason="eof"}', value: 2}
                      - expr: '%1$s'
                        eval_time: 25m
                        exp_samples: []
                      - expr: '%2$s'
                        eval_time: 30s
                        exp_samples:
                          - {labels: '{site="s",camera="c1",reason="refused"}', value: 1}
                      - expr: '%2$s'
                        eval_time: 11m
                        exp_samples:
                          - {labels: '{site="s",camera="c2",reason="auth"}', value: 1}
                      - expr: '%2$s'
                        eval_time: 12m
                        exp_samples:
                          - {labels: '{site="s",camera="c3",reason="eof"}', value: 1}
                      - expr: '%2$s'
                        eval_time: 20m
                        exp_samples: []
                """.formatted(quoted(queries.get(OUTAGES)), quoted(queries.get(ATTEMPTS)));
        Path file = Files.writeString(dir.resolve("panels.test.yml"), """
                rule_files: []
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                %s    promql_expr_test:
                %s""".formatted(series, tests));
        ExternalCommand.Result result = ExternalCommand.run(
                List.of(MonitoringFiles.require(MonitoringFiles.PROMTOOL).toString(), "test", "rules", file.toString()),
                Duration.ofSeconds(60));
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    }

    /** For a single-quoted YAML scalar. */
    private static String quoted(String promql) {
        return promql.replace("'", "''");
    }
}
