package org.mfgcal.calibrator.online;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The online loop over many regions: routes each closed bin to its region's {@link RegionCalibrator}, creating it
 * on the region's first bin (its zones fixed from then on).
 *
 * <p>Not thread-safe: one thread drives it. A service that updates regions in parallel keeps one
 * {@link RegionCalibrator} per region and gives each to one thread at a time (they share nothing).
 */
public final class OnlineCalibrator {
    private final OnlineConfig config;
    private final CalibrationListener listener;
    private final Map<String, RegionCalibrator> regions = new LinkedHashMap<>();

    public OnlineCalibrator(OnlineConfig config, CalibrationListener listener) {
        this.config = Records.nonNull("config", config);
        this.listener = Records.nonNull("listener", listener);
    }

    public OnlineConfig config() {
        return config;
    }

    /** Processes one closed bin of any region. */
    public UpdateResult update(ClosedBin bin) {
        return region(bin.observation()).update(bin);
    }

    /** The region's calibrator, created for the zones of {@code first} when new. */
    public RegionCalibrator region(Observation first) {
        return regions.computeIfAbsent(first.region(),
                r -> new RegionCalibrator(config, r, first.zones(), listener));
    }

    /** The calibrators by region, in order of first appearance (a read-only view). */
    public Map<String, RegionCalibrator> regions() {
        return java.util.Collections.unmodifiableMap(regions);
    }
}
