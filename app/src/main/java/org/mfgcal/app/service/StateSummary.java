package org.mfgcal.app.service;

import java.util.List;

import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.publisher.json.OutputJson;

/**
 * The head value of a region on the compacted state topic ({@code mfg.state}, key = region), written after every
 * closed bin in the same transaction as the bin's outputs and input offsets: the region's restart point, together
 * with the snapshot and the logged bins it names ({@link StateLog}).
 *
 * <p>Readable fields summarise the region (latest bin, warm flag, latest parameter estimates, drift score, active
 * alerts, provenance). Format {@link #FORMAT}: {@code snapshotBin} and {@code replayBins} say where the calibrator
 * is rebuilt from ({@code R#snapshot}, then {@code R#bin-1..replayBins}); {@code warmState} is null. Format
 * {@link #FORMAT_2} (earlier versions) carried the whole warm state inline in {@code warmState} (base64 in JSON,
 * ≈ 0.9 MB for the shipped flights region), and is still restored. On start the service reads the topic to its end
 * with read_committed and rebuilds each region ({@link StateLog#restore}), so a restart continues exactly where the
 * last committed bin left off. Size: a few kB (the parameters), plus a snapshot every {@link StateLog#SNAPSHOT_EVERY}
 * bins (about 0.4 MB for an 11-zone region, 14 MB for 21 zones, W = 96, S = 672; see
 * {@link org.mfgcal.publisher.kafka.OutputTopics#STATE_MAX_MESSAGE_BYTES}).
 *
 * <p>Contract: immutable JSON record (the array is not copied: do not modify it); thread-safe.
 *
 * @param format        {@link #FORMAT}
 * @param resumable     whether a calibrator can resume from this value (true for every value the service writes)
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
 * @param warmState     format {@link #FORMAT_2} only: the calibrator's snapshot ({@link RegionCalibrator#exportState()}),
 *                      base64 in JSON; null in format {@link #FORMAT}
 * @param snapshotBin   the bin after which {@code R#snapshot} was taken
 * @param replayBins    bins logged after the snapshot ({@code R#bin-1} …)
 */
public record StateSummary(String format, boolean resumable, String region, List<String> zones, long lastBin,
                           boolean warm, List<ParameterValue> parameters, double driftScore, int activeAlerts,
                           String modelVersion, String configHash, long seed, String codeVersion,
                           byte[] warmState, long snapshotBin, int replayBins) {

    /** Format name of this value. */
    public static final String FORMAT = "mfgcal.state/3";
    /** The previous format (whole warm state inline), still restored. */
    public static final String FORMAT_2 = "mfgcal.state/2";

    public StateSummary {
        zones = List.copyOf(zones);
        parameters = List.copyOf(parameters);
    }

    /**
     * The head of {@code rc} after it processed a bin; {@code latest} the latest estimates (may be empty), the
     * snapshot taken after {@code snapshotBin} and {@code replayBins} bins logged since.
     */
    public static StateSummary of(RegionCalibrator rc, List<ParameterValue> latest, long snapshotBin,
                                  int replayBins) {
        OnlineConfig c = rc.config();
        double score = rc.driftScore();
        return new StateSummary(FORMAT, true, rc.region(), rc.zones(), rc.lastBin(), rc.isWarm(), latest,
                Double.isFinite(score) ? score : 0, rc.activeAlerts(), c.modelVersion(), rc.configHash(), c.seed(),
                c.codeVersion(), null, snapshotBin, replayBins);
    }

    /** Whether this value can restore a calibrator: format {@link #FORMAT}, or {@link #FORMAT_2} with its warm state. */
    public boolean restorable() {
        return resumable && (FORMAT.equals(format) || FORMAT_2.equals(format) && warmState != null);
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
