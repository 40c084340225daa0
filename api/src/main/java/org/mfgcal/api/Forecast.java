package org.mfgcal.api;

import java.util.List;

/**
 * Equilibrium forecast of one region issued after a closed bin, with prediction bands, plus the realised errors
 * of earlier forecasts for the bin that just closed; published to {@code mfg.forecasts} (schema
 * {@code schemas/forecast.schema.json} in the publisher).
 *
 * <p>Contract: immutable; every step has one finite value per zone in {@code mean}, {@code lower} and
 * {@code upper}, in the order of {@code zones}, with {@code lower <= mean <= upper}; steps are for bins
 * {@code issuedAtBin + 1 .. issuedAtBin + H}. Thread-safe (immutable).
 *
 * @param region      region name
 * @param issuedAtBin the closed bin the forecast was issued after
 * @param zones       zone names, in state order
 * @param bandLevel   nominal coverage of the bands, e.g. 0.9
 * @param steps       one entry per forecast bin
 * @param realised    errors of earlier forecasts whose target was {@code issuedAtBin} (empty if none)
 * @param provenance  where the forecast comes from
 * @param health      the health of the bin's update; when degraded the forecast comes from the last good
 *                    parameters ({@link Health#parametersFromBin()}), or holds the last shares when its own
 *                    equilibrium failed (reason {@link Health#REASON_FORECAST}); null when read without it: OK
 */
public record Forecast(String region, long issuedAtBin, List<String> zones, double bandLevel,
                       List<Step> steps, List<RealisedError> realised, Provenance provenance, Health health) {

    /** A forecast of an update that passed its checks ({@link Health#ok}). */
    public Forecast(String region, long issuedAtBin, List<String> zones, double bandLevel, List<Step> steps,
                    List<RealisedError> realised, Provenance provenance) {
        this(region, issuedAtBin, zones, bandLevel, steps, realised, provenance, Health.ok(issuedAtBin));
    }

    public Forecast {
        Records.nonBlank("region", region);
        zones = Records.copy("zones", zones);
        if (!(bandLevel > 0 && bandLevel < 1)) {
            throw new IllegalArgumentException("bandLevel must be in (0, 1), got " + bandLevel);
        }
        steps = Records.copy("steps", steps);
        for (Step s : steps) {
            if (s.mean().size() != zones.size()) {
                throw new IllegalArgumentException("forecast step for bin " + s.bin() + " has " + s.mean().size()
                        + " zone values, expected " + zones.size());
            }
        }
        realised = Records.copy("realised", realised);
        Records.nonNull("provenance", provenance);
        if (health == null) {
            health = Health.ok(issuedAtBin);
        }
    }

    /**
     * Forecast of one bin: mean share and band per zone.
     *
     * @param bin   forecast bin
     * @param mean  mean share per zone
     * @param lower lower band edge per zone
     * @param upper upper band edge per zone
     */
    public record Step(long bin, List<Double> mean, List<Double> lower, List<Double> upper) {
        public Step {
            mean = Records.copy("mean", mean);
            lower = Records.finiteValues("lower", lower, mean.size());
            upper = Records.finiteValues("upper", upper, mean.size());
            Records.finiteValues("mean", mean, mean.size());
            for (int i = 0; i < mean.size(); i++) {
                if (!(lower.get(i) <= mean.get(i) && mean.get(i) <= upper.get(i))) {
                    throw new IllegalArgumentException("forecast bin " + bin + " zone " + i + ": need lower <= mean"
                            + " <= upper, got " + lower.get(i) + ", " + mean.get(i) + ", " + upper.get(i));
                }
            }
        }
    }

    /**
     * How an earlier forecast did once the actual arrived, beside two plain baselines for the same bin and horizon,
     * so that every forecast carries its skill: <b>persistence</b> (the shares observed at {@code issuedAtBin},
     * carried forward) and <b>seasonal naive</b> (the shares observed one season, {@code seasonBins}, before
     * {@code bin}). A skill ratio meanAbsError / persistenceAbsError below 1 means the model beat persistence.
     *
     * @param issuedAtBin          bin the evaluated forecast was issued after
     * @param bin                  the forecast (and now observed) bin
     * @param horizon              {@code bin - issuedAtBin}, at least 1
     * @param meanAbsError         mean over zones of |forecast mean - observed share|
     * @param insideBandShare      share of zones whose observed share was inside the band, in [0, 1]
     * @param persistenceAbsError  mean over zones of |share observed at issuedAtBin - observed share|
     * @param seasonalAbsError     mean over zones of |share observed at bin - season - observed share|, or null when
     *                             the shares of that bin are not known (the first season of a run, or after a gap)
     */
    public record RealisedError(long issuedAtBin, long bin, int horizon, double meanAbsError,
                                double insideBandShare, double persistenceAbsError, Double seasonalAbsError) {
        public RealisedError {
            if (horizon < 1 || bin - issuedAtBin != horizon) {
                throw new IllegalArgumentException("realised error: horizon " + horizon + " must be >= 1 and equal"
                        + " bin - issuedAtBin = " + (bin - issuedAtBin));
            }
            Records.nonNegative("meanAbsError", meanAbsError);
            if (!(insideBandShare >= 0 && insideBandShare <= 1)) {
                throw new IllegalArgumentException("insideBandShare must be in [0, 1], got " + insideBandShare);
            }
            Records.nonNegative("persistenceAbsError", persistenceAbsError);
            if (seasonalAbsError != null) {
                Records.nonNegative("seasonalAbsError", seasonalAbsError);
            }
        }
    }
}
