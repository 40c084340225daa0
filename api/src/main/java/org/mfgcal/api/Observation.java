package org.mfgcal.api;

import java.util.List;

/**
 * A closed population snapshot as the online loop sees it: the observed share of the population per zone in one
 * event-time bin of one region. Reported through {@link CalibrationListener#snapshotClosed}; not published to Kafka.
 *
 * <p>Contract: immutable; {@code shares} has one finite, non-negative value per zone, in the order of
 * {@code zones}. Thread-safe (immutable).
 *
 * @param region     region name
 * @param bin        event-time bin index
 * @param zones      zone names, in state order
 * @param shares     observed share per zone (usually summing to 1)
 * @param population number of individuals counted in the bin
 */
public record Observation(String region, long bin, List<String> zones, List<Double> shares, long population) {

    public Observation {
        Records.nonBlank("region", region);
        zones = Records.copy("zones", zones);
        shares = Records.finiteValues("shares", shares, zones.size());
        for (int i = 0; i < shares.size(); i++) {
            Records.nonNegative("shares[" + i + "]", shares.get(i));
        }
        Records.nonNegative("population", population);
    }
}
