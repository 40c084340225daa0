package org.mfgcal.calibrator.online;

import java.util.LinkedHashMap;
import java.util.Map;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.api.Records;
import org.mfgcal.api.UpdateResult;

/**
 * The online loop over many regions: routes each closed bin to its region's {@link RegionCalibrator}, creating it
 * on the region's first bin (its zones fixed from then on).
 *
 * <p>Not thread-safe: one thread drives it. A service that updates regions in parallel keeps one
 * {@link RegionCalibrator} per region and gives each to one thread at a time (they share nothing).
 */
public final class OnlineCalibrator {
    private final OnlineConfig config;
    private final Map<String, OnlineConfig> byRegion;
    private final CalibrationListener listener;
    private final Map<String, RegionCalibrator> regions = new LinkedHashMap<>();

    /** Every region with {@code config}. */
    public OnlineCalibrator(OnlineConfig config, CalibrationListener listener) {
        this(config, Map.of(), listener);
    }

    /**
     * Regions with their own configuration (e.g. their own bin width) from {@code byRegion} (copied), every other
     * region with {@code config}.
     */
    public OnlineCalibrator(OnlineConfig config, Map<String, OnlineConfig> byRegion, CalibrationListener listener) {
        this.config = Records.nonNull("config", config);
        Records.nonNull("byRegion", byRegion);
        byRegion.forEach((r, c) -> {
            Records.nonBlank("byRegion key", r);
            Records.nonNull("byRegion['" + r + "']", c);
        });
        this.byRegion = Map.copyOf(byRegion);
        this.listener = Records.nonNull("listener", listener);
    }

    /** The configuration of regions without their own. */
    public OnlineConfig config() {
        return config;
    }

    /** The configuration {@code region} runs with. */
    public OnlineConfig config(String region) {
        return byRegion.getOrDefault(region, config);
    }

    /** Processes one closed bin of any region. */
    public UpdateResult update(ClosedBin bin) {
        return region(bin.observation()).update(bin);
    }

    /** The region's calibrator, created for the zones of {@code first} when new. */
    public RegionCalibrator region(Observation first) {
        return regions.computeIfAbsent(first.region(),
                r -> new RegionCalibrator(config(r), r, first.zones(), listener));
    }

    /** The calibrators by region, in order of first appearance (a read-only view). */
    public Map<String, RegionCalibrator> regions() {
        return java.util.Collections.unmodifiableMap(regions);
    }
}
