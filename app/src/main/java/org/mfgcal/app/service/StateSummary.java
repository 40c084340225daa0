package org.mfgcal.app.service;

import java.util.List;

import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.ParameterValue;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.publisher.json.OutputJson;

/**
 * The value written to the compacted state topic ({@code mfg.state}, key = region) after every closed bin.
 *
 * <p>{@link RegionCalibrator} has no export of its warm state (window, θ table, Adam moments, μ*, seasonal
 * memory, detector statistics), so this is a compact <b>summary</b>, not a restart point: the latest bin, whether
 * the region is warm, the latest parameter estimates, the drift score and the number of active alerts, with the
 * provenance needed to tell which model and config produced it. {@link #FORMAT} says so; {@code resumable} is
 * {@code false}. A restarted instance starts the region cold and refills its window from the input topic.
 *
 * <p>Contract: immutable JSON record; thread-safe.
 *
 * @param format        {@link #FORMAT}
 * @param resumable     whether a calibrator can resume from this value (always false for this format)
 * @param region        region
 * @param zones         zone names in state order
 * @param lastBin       the latest closed bin processed (epoch bins of the region's width)
 * @param warm          whether the region has a calibrated state (its window is full)
 * @param parameters    latest parameter estimates (empty while the window fills)
 * @param driftScore    largest drift statistic over its threshold
 * @param activeAlerts  alerts currently raised
 * @param modelVersion  model name and version
 * @param configHash    hash of the loop's configuration
 * @param seed          random seed of the loop
 * @param codeVersion   code version
 */
public record StateSummary(String format, boolean resumable, String region, List<String> zones, long lastBin,
                           boolean warm, List<ParameterValue> parameters, double driftScore, int activeAlerts,
                           String modelVersion, String configHash, long seed, String codeVersion) {

    /** Format name of this value. */
    public static final String FORMAT = "mfgcal.state-summary/1";

    public StateSummary {
        zones = List.copyOf(zones);
        parameters = List.copyOf(parameters);
    }

    /** The summary of {@code rc} after it processed a bin; {@code latest} the latest estimates (may be empty). */
    public static StateSummary of(RegionCalibrator rc, List<ParameterValue> latest) {
        OnlineConfig c = rc.config();
        double score = rc.driftScore();
        return new StateSummary(FORMAT, false, rc.region(), rc.zones(), rc.lastBin(), rc.isWarm(), latest,
                Double.isFinite(score) ? score : 0, rc.activeAlerts(), c.modelVersion(), c.hash(), c.seed(),
                c.codeVersion());
    }

    /** JSON bytes (UTF-8). */
    public byte[] toBytes() {
        return OutputJson.bytes(this);
    }

    /** Parses JSON bytes written by {@link #toBytes()}. */
    public static StateSummary fromBytes(byte[] json) {
        return OutputJson.read(json, StateSummary.class);
    }
}
