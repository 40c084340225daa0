package org.mfgcal.calibrator.discrete;

import java.util.Locale;

/** Equilibrium algorithms for discrete-time games (docs/DISCRETE_GAMES.md §3). */
public enum Algorithm {
    /** Fictitious play: best response to the average policy's mean field, averaged with state-marginal weights. */
    FP("fp"),
    /** Online mirror descent: π = softmax of the accumulated Q^π (learning rate η). */
    OMD("omd"),
    /** Damped fixed point of the softmax (temperature τ) best response, damping on the policy. */
    FIXED_POINT("fixed-point"),
    /** The same softmax fixed point in Q-space, Anderson-accelerated, with temperature continuation. */
    ANDERSON("anderson"),
    /**
     * Per-state Newton flow shifting on the potential, Gauss–Seidel over time steps (crowd potential games only:
     * crowd-ring, four-rooms).
     */
    FLOW_SHIFT("flow-shift"),
    /** Projected Newton–CG on the potential in flow variables (crowd potential games only: crowd-ring, four-rooms). */
    NEWTON("newton"),
    /**
     * Newton on overlapping time windows, glued, then Newton on the whole horizon until the target (crowd potential
     * games with windows: four-rooms; docs/DISCRETE_GAMES.md §3).
     */
    NEWTON_WINDOWS("newton-windows");

    private final String cli;

    Algorithm(String cli) {
        this.cli = cli;
    }

    public String cliName() {
        return cli;
    }

    public static Algorithm parse(String s) {
        for (Algorithm a : values()) {
            if (a.cli.equals(s.toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("--solver " + s + ": expected fp, omd, fixed-point, anderson, flow-shift, newton or newton-windows");
    }
}
