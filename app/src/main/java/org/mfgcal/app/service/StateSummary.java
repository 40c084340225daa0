package org.mfgcal.app.service;

import java.util.List;

import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.publisher.json.OutputJson;

/**
 * The value written to the compacted state topic ({@code mfg.state}, key = region) after every closed bin, in the
 * same transaction as the bin's outputs and input offsets: the region's restart point.
 *
 * <p>Readable fields summarise the region (latest bin, warm flag, latest parameter estimates, drift score, active
 * alerts, provenance); {@code warmState} is {@link RegionCalibrator#exportState()} (base64 in JSON), the whole warm
 * state of the calibrator. On start the service reads the topic to its end with read_committed and restores each
 * region from its latest value ({@link RegionCalibrator#restore}), so a restart continues exactly where the last
 * committed bin left off. Size: about 0.9 MB of JSON for the shipped flights region, about 14 MB for 21 zones,
 * W = 96, S = 672 (see {@link org.mfgcal.publisher.kafka.OutputTopics#STATE_MAX_MESSAGE_BYTES}).
 *
 * <p>Contract: immutable JSON record (the array is not copied: do not modify it); thread-safe.
 *
 * @param format        {@link #FORMAT}
 * @param resumable     whether a calibrator can resume from this value (true when {@code warmState} is set)
 * @param region        region
 * @param zones         zone names in state order
 * @param lastBin       the latest closed bin processed (epoch bins of the region's width)
 * @param warm          whether the region has a calibrated state (its window is full)
 * @param parameters    latest parameter estimates (empty while the window fills)
 * @param driftScore    largest drift statistic over its threshold
 * @param activeAlerts  alerts currently raised
 * @param modelVersion  model name and version
 * @param configHash    hash of the loop's configuration (a snapshot restores only into the same configuration)
 * @param seed          random seed of the loop
 * @param codeVersion   code version
 * @param warmState     the calibrator's snapshot ({@link RegionCalibrator#exportState()}), base64 in JSON
 */
public record StateSummary(String format, boolean resumable, String region, List<String> zones, long lastBin,
                           boolean warm, List<ParameterValue> parameters, double driftScore, int activeAlerts,
                           String modelVersion, String configHash, long seed, String codeVersion,
                           byte[] warmState) {

    /** Format name of this value. */
    public static final String FORMAT = "mfgcal.state/2";

    public StateSummary {
        zones = List.copyOf(zones);
        parameters = List.copyOf(parameters);
    }

    /** The state of {@code rc} after it processed a bin; {@code latest} the latest estimates (may be empty). */
    public static StateSummary of(RegionCalibrator rc, List<ParameterValue> latest) {
        OnlineConfig c = rc.config();
        double score = rc.driftScore();
        return new StateSummary(FORMAT, true, rc.region(), rc.zones(), rc.lastBin(), rc.isWarm(), latest,
                Double.isFinite(score) ? score : 0, rc.activeAlerts(), c.modelVersion(), c.hash(), c.seed(),
                c.codeVersion(), rc.exportState());
    }

    /** Whether this value can restore a calibrator (format {@link #FORMAT} with a warm state). */
    public boolean restorable() {
        return FORMAT.equals(format) && resumable && warmState != null;
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
