package org.mfgcal.calibrator.solver;

/** Time discretisation of the HJB and Kolmogorov sweeps. */
public enum Scheme {
    /**
     * docs/MODEL.md §1 bit-for-bit: explicit Euler, u_n = u_{n+1} + Δt·H, μ_{n+1} = μ_n + Δt·Qᵀμ_n. Unstable when
     * Δt·(total outflow) is not well below 1.
     */
    REFERENCE,
    /**
     * Exponential-exit step: within a step, a state x with total outflow r_x is left with probability
     * p_x = 1 − e^{−Δt r_x}, towards y in proportion to a_xy. μ_{n+1}(x) = μ_n(x) e^{−Δt r_x} + Σ_y μ_n(y) p_y a_yx/r_y
     * and u_n(x) = u_{n+1}(x) + Δt f(x) + p_x Σ_y (a_xy / r_x)(u_{n+1}(y) − u_{n+1}(x)). Positivity and mass are kept
     * for any Δt, the HJB is a convex combination (maximum principle), and both agree with explicit Euler to O(Δt²)
     * per step. Smooth in the rates, so the adjoint stays exact.
     */
    STABLE;

    public static Scheme parse(String s) {
        for (Scheme v : values()) {
            if (v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("scheme = '" + s + "': expected reference or stable");
    }
}
