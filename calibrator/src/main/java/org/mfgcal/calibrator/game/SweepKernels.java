package org.mfgcal.calibrator.game;

/**
 * Specialised whole-sweep kernels a game may provide ({@link Game#kernels()}) in place of the generic sweeps the solver
 * builds from {@link Game#local} and {@link Game#localVjp} (docs/MODEL.md §1–§2). Each kernel must compute what the
 * generic sweep computes, up to rounding (checked by the test-suite: FusedKernelTest, DenseKernelTest), in one call per
 * sweep so that a game can hoist its constants, skip the edge lists of a complete graph and reuse rates between passes.
 * Kept where bench/BENCHMARKS.md shows they pay (LQ on the complete graph, the plain mobility game).
 *
 * <p>Arrays are flat, indexed {@code n*d + x} (trajectories) and {@code n*p + k} (parameters); {@code stable} selects
 * the stable scheme instead of explicit Euler; {@code a}, {@code aBar} (E numbers each) and {@code row} (2d) are the
 * solver's scratch. Output arrays as in the generic sweeps: u and ν are written, cotangents ("Bar") accumulated.
 * Implementations are stateless and thread-safe.
 */
public interface SweepKernels {

    /** Backward HJB: given u_{N−1} in {@code u[(N−1)d ..]}, writes u_n for n = N−2 down to 0. */
    void hjb(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma);

    /** Forward Kolmogorov: given ν_0 in {@code nu[0 .. d−1]}, writes ν_{n+1} for n = 0..N−2 with rates a*(u_n, ν_n, γ_n). */
    void fpk(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] a, double[] row);

    /**
     * Reverse Kolmogorov, n = N−2 down to 0: {@code nuBar} holds the seed cotangent of ν on entry and receives the
     * complete one; adds the contributions to {@code uBar} and {@code gammaBar}.
     */
    void fpkVjp(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma, double[] nuBar,
                double[] uBar, double[] gammaBar, double[] a, double[] aBar);

    /**
     * Reverse HJB, n = 0..N−2: with the complete cotangent of u_n in {@code uBar}, adds step n's contributions to
     * {@code uBar[n+1]}, {@code muHatBar[n]} and {@code gammaBar[n]}.
     */
    void hjbVjp(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma, double[] uBar,
                double[] muHatBar, double[] gammaBar, double[] a, double[] aBar);

    /**
     * Optional exploitability dynamic programme (the solver's generic one, with the same operations in the same
     * order): {@code v1} and {@code br1} (d each) hold the terminal cost g(ν_{N−1}) on entry, {@code v0}, {@code br0}
     * are scratch; returns Σ_x ν_0(x)(V_0(x) − BR_0(x)), or NaN when the game leaves it to the generic programme
     * (the default).
     */
    default double exploitability(int nT, double dt, boolean stable, double[] gamma, double[] u, double[] nu,
                                  double[] v1, double[] v0, double[] br1, double[] br0) {
        return Double.NaN;
    }
}
