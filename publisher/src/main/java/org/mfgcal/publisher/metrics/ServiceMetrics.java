package org.mfgcal.publisher.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.SkillTally;

/**
 * The service's meters ({@link Meters}) fed from the online loop (as a {@link CalibrationListener}) and from
 * ingest (the {@code recordsIn}, {@code deadLetter}, {@code lateEvent} and {@code consumerLag} methods).
 *
 * <p>Contract: a meter appears on its first report; gauges keep the last value reported. Update latency is a
 * timer with a percentile histogram (buckets, aggregatable across instances and regions; percentiles come from
 * {@code histogram_quantile} in PromQL, as on the dashboard: the Prometheus registry does not expose client-side
 * quantiles for a meter that has buckets) with extra bucket boundaries at {@link #LATENCY_SLOS}.
 * Thread-safe: every method may be called from any thread.
 */
public final class ServiceMetrics implements CalibrationListener {

    /**
     * Bucket boundaries added to the latency histogram so the issue-5 target (p99 at most 50 ms) reads off an
     * exact bucket: {@code mfgcal_update_latency_seconds_bucket{le="0.05"}}.
     */
    static final Duration[] LATENCY_SLOS = {Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250)};

    private final MeterRegistry registry;
    /** Per meter, the holder of each gauge by its tag values (looked up without building {@link Tags}). */
    private final Map<Meters, Map<List<String>, AtomicLong>> gauges = new java.util.EnumMap<>(Meters.class);
    private final Map<String, Set<String>> activeAlerts = new ConcurrentHashMap<>();
    private final Map<String, double[]> coverage = new ConcurrentHashMap<>();
    private final Map<String, SkillTally> skill = new ConcurrentHashMap<>();

    /** Values of the {@code baseline} tag of {@link Meters#FORECAST_SKILL}. */
    public static final String PERSISTENCE = "persistence";
    public static final String SEASONAL_NAIVE = "seasonal_naive";

    /** Metrics registered in {@code registry}. */
    public ServiceMetrics(MeterRegistry registry) {
        if (registry == null) {
            throw new IllegalArgumentException("registry must not be null");
        }
        this.registry = registry;
    }

    /** A new Prometheus registry with default settings, for {@link MetricsServer}. */
    public static PrometheusMeterRegistry newPrometheusRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /** The registry the meters live in. */
    public MeterRegistry registry() {
        return registry;
    }

    // ---- ingest side

    /** {@code count} input records were read from {@code source} (topic or file format). */
    public void recordsIn(String source, long count) {
        counter(Meters.INPUT_RECORDS, source).increment(count);
    }

    /** One record went to dead letters for {@code reason} (e.g. {@code parse}, {@code unknown-zone}). */
    public void deadLetter(String reason) {
        counter(Meters.DEAD_LETTERS, reason).increment();
    }

    /** The calibration threads spent {@code seconds} of CPU on {@code region}'s updates. */
    public void calibrationCpu(String region, double seconds) {
        counter(Meters.CALIBRATION_CPU, region).increment(seconds);
    }

    /** One event of {@code region} arrived after its bin closed. */
    public void lateEvent(String region) {
        counter(Meters.LATE_EVENTS, region).increment();
    }

    /** The consumer of {@code topic}/{@code partition} is {@code lag} records behind the log end. */
    public void consumerLag(String topic, int partition, long lag) {
        gauge(Meters.CONSUMER_LAG, lag, topic, Integer.toString(partition));
    }

    /**
     * Removes the lag series of every partition not in {@code assigned} (keys {@code topic + "-" + partition}):
     * a partition that moved to another instance must not keep reporting its last lag here.
     */
    public void retainConsumerLag(Set<String> assigned) {
        Map<List<String>, AtomicLong> lags;
        synchronized (gauges) {
            lags = gauges.get(Meters.CONSUMER_LAG);
        }
        if (lags == null) {
            return;
        }
        lags.keySet().removeIf(tagValues -> { // tag values in the meter's order: topic, partition
            if (assigned.contains(tagValues.get(0) + "-" + tagValues.get(1))) {
                return false;
            }
            Gauge old = registry.find(Meters.CONSUMER_LAG.meterName())
                    .tags(Meters.CONSUMER_LAG.tags(tagValues.toArray(String[]::new))).gauge();
            if (old != null) {
                registry.remove(old);
            }
            return true;
        });
    }

    /** {@code n} assigned input partitions are paused for backpressure right now. */
    public void pausedPartitions(int n) {
        gauge(Meters.CONSUMER_PAUSED, n);
    }

    /**
     * A transaction holding {@code region}'s bin ending at {@code binEndEpochSeconds} committed now (the wall clock
     * goes to {@link Meters#LAST_COMMIT_TIME}).
     */
    public void binCommitted(String region, long binEndEpochSeconds) {
        gauge(Meters.LAST_COMMITTED_BIN, binEndEpochSeconds, region);
        gauge(Meters.LAST_COMMIT_TIME, System.currentTimeMillis() / 1000.0, region);
    }

    /**
     * {@code region} is configured with bins of {@code binWidthSeconds} (> 0); called once at start, it also sets
     * {@link Meters#LAST_COMMIT_TIME} to now, so the stall alert measures from the start until the first commit.
     */
    public void regionConfigured(String region, double binWidthSeconds) {
        if (!(binWidthSeconds > 0) || Double.isInfinite(binWidthSeconds)) {
            throw new IllegalArgumentException("region '" + region + "': bin width must be > 0 s, got " + binWidthSeconds);
        }
        gauge(Meters.BIN_WIDTH, binWidthSeconds, region);
        gauge(Meters.LAST_COMMIT_TIME, System.currentTimeMillis() / 1000.0, region);
        // at 0 from the start: a backlog can reach the first drift score and raise an alert within one scrape
        // interval, and increase() needs a sample before the raise
        counter(Meters.DRIFT_ALERTS_RAISED, region);
    }

    // ---- online loop

    @Override
    public void snapshotClosed(Observation observation) {
        counter(Meters.CLOSED_SNAPSHOTS, observation.region()).increment();
    }

    @Override
    public void parametersUpdated(ParameterUpdate u) {
        String region = u.region();
        counter(Meters.UPDATES, region, u.start().name().toLowerCase(java.util.Locale.ROOT)).increment();
        Timer.builder(Meters.UPDATE_LATENCY.meterName())
                .description(Meters.UPDATE_LATENCY.description())
                .tags(Meters.UPDATE_LATENCY.tags(region))
                .publishPercentileHistogram()
                .serviceLevelObjectives(LATENCY_SLOS)
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry)
                .record((long) (u.latencyMillis() * 1e6), TimeUnit.NANOSECONDS);
        summary(Meters.PICARD_ITERATIONS, region).record(u.picardIterations());
        summary(Meters.ADJOINT_ITERATIONS, region).record(u.adjointIterations());
        gauge(Meters.LOSS, u.loss(), region);
        gauge(Meters.EXPLOITABILITY, u.exploitability(), region);
        gauge(Meters.REGION_HEALTH, u.health().state().ordinal(), region);
    }

    @Override
    public void updateFailed(String region, long bin, String reason) {
        counter(Meters.UPDATE_FAILURES, region, reason).increment();
    }

    @Override
    public void forecastIssued(Forecast f) {
        List<Forecast.RealisedError> realised = f.realised();
        if (realised.isEmpty()) {
            return;
        }
        double err = 0;
        double inside = 0;
        for (Forecast.RealisedError r : realised) {
            err += r.meanAbsError();
            inside += r.insideBandShare();
        }
        gauge(Meters.FORECAST_ERROR, err / realised.size(), f.region());
        double[] c = coverage.computeIfAbsent(f.region(), k -> new double[2]);
        double ratio;
        synchronized (c) {
            c[0] += inside;
            c[1] += realised.size();
            ratio = c[0] / c[1];
        }
        gauge(Meters.FORECAST_BAND_COVERAGE, ratio, f.region());
        SkillTally t = skill.computeIfAbsent(f.region(), k -> new SkillTally(Math.max(1, f.steps().size())));
        synchronized (t) {
            t.add(f);
            for (Forecast.RealisedError r : realised) {
                int h = r.horizon();
                if (h > t.horizon()) {
                    continue;
                }
                String hz = Integer.toString(h);
                double p = t.persistenceRatio(h);
                if (Double.isFinite(p)) {
                    gauge(Meters.FORECAST_SKILL, p, f.region(), hz, PERSISTENCE);
                }
                double s = t.seasonalRatio(h);
                if (Double.isFinite(s)) {
                    gauge(Meters.FORECAST_SKILL, s, f.region(), hz, SEASONAL_NAIVE);
                }
            }
        }
    }

    @Override
    public void driftScore(String region, long bin, double score) {
        gauge(Meters.DRIFT_SCORE, score, region);
        counter(Meters.DRIFT_ALERTS_RAISED, region); // present at 0 before the first alert, so increase() sees it
    }

    @Override
    public void driftAlert(DriftAlert alert) {
        Set<String> active = activeAlerts.computeIfAbsent(alert.region(), k -> ConcurrentHashMap.newKeySet());
        if (alert.state() == DriftAlert.State.RAISED) {
            if (active.add(alert.id())) {
                counter(Meters.DRIFT_ALERTS_RAISED, alert.region()).increment();
            }
        } else {
            active.remove(alert.id());
        }
        gauge(Meters.DRIFT_ALERTS_ACTIVE, active.size(), alert.region());
    }

    // ---- helpers

    private Counter counter(Meters m, String... tagValues) {
        return Counter.builder(m.meterName()).description(m.description()).baseUnit(m.unit())
                .tags(m.tags(tagValues)).register(registry);
    }

    private DistributionSummary summary(Meters m, String... tagValues) {
        return DistributionSummary.builder(m.meterName()).description(m.description()).baseUnit(m.unit())
                .tags(m.tags(tagValues)).register(registry);
    }

    private void gauge(Meters m, double value, String... tagValues) {
        Map<List<String>, AtomicLong> byTags;
        synchronized (gauges) {
            byTags = gauges.computeIfAbsent(m, k -> new ConcurrentHashMap<>());
        }
        AtomicLong bits = byTags.computeIfAbsent(java.util.Arrays.asList(tagValues), k -> {
            AtomicLong holder = new AtomicLong(Double.doubleToRawLongBits(Double.NaN));
            Gauge.builder(m.meterName(), holder, h -> Double.longBitsToDouble(h.get()))
                    .description(m.description()).baseUnit(m.unit()).tags(m.tags(tagValues)).strongReference(true)
                    .register(registry);
            return holder;
        });
        bits.set(Double.doubleToRawLongBits(value));
    }
}
