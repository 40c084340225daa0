package org.mfgcal.api;

import java.util.List;

/**
 * The result of one calibration update of one region after a closed bin; published to {@code mfg.parameters}
 * (schema {@code schemas/parameter-update.schema.json} in the publisher).
 *
 * <p>Contract: immutable; numbers finite and counts non-negative. {@code picardIterations} and
 * {@code adjointIterations} are totals over all gradient steps of this update. Thread-safe (immutable).
 *
 * @param region            region name
 * @param bin               the closed bin that triggered the update
 * @param parameters        calibrated values per zone or edge
 * @param loss              calibration loss after the update
 * @param exploitability    exploitability of the equilibrium at the calibrated parameters (0 at an exact Nash
 *                          equilibrium)
 * @param optimiserSteps    gradient steps taken
 * @param picardIterations  forward-backward fixed-point iterations, summed over steps
 * @param adjointIterations adjoint (implicit gradient) iterations, summed over steps
 * @param start             whether the update was warm-started from the previous state or cold-started
 * @param latencyMillis     wall-clock time of the update, milliseconds
 * @param provenance        where the estimate comes from
 * @param health            whether the update passed its checks; when degraded, {@code parameters}, {@code loss}
 *                          and {@code exploitability} are those of the last good parameters on this bin's window
 *                          (null when read from JSON without it: OK)
 */
public record ParameterUpdate(String region, long bin, List<ParameterValue> parameters, double loss,
                              double exploitability, int optimiserSteps, int picardIterations,
                              int adjointIterations, Start start, double latencyMillis, Provenance provenance,
                              Health health) {

    /** An update that passed its checks ({@link Health#ok}). */
    public ParameterUpdate(String region, long bin, List<ParameterValue> parameters, double loss,
                           double exploitability, int optimiserSteps, int picardIterations, int adjointIterations,
                           Start start, double latencyMillis, Provenance provenance) {
        this(region, bin, parameters, loss, exploitability, optimiserSteps, picardIterations, adjointIterations,
                start, latencyMillis, provenance, Health.ok(bin));
    }

    /** How an update was started. */
    public enum Start {
        /** From the previous bin's parameters, equilibrium and optimiser moments. */
        WARM,
        /** From the prior: first window, after a reset, or because a warm start was worse. */
        COLD
    }

    public ParameterUpdate {
        Records.nonBlank("region", region);
        parameters = Records.copy("parameters", parameters);
        Records.finite("loss", loss);
        Records.nonNegative("exploitability", exploitability);
        Records.nonNegative("optimiserSteps", optimiserSteps);
        Records.nonNegative("picardIterations", picardIterations);
        Records.nonNegative("adjointIterations", adjointIterations);
        Records.nonNull("start", start);
        Records.nonNegative("latencyMillis", latencyMillis);
        Records.nonNull("provenance", provenance);
        if (health == null) {
            health = Health.ok(bin);
        }
    }
}
