package org.mfgcal.publisher.metrics;

import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * Every meter of the service, declared once: Micrometer name, type, base unit, tag keys, and the name Prometheus
 * shows. The Grafana dashboards and alert rules under {@code grafana/} query these Prometheus names.
 *
 * <p>Rules: every meter of a name has exactly the tag keys declared here, in this order (Prometheus rejects a
 * name exposed with two label sets), and tag values come from a bounded set (regions, zones of config, dead-letter
 * reasons, partitions). Meters are created on first use by {@link ServiceMetrics}; nothing else registers meters
 * with an {@code mfgcal.} name. Thread-safe (an enum).
 *
 * <table>
 * <caption>Prometheus series</caption>
 * <tr><th>constant</th><th>Prometheus</th><th>meaning</th></tr>
 * <tr><td>{@link #INPUT_RECORDS}</td><td>{@code mfgcal_input_records_total{source}}</td><td>input records read</td></tr>
 * <tr><td>{@link #CLOSED_SNAPSHOTS}</td><td>{@code mfgcal_closed_snapshots_total{region}}</td><td>bins closed into snapshots</td></tr>
 * <tr><td>{@link #DEAD_LETTERS}</td><td>{@code mfgcal_dead_letter_records_total{reason}}</td><td>records sent to dead letters</td></tr>
 * <tr><td>{@link #LATE_EVENTS}</td><td>{@code mfgcal_late_events_total{region}}</td><td>events for an already closed bin</td></tr>
 * <tr><td>{@link #UPDATES}</td><td>{@code mfgcal_calibration_updates_total{region,start}}</td><td>updates, warm or cold</td></tr>
 * <tr><td>{@link #UPDATE_LATENCY}</td><td>{@code mfgcal_update_latency_seconds_bucket/_count/_sum/_max{region}}
 *     (percentiles by {@code histogram_quantile})</td><td>wall time per update</td></tr>
 * <tr><td>{@link #PICARD_ITERATIONS}</td><td>{@code mfgcal_picard_iterations_count/_sum/_max{region}}</td><td>fixed-point iterations per update</td></tr>
 * <tr><td>{@link #ADJOINT_ITERATIONS}</td><td>{@code mfgcal_adjoint_iterations_count/_sum/_max{region}}</td><td>adjoint iterations per update</td></tr>
 * <tr><td>{@link #LOSS}</td><td>{@code mfgcal_calibration_loss{region}}</td><td>loss after the last update</td></tr>
 * <tr><td>{@link #EXPLOITABILITY}</td><td>{@code mfgcal_exploitability{region}}</td><td>exploitability after the last update</td></tr>
 * <tr><td>{@link #FORECAST_ERROR}</td><td>{@code mfgcal_forecast_error_share{region}}</td><td>mean absolute share error of the forecasts realised at the last bin</td></tr>
 * <tr><td>{@link #FORECAST_BAND_COVERAGE}</td><td>{@code mfgcal_forecast_band_coverage_ratio{region}}</td><td>share of actuals inside the band, since start</td></tr>
 * <tr><td>{@link #FORECAST_SKILL}</td><td>{@code mfgcal_forecast_skill_ratio{region,horizon,baseline}}</td><td>model MAE / baseline MAE (persistence, seasonal_naive) per horizon, since start; below 1 the model beats the baseline</td></tr>
 * <tr><td>{@link #DRIFT_SCORE}</td><td>{@code mfgcal_drift_score{region}}</td><td>largest detector statistic / threshold</td></tr>
 * <tr><td>{@link #DRIFT_ALERTS_ACTIVE}</td><td>{@code mfgcal_drift_alerts_active{region}}</td><td>alerts raised and not cleared</td></tr>
 * <tr><td>{@link #DRIFT_ALERTS_RAISED}</td><td>{@code mfgcal_drift_alerts_raised_total{region}}</td><td>alerts raised since start</td></tr>
 * <tr><td>{@link #UPDATE_FAILURES}</td><td>{@code mfgcal_update_failures_total{region,reason}}</td><td>update attempts that failed their checks (warm, then its cold retry), by reason</td></tr>
 * <tr><td>{@link #REGION_HEALTH}</td><td>{@code mfgcal_region_health{region}}</td><td>last update: 0 ok, 1 recovered by the cold retry, 2 degraded</td></tr>
 * <tr><td>{@link #CONSUMER_LAG}</td><td>{@code mfgcal_consumer_lag_records{topic,partition}}</td><td>records behind the log end (assigned partitions only)</td></tr>
 * <tr><td>{@link #CONSUMER_PAUSED}</td><td>{@code mfgcal_consumer_paused_partitions}</td><td>assigned partitions paused for backpressure</td></tr>
 * <tr><td>{@link #LAST_COMMITTED_BIN}</td><td>{@code mfgcal_last_committed_bin_timestamp_seconds{region}}</td><td>end of the region's latest committed bin (event time, Unix seconds)</td></tr>
 * <tr><td>{@link #LAST_COMMIT_TIME}</td><td>{@code mfgcal_last_commit_time_seconds{region}}</td><td>wall-clock time of the region's latest committed bin (Unix seconds)</td></tr>
 * <tr><td>{@link #BIN_WIDTH}</td><td>{@code mfgcal_bin_width_seconds{region}}</td><td>the region's configured bin width</td></tr>
 * </table>
 *
 * <p>Besides these, the service registers Micrometer's standard binders (JVM memory, GC, threads, classes,
 * processor, uptime, file descriptors: {@code jvm_*}, {@code process_*}, {@code system_*}), the resident set size
 * {@code process_resident_memory_bytes}, and Kafka's own client metrics of its consumer and transactional
 * producer ({@code kafka_consumer_*}, {@code kafka_producer_*}); those names are Micrometer's and Kafka's.
 */
public enum Meters {
    /** Input records read from Kafka or a file, before validation. */
    INPUT_RECORDS("mfgcal.input.records", Type.COUNTER, "records", "mfgcal_input_records_total",
            "Input records read, before validation", "source"),
    /** Event-time bins closed into population snapshots. */
    CLOSED_SNAPSHOTS("mfgcal.closed.snapshots", Type.COUNTER, "snapshots", "mfgcal_closed_snapshots_total",
            "Event-time bins closed into population snapshots", "region"),
    /** Records sent to the dead-letter topic, by reason. */
    DEAD_LETTERS("mfgcal.dead.letter.records", Type.COUNTER, "records", "mfgcal_dead_letter_records_total",
            "Input records sent to dead letters", "reason"),
    /** Events that arrived after their bin closed (beyond the allowed lateness). */
    LATE_EVENTS("mfgcal.late.events", Type.COUNTER, "events", "mfgcal_late_events_total",
            "Events arriving after their bin closed", "region"),
    /** Calibration updates, by start (warm or cold). */
    UPDATES("mfgcal.calibration.updates", Type.COUNTER, "updates", "mfgcal_calibration_updates_total",
            "Calibration updates by start (warm, cold)", "region", "start"),
    /**
     * CPU time of the calibration threads per region: the updates and their state records. With
     * {@code process_cpu_time_ns_total} it shows updates per second per core, of the calibration and of the whole
     * service.
     */
    CALIBRATION_CPU("mfgcal.calibration.cpu", Type.COUNTER, "seconds", "mfgcal_calibration_cpu_seconds_total",
            "CPU time of the calibration threads (updates and their state records)", "region"),
    /** Wall time of one calibration update (histogram; percentiles by {@code histogram_quantile}). */
    UPDATE_LATENCY("mfgcal.update.latency", Type.TIMER, "seconds", "mfgcal_update_latency_seconds",
            "Wall time of one calibration update", "region"),
    /** Picard (forward-backward fixed point) iterations per update. */
    PICARD_ITERATIONS("mfgcal.picard.iterations", Type.SUMMARY, "iterations", "mfgcal_picard_iterations",
            "Picard iterations per calibration update", "region"),
    /** Adjoint iterations per update. */
    ADJOINT_ITERATIONS("mfgcal.adjoint.iterations", Type.SUMMARY, "iterations", "mfgcal_adjoint_iterations",
            "Adjoint iterations per calibration update", "region"),
    /** Calibration loss after the last update. */
    LOSS("mfgcal.calibration.loss", Type.GAUGE, null, "mfgcal_calibration_loss",
            "Calibration loss after the last update", "region"),
    /** Exploitability of the calibrated equilibrium after the last update. */
    EXPLOITABILITY("mfgcal.exploitability", Type.GAUGE, null, "mfgcal_exploitability",
            "Exploitability of the calibrated equilibrium", "region"),
    /** Mean absolute share error of the forecasts realised at the last closed bin. */
    FORECAST_ERROR("mfgcal.forecast.error", Type.GAUGE, "share", "mfgcal_forecast_error_share",
            "Mean absolute share error of forecasts realised at the last bin", "region"),
    /** Share of realised actuals that fell inside the prediction band, since start. */
    FORECAST_BAND_COVERAGE("mfgcal.forecast.band.coverage", Type.GAUGE, "ratio",
            "mfgcal_forecast_band_coverage_ratio", "Share of actuals inside the prediction band", "region"),
    /**
     * Forecast skill since start: the model's mean absolute share error over that of a baseline ({@code baseline}
     * = {@code persistence} or {@code seasonal_naive}) for the same bins, per horizon in bins (below 1: the model
     * beats the baseline).
     */
    FORECAST_SKILL("mfgcal.forecast.skill", Type.GAUGE, "ratio", "mfgcal_forecast_skill_ratio",
            "Forecast MAE over baseline MAE (persistence, seasonal_naive) per horizon", "region", "horizon",
            "baseline"),
    /** Largest drift detector statistic of a region divided by its alarm threshold (1 = alarm). */
    DRIFT_SCORE("mfgcal.drift.score", Type.GAUGE, null, "mfgcal_drift_score",
            "Largest drift statistic over threshold", "region"),
    /** Drift alerts raised and not yet cleared. */
    DRIFT_ALERTS_ACTIVE("mfgcal.drift.alerts.active", Type.GAUGE, null, "mfgcal_drift_alerts_active",
            "Drift alerts raised and not cleared", "region"),
    /**
     * Drift alerts raised since start (0 from the region's configuration on): {@code increase} over the rule's
     * window catches an alert that was raised and cleared between two scrapes, as in a catch-up after a backlog.
     */
    DRIFT_ALERTS_RAISED("mfgcal.drift.alerts.raised", Type.COUNTER, null, "mfgcal_drift_alerts_raised_total",
            "Drift alerts raised since start", "region"),
    /** Update attempts that failed their checks, by reason (a {@code Health.REASON_*} label). */
    UPDATE_FAILURES("mfgcal.update.failures", Type.COUNTER, "failures", "mfgcal_update_failures_total",
            "Calibration update attempts that failed their checks, by reason", "region", "reason"),
    /** Health of a region's last update: 0 ok, 1 recovered by the cold retry, 2 degraded (last good parameters). */
    REGION_HEALTH("mfgcal.region.health", Type.GAUGE, null, "mfgcal_region_health",
            "Health of the last update: 0 ok, 1 recovered by a cold retry, 2 degraded", "region"),
    /** Consumer lag per input partition, records. */
    CONSUMER_LAG("mfgcal.consumer.lag", Type.GAUGE, "records", "mfgcal_consumer_lag_records",
            "Records between the committed position and the last stable offset, per assigned partition", "topic",
            "partition"),
    /**
     * Assigned input partitions paused because the pipeline has no demand (backpressure engaged), now or at any
     * moment since the previous reading (the service reads it every second).
     */
    CONSUMER_PAUSED("mfgcal.consumer.paused", Type.GAUGE, "partitions", "mfgcal_consumer_paused_partitions",
            "Assigned input partitions paused for backpressure"),
    /**
     * End of the region's latest committed bin (event time, seconds since the epoch): {@code time() - x} is how
     * old the newest committed result is; it only moves forward.
     */
    LAST_COMMITTED_BIN("mfgcal.last.committed.bin.timestamp", Type.GAUGE, "seconds",
            "mfgcal_last_committed_bin_timestamp_seconds", "End of the latest committed bin, event time", "region"),
    /**
     * Wall-clock time (seconds since the epoch) at which the region's latest bin was committed: {@code time() - x}
     * is how long no bin has been committed (the stall alert fires above 3 bin widths).
     */
    LAST_COMMIT_TIME("mfgcal.last.commit.time", Type.GAUGE, "seconds", "mfgcal_last_commit_time_seconds",
            "Wall-clock time of the latest committed bin", "region"),
    /** The region's configured bin width. */
    BIN_WIDTH("mfgcal.bin.width", Type.GAUGE, "seconds", "mfgcal_bin_width_seconds", "Configured bin width",
            "region");

    /** Kind of meter. */
    public enum Type { COUNTER, GAUGE, TIMER, SUMMARY }

    private final String meterName;
    private final Type type;
    private final String unit;
    private final String prometheusName;
    private final String description;
    private final List<String> tagKeys;

    Meters(String meterName, Type type, String unit, String prometheusName, String description, String... tagKeys) {
        this.meterName = meterName;
        this.type = type;
        this.unit = unit;
        this.prometheusName = prometheusName;
        this.description = description;
        this.tagKeys = List.of(tagKeys);
    }

    /** Micrometer (dotted) name. */
    public String meterName() {
        return meterName;
    }

    /** Kind of meter. */
    public Type type() {
        return type;
    }

    /** Base unit, or null for a dimensionless meter. */
    public String unit() {
        return unit;
    }

    /**
     * Name of the Prometheus series (for a timer or summary: the prefix of {@code _count}, {@code _sum},
     * {@code _max}, {@code _bucket}).
     */
    public String prometheusName() {
        return prometheusName;
    }

    /** Help text. */
    public String description() {
        return description;
    }

    /** Tag keys, in order; the same for every meter of this name. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /**
     * Tags for the given values, one per {@link #tagKeys()} in order.
     *
     * @throws IllegalArgumentException if the number of values differs from the number of keys or a value is
     *                                  null or blank
     */
    public Tags tags(String... values) {
        if (values.length != tagKeys.size()) {
            throw new IllegalArgumentException(meterName + " takes tags " + tagKeys + ", got " + values.length
                    + " values");
        }
        Tags tags = Tags.empty();
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null || values[i].isBlank()) {
                throw new IllegalArgumentException(meterName + " tag " + tagKeys.get(i) + " must be non-blank, got "
                        + (values[i] == null ? "null" : "'" + values[i] + "'"));
            }
            tags = tags.and(tagKeys.get(i), values[i]);
        }
        return tags;
    }
}
