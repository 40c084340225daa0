package org.mfgcal.calibrator.discrete;

/**
 * A game whose rewards are the gradient of a concave potential Φ(μ, L) and whose transitions do not depend on μ
 * (crowd games with −c·log μ rewards). Then the exploitability of π is the Frank–Wolfe gap of max Φ over the
 * achievable flows, and fictitious play can choose its mixing weight by an exact line search
 * (docs/DISCRETE_GAMES.md §3).
 */
public interface PotentialGame extends DiscreteGame {

    /**
     * First and second derivatives of γ ↦ Φ(μ + γ dμ, L + γ dL) at γ = 0, written to {@code out[0]}, {@code out[1]}.
     * Arrays not modified except {@code out}.
     */
    void potentialDerivatives(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out);
}
