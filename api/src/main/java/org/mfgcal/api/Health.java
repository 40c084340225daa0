package org.mfgcal.api;

/**
 * How a region's update of one bin went, carried by the {@link ParameterUpdate} and the {@link Forecast} of the bin.
 *
 * <p>Every update's result is checked before it replaces the region's warm state (finite parameters, an equilibrium
 * that converged, μ ≥ 0 and mass 1 at every step, a finite exploitability, a finite loss not above the objective at
 * the prior; see the calibrator's {@code RegionCalibrator}). A failing update is rolled back and retried once from a
 * cold start: {@link State#RECOVERED} when the retry passes, else {@link State#DEGRADED}: the bin is still published,
 * with the last good parameters (those of the update of bin {@code parametersFromBin}, or the prior rates when there
 * was none) and a forecast from them.
 *
 * <p>Contract: immutable; {@code reason} is empty exactly when {@code state} is {@link State#OK}, otherwise one of
 * the {@code REASON_*} constants (the label of {@code mfgcal_update_failures_total}), optionally followed by
 * {@code ": "} and details, then {@code "; "} and any further reason (e.g. the forecast's). {@code parametersFromBin} is the bin itself unless degraded; null when degraded without a
 * good update yet. Thread-safe (immutable).
 *
 * @param state             OK, RECOVERED or DEGRADED
 * @param reason            why the update (or its warm attempt) failed; empty when OK
 * @param parametersFromBin bin of the update whose parameters are published, or null for the prior rates
 */
public record Health(State state, String reason, Long parametersFromBin) {

    /** The equilibrium did not converge (or the objective was not finite) at the calibrated parameters. */
    public static final String REASON_NO_EQUILIBRIUM = "no-equilibrium";
    /** A calibrated log-rate is NaN or infinite. */
    public static final String REASON_NON_FINITE_PARAMETERS = "non-finite-parameters";
    /** μ* has an entry below 0 or NaN. */
    public static final String REASON_NEGATIVE_DENSITY = "negative-density";
    /** μ* does not keep mass 1 at some step. */
    public static final String REASON_MASS = "mass";
    /** The exploitability of the calibrated equilibrium is NaN or infinite. */
    public static final String REASON_EXPLOITABILITY = "exploitability";
    /** The loss of the published equilibrium is not finite. */
    public static final String REASON_LOSS_NON_FINITE = "loss-non-finite";
    /** The loss of the published equilibrium is above the objective at the prior (the update made things worse). */
    public static final String REASON_LOSS_EXPLODED = "loss-exploded";
    /** The forecast's equilibrium did not converge; the forecast holds the last shares (persistence). */
    public static final String REASON_FORECAST = "forecast-no-equilibrium";
    /** The numerics threw (a solver precondition failed); the message follows the reason. */
    public static final String REASON_EXCEPTION = "exception";

    /** How the bin's update went. */
    public enum State {
        /** The update passed its checks. */
        OK,
        /** The warm update failed its checks; the cold retry passed. */
        RECOVERED,
        /** The update and its cold retry failed; the outputs use the last good parameters. */
        DEGRADED
    }

    public Health {
        Records.nonNull("state", state);
        Records.nonNull("reason", reason);
        if ((state == State.OK) != reason.isEmpty()) {
            throw new IllegalArgumentException("health: reason must be empty exactly when state is OK, got " + state
                    + " with reason '" + reason + "'");
        }
        if (state != State.DEGRADED && parametersFromBin == null) {
            throw new IllegalArgumentException("health: parametersFromBin must be set unless degraded");
        }
    }

    /** A passing update of {@code bin}. */
    public static Health ok(long bin) {
        return new Health(State.OK, "", bin);
    }

    /** Whether the outputs come from the last good parameters instead of this bin's update. */
    public boolean degraded() {
        return state == State.DEGRADED;
    }

    /** The first reason's label (before any ": " details or "; " further reasons), "" when OK. */
    public String reasonLabel() {
        int i = reason.indexOf(": ");
        int j = reason.indexOf("; ");
        int end = i < 0 ? j : j < 0 ? i : Math.min(i, j);
        return end < 0 ? reason : reason.substring(0, end);
    }
}
