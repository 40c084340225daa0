package org.mfgcal.publisher.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.GrafanaQueries;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.PrometheusProcess;
import org.mfgcal.publisher.Tools;

/**
 * Issue 6, must show 1: the metrics endpoint, fed through the listener and ingest APIs while the test runs, is
 * scraped by a real Prometheus (Debian package, loopback, 1 s scrape interval, configured from the repository's
 * {@code prometheus/prometheus.yml} with only the target and interval replaced); then every PromQL expression of
 * every Grafana panel, dashboard variable and alert rule must be valid and return at least one series with a
 * finite value.
 */
class GrafanaQueriesAgainstPrometheusIT {

    /** How long the queries may take to all return data after the first successful scrape. */
    static final long QUERY_DEADLINE_S = 45;

    @TempDir
    Path tmp;

    @Test
    void everyGrafanaQuery_againstRealPrometheus_isValidAndReturnsSeries() throws Exception {
        Path repo = Tools.repoRoot();
        List<GrafanaQueries.Query> queries = GrafanaQueries.all(repo.resolve("grafana"));
        assertTrue(queries.size() >= 20, "expected the dashboard and rule queries, found " + queries.size());

        PrometheusMeterRegistry registry = ServiceMetrics.newPrometheusRegistry();
        ServiceMetrics metrics = new ServiceMetrics(registry);
        metrics.regionConfigured("London", 3600);
        metrics.regionConfigured("Paris", 3600);
        Fixtures.play(metrics, "London", 5, 30, 20, 3L);
        Fixtures.play(metrics, "Paris", 4, 30, -1, 4L);
        AtomicLong bin = new AtomicLong(30);
        ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
        io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics jvm = new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics();
        jvm.bindTo(registry); // the dashboard's heap panel (the service binds it too)
        new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry); // process CPU: throughput
        try (MetricsServer server = MetricsServer.start(registry, HttpEndpoint.loopback(0))) {
            feeder.scheduleAtFixedRate(() -> feed(metrics, bin.getAndIncrement()), 0, 200, TimeUnit.MILLISECONDS);
            Path config = prometheusConfig(repo.resolve("prometheus/prometheus.yml"), "127.0.0.1:" + server.port());
            try (PrometheusProcess prom = PrometheusProcess.start(config, tmp)) {
                waitForScrapes(prom, 4);
                Map<String, String> failures = new LinkedHashMap<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(QUERY_DEADLINE_S);
                do {
                    failures.clear();
                    for (GrafanaQueries.Query q : queries) {
                        String problem = check(prom, q.expr());
                        if (problem != null) {
                            failures.put(q.source() + ": " + q.expr(), problem);
                        }
                    }
                    if (!failures.isEmpty()) {
                        Thread.sleep(1000);
                    }
                } while (!failures.isEmpty() && System.nanoTime() < deadline);
                if (!failures.isEmpty()) {
                    StringBuilder sb = new StringBuilder("Grafana queries failing against Prometheus:\n");
                    failures.forEach((q, why) -> sb.append("  ").append(q).append("\n    -> ").append(why).append('\n'));
                    fail(sb.toString());
                }
                // a query that must fail, so the check above can fail
                assertTrue(check(prom, "mfgcal_no_such_metric") != null, "a missing metric must count as no series");
                assertTrue(check(prom, "sum by (region (mfgcal_drift_score)") != null, "invalid PromQL must fail");
            }
        } finally {
            feeder.shutdownNow();
            feeder.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyMeter_isQueriedByTheDashboard() throws Exception {
        List<GrafanaQueries.Query> queries = GrafanaQueries.all(Tools.repoRoot().resolve("grafana"));
        List<Meters> missing = new ArrayList<>();
        for (Meters m : Meters.values()) {
            if (queries.stream().noneMatch(q -> q.source().contains("panel") && q.expr().contains(m.prometheusName()))) {
                missing.add(m);
            }
        }
        assertEquals(List.of(), missing, "meters with no dashboard panel");
    }

    /** One more bin of everything, as the running service would report. */
    private static void feed(ServiceMetrics metrics, long bin) {
        for (String region : List.of("London", "Paris")) {
            metrics.snapshotClosed(new Observation(region, bin, List.of("A", "B"), List.of(0.5, 0.5), 100));
            metrics.parametersUpdated(Fixtures.update(region, bin, 0.1 + 0.01 * (bin % 7),
                    bin % 10 == 0 ? ParameterUpdate.Start.COLD : ParameterUpdate.Start.WARM));
            metrics.forecastIssued(Fixtures.forecast(region, bin));
            metrics.driftScore(region, bin, 0.3);
            metrics.lateEvent(region);
            metrics.calibrationCpu(region, 0.004);
            metrics.updateFailed(region, bin, bin % 2 == 0 ? "no-equilibrium" : "mass");
        }
        metrics.driftAlert(Fixtures.alert("London", bin - 1, bin, DriftAlert.State.RAISED));
        metrics.recordsIn("flights", 250);
        metrics.deadLetter(bin % 2 == 0 ? "parse" : "unknown-zone");
        metrics.consumerLag("mfg.input", 0, 40 + bin % 5);
        metrics.pausedPartitions((int) (bin % 3));
        metrics.binCommitted("London", 978_310_800L + 3600 * bin);
        metrics.binCommitted("Paris", 978_310_800L + 3600 * bin);
    }

    /** Null if {@code expr} is valid and returns at least one series with a finite value, else the problem. */
    private static String check(PrometheusProcess prom, String expr) {
        try {
            JsonNode data = prom.query(expr);
            JsonNode result = data.path("result");
            if (!result.isArray() || result.isEmpty()) {
                return "no series";
            }
            for (JsonNode series : result) {
                double v = Double.parseDouble(series.path("value").path(1).asText());
                if (Double.isFinite(v)) {
                    return null;
                }
            }
            return "only non-finite values: " + result;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static void waitForScrapes(PrometheusProcess prom, int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String q = "count_over_time(up{job=\"mfgcal\"}[1m]) >= " + n + " and up{job=\"mfgcal\"} == 1";
        while (prom.query(q).path("result").isEmpty()) {
            if (System.nanoTime() > deadline) {
                fail("Prometheus did not scrape the service " + n + " times within 30 s; up = "
                        + prom.query("up") + "\n" + prom.log());
            }
            Thread.sleep(500);
        }
    }

    /** The repository's Prometheus config with the mfgcal job pointed at {@code target}, scraping every second. */
    private Path prometheusConfig(Path repoConfig, String target) throws Exception {
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode root = (ObjectNode) yaml.readTree(repoConfig.toFile());
        ((ObjectNode) root.path("global")).put("scrape_interval", "1s").put("evaluation_interval", "1s");
        boolean found = false;
        for (JsonNode job : root.path("scrape_configs")) {
            if ("mfgcal".equals(job.path("job_name").asText())) {
                ArrayNode configs = (ArrayNode) job.path("static_configs");
                assertEquals(1, configs.size(), "one static target group in the mfgcal job");
                ((ObjectNode) configs.get(0)).putArray("targets").add(target);
                found = true;
            }
        }
        assertTrue(found, "prometheus.yml has no job 'mfgcal'");
        Path out = tmp.resolve("prometheus.yml");
        yaml.writeValue(out.toFile(), root);
        return out;
    }
}
