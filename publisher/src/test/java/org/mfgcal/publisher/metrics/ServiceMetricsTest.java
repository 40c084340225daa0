package org.mfgcal.publisher.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.Fixtures;
import org.mfgcal.publisher.HttpEndpoint;

/** The meters as Prometheus sees them: names, label sets, and values against what was reported. */
class ServiceMetricsTest {

    /** One sample line of the Prometheus text format. */
    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Test
    void scrape_afterReports_everyMeterHasItsNameLabelsAndValue() throws Exception {
        PrometheusMeterRegistry registry = ServiceMetrics.newPrometheusRegistry();
        ServiceMetrics m = new ServiceMetrics(registry);
        m.recordsIn("flights", 1000);
        m.recordsIn("flights", 234);
        m.deadLetter("parse");
        m.deadLetter("parse");
        m.deadLetter("unknown-zone");
        m.lateEvent("London");
        m.calibrationCpu("London", 0.25);
        m.calibrationCpu("London", 0.5);
        m.consumerLag("mfg.input", 3, 17);
        m.consumerLag("mfg.input", 3, 5);
        m.consumerLag("mfg.input", 4, 9);
        m.retainConsumerLag(java.util.Set.of("mfg.input-3")); // partition 4 moved to another instance
        m.pausedPartitions(2);
        m.regionConfigured("London", 600);
        long before = System.currentTimeMillis();
        m.binCommitted("London", 978_310_800L);
        long after = System.currentTimeMillis();
        m.snapshotClosed(new org.mfgcal.api.Observation("London", 1, List.of("A"), List.of(1.0), 9));
        m.parametersUpdated(Fixtures.update("London", 1, 0.1, ParameterUpdate.Start.COLD));
        m.parametersUpdated(Fixtures.update("London", 2, 0.1, ParameterUpdate.Start.WARM));
        m.parametersUpdated(Fixtures.update("London", 3, 0.1, ParameterUpdate.Start.WARM));
        m.updateFailed("London", 4, "no-equilibrium");
        m.updateFailed("London", 4, "no-equilibrium");
        m.updateFailed("London", 5, "mass");
        m.forecastIssued(Fixtures.forecast("London", 3));
        m.driftScore("London", 3, 0.7);
        m.driftAlert(Fixtures.alert("London", 2, 3, DriftAlert.State.RAISED));
        m.driftAlert(Fixtures.alert("London", 2, 3, DriftAlert.State.RAISED)); // duplicate: still one active
        m.driftAlert(Fixtures.alert("London", 3, 3, DriftAlert.State.RAISED));
        m.driftAlert(Fixtures.alert("London", 2, 4, DriftAlert.State.CLEARED));

        String text;
        try (MetricsServer server = MetricsServer.start(registry, HttpEndpoint.loopback(0))) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
            text = r.body();
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "scrape-example.txt"), text);
        List<Sample> samples = parse(text);

        assertEquals(1234, value(samples, "mfgcal_input_records_total", Map.of("source", "flights")));
        assertEquals(2, value(samples, "mfgcal_dead_letter_records_total", Map.of("reason", "parse")));
        assertEquals(1, value(samples, "mfgcal_dead_letter_records_total", Map.of("reason", "unknown-zone")));
        assertEquals(1, value(samples, "mfgcal_late_events_total", Map.of("region", "London")));
        assertEquals(0.75, value(samples, "mfgcal_calibration_cpu_seconds_total", Map.of("region", "London")), 1e-12);
        assertEquals(5, value(samples, "mfgcal_consumer_lag_records", Map.of("topic", "mfg.input", "partition", "3")));
        assertTrue(samples.stream().noneMatch(x -> x.name().equals("mfgcal_consumer_lag_records")
                && "4".equals(x.labels().get("partition"))), "lag of a partition no longer assigned is removed");
        assertEquals(2, value(samples, "mfgcal_consumer_paused_partitions", Map.of()));
        assertEquals(978_310_800.0, value(samples, "mfgcal_last_committed_bin_timestamp_seconds",
                Map.of("region", "London")));
        double committedAt = value(samples, "mfgcal_last_commit_time_seconds", Map.of("region", "London"));
        assertTrue(committedAt >= before / 1000.0 && committedAt <= after / 1000.0, "wall time of the commit: " + committedAt);
        assertEquals(600, value(samples, "mfgcal_bin_width_seconds", Map.of("region", "London")));
        assertEquals(1, value(samples, "mfgcal_closed_snapshots_total", Map.of("region", "London")));
        assertEquals(1, value(samples, "mfgcal_calibration_updates_total", Map.of("region", "London", "start", "cold")));
        assertEquals(2, value(samples, "mfgcal_calibration_updates_total", Map.of("region", "London", "start", "warm")));
        assertEquals(3, value(samples, "mfgcal_update_latency_seconds_count", Map.of("region", "London")));
        assertEquals(3 * 3.5e-3, value(samples, "mfgcal_update_latency_seconds_sum", Map.of("region", "London")), 1e-9);
        assertEquals(3 * 40, value(samples, "mfgcal_picard_iterations_sum", Map.of("region", "London")));
        assertEquals(3 * 12, value(samples, "mfgcal_adjoint_iterations_sum", Map.of("region", "London")));
        assertEquals(0.25, value(samples, "mfgcal_calibration_loss", Map.of("region", "London")));
        assertEquals(1e-6, value(samples, "mfgcal_exploitability", Map.of("region", "London")));
        assertEquals(0.02, value(samples, "mfgcal_forecast_error_share", Map.of("region", "London")));
        assertEquals(1.0, value(samples, "mfgcal_forecast_band_coverage_ratio", Map.of("region", "London")));
        // Fixtures.forecast realises one 1-bin forecast: MAE 0.02, persistence 0.03, seasonal naive 0.025
        assertEquals(0.02 / 0.03, value(samples, "mfgcal_forecast_skill_ratio",
                Map.of("region", "London", "horizon", "1", "baseline", "persistence")), 1e-12);
        assertEquals(0.02 / 0.025, value(samples, "mfgcal_forecast_skill_ratio",
                Map.of("region", "London", "horizon", "1", "baseline", "seasonal_naive")), 1e-12);
        assertEquals(0.7, value(samples, "mfgcal_drift_score", Map.of("region", "London")));
        assertEquals(1, value(samples, "mfgcal_drift_alerts_active", Map.of("region", "London")));
        // alerts 2 and 3 raised; the duplicate raise of 2 is not counted again
        assertEquals(2, value(samples, "mfgcal_drift_alerts_raised_total", Map.of("region", "London")));
        assertEquals(2, value(samples, "mfgcal_update_failures_total", Map.of("region", "London", "reason", "no-equilibrium")));
        assertEquals(1, value(samples, "mfgcal_update_failures_total", Map.of("region", "London", "reason", "mass")));
        assertEquals(0, value(samples, "mfgcal_region_health", Map.of("region", "London"))); // the last update was OK
        assertTrue(samples.stream().anyMatch(s -> s.name().equals("mfgcal_update_latency_seconds_bucket")),
                "latency histogram buckets");
        // the 50 ms target is an exact bucket: all three updates took 3.5 ms
        assertEquals(3, value(samples, "mfgcal_update_latency_seconds_bucket", Map.of("region", "London", "le", "0.05")));
        assertEquals(0, value(samples, "mfgcal_update_latency_seconds_bucket", Map.of("region", "London", "le", "0.001")));

        // every declared meter is exposed under its declared Prometheus name with exactly its declared labels
        for (Meters meter : Meters.values()) {
            List<Sample> of = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(meter.prometheusName()) || s.name().startsWith(meter.prometheusName() + "_")
                        && meter.type() != Meters.Type.COUNTER && meter.type() != Meters.Type.GAUGE) {
                    of.add(s);
                }
            }
            assertTrue(!of.isEmpty(), meter + " not exposed as " + meter.prometheusName());
            for (Sample s : of) {
                TreeSet<String> keys = new TreeSet<>(s.labels().keySet());
                keys.remove("le");
                keys.remove("quantile");
                assertEquals(new TreeSet<>(meter.tagKeys()), keys, "labels of " + s.name());
            }
        }
    }

    @Test
    void tags_wrongCountOrBlank_isRejectedNamingTheMeter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Meters.UPDATES.tags("London"));
        assertTrue(e.getMessage().contains("mfgcal.calibration.updates") && e.getMessage().contains("[region, start]"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Meters.LOSS.tags(" "));
        assertTrue(e.getMessage().contains("region"), e.getMessage());
    }

    @Test
    void meters_namesAreUniqueAndPrometheusNamesFollowTheUnit() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Meters m : Meters.values()) {
            assertTrue(names.add(m.meterName()), "duplicate " + m.meterName());
            assertTrue(names.add(m.prometheusName()), "duplicate " + m.prometheusName());
            String snake = m.meterName().replace('.', '_');
            String expected = switch (m.type()) {
                case COUNTER -> withUnit(snake, m.unit()) + "_total";
                case TIMER -> snake + "_seconds";
                case GAUGE, SUMMARY -> withUnit(snake, m.unit());
            };
            assertEquals(expected, m.prometheusName(), m.name());
        }
    }

    private static String withUnit(String snake, String unit) {
        return unit == null || snake.endsWith("_" + unit) ? snake : snake + "_" + unit;
    }

    private static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return out;
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> hits = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
        assertEquals(1, hits.size(), name + labels + " in " + samples.stream().map(Sample::name).distinct().toList());
        return hits.get(0).value();
    }
}
