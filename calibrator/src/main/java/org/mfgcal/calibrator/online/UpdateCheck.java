package org.mfgcal.calibrator.online;

import org.mfgcal.api.Health;
import org.mfgcal.calibrator.solver.Solution;

/**
 * The checks an update passes before it replaces a region's warm state (class notes of {@link RegionCalibrator},
 * "Checks, rollback, degraded bins"): the published equilibrium converged, θ finite, μ* ≥ −{@value #MASS_TOLERANCE}
 * with mass 1 within {@value #MASS_TOLERANCE} at every step, exploitability finite, and the loss of the published
 * equilibrium finite and not above the objective at the prior on the same window (with the {@link #REACH} slack).
 * Each failure is a {@link Health} reason label, with its value after ": ". Stateless.
 */
final class UpdateCheck {
    /** Relative slack with which a warm update "reaches" the cold start's loss. */
    static final double REACH = 1e-3;
    /** Largest mass error and most negative μ* entry an update's equilibrium may have. */
    static final double MASS_TOLERANCE = 1e-6;
    /**
     * Loss and exploitability reported by a degraded bin when not even the fallback parameters have an equilibrium
     * on the window (the largest finite double: the records stay valid JSON, the health says why).
     */
    static final double UNAVAILABLE = Double.MAX_VALUE;

    private UpdateCheck() {
    }

    /** The checks of the equilibrium {@code sol} and of {@code theta}: null when they pass, else the reason. */
    static String equilibrium(double bestObjective, Solution sol, double[] theta) {
        if (!Double.isFinite(bestObjective) || sol == null || !sol.converged()) {
            return Health.REASON_NO_EQUILIBRIUM;
        }
        for (double t : theta) {
            if (!Double.isFinite(t)) {
                return Health.REASON_NON_FINITE_PARAMETERS;
            }
        }
        if (!(sol.minMu() >= -MASS_TOLERANCE)) {
            return Health.REASON_NEGATIVE_DENSITY + ": min mu " + sol.minMu();
        }
        if (!(sol.maxMassError() <= MASS_TOLERANCE)) {
            return Health.REASON_MASS + ": mass error " + sol.maxMassError();
        }
        if (!Double.isFinite(sol.exploitability())) {
            return Health.REASON_EXPLOITABILITY;
        }
        return null;
    }

    /**
     * The check of the published loss {@code v} against the objective at the prior (NaN: not known): null when it
     * passes, else the reason. An update never makes the fit worse than not calibrating.
     */
    static String loss(double v, double priorObjective) {
        if (!Double.isFinite(v)) {
            return Health.REASON_LOSS_NON_FINITE;
        }
        if (Double.isFinite(priorObjective) && v > priorObjective + REACH * Math.abs(priorObjective)) {
            return Health.REASON_LOSS_EXPLODED + ": " + v + " > objective at the prior " + priorObjective;
        }
        return null;
    }

    /** The label of a reason (the part before ": "). */
    static String label(String reason) {
        return reason.indexOf(": ") < 0 ? reason : reason.substring(0, reason.indexOf(": "));
    }
}
