package org.mfgcal.api;

import java.util.List;

/**
 * What one closed bin produced for its region: nothing but the observation while the first window fills, then a
 * parameter update and a forecast, plus any drift alerts raised or cleared.
 *
 * <p>Contract: immutable; {@code parameters} and {@code forecast} are both null or both set. Thread-safe.
 *
 * @param observation the closed bin's snapshot
 * @param parameters  the update, or null while the window fills
 * @param forecast    the forecast issued after the update, or null while the window fills
 * @param alerts      alerts raised or cleared at this bin (possibly empty)
 */
public record UpdateResult(Observation observation, ParameterUpdate parameters, Forecast forecast,
                           List<DriftAlert> alerts) {

    public UpdateResult {
        Records.nonNull("observation", observation);
        if ((parameters == null) != (forecast == null)) {
            throw new IllegalArgumentException("update result: parameters and forecast must be both null or both set");
        }
        alerts = Records.copy("alerts", alerts);
    }

    /** Whether this bin produced published outputs (the window was full). */
    public boolean published() {
        return parameters != null;
    }
}
