package org.mfgcal.calibrator.game;

/**
 * A continuous-time finite-state mean field game, seen one time step at a time (docs/MODEL.md §1).
 *
 * <p>States are {@code 0..states()-1}; jumps happen along the edges of {@link #graph()}. At step {@code n} the
 * parameters are {@code gamma[gOff .. gOff+paramsPerStep()-1]}. Given a value function {@code u}, a mean
 * field {@code mu} and the parameters, {@link #local} returns the optimal jump rate on every edge and the
 * running cost of each state at that control; {@link #terminal} gives the terminal cost. The solver builds
 * the HJB and Kolmogorov sweeps from these two maps, and the implicit adjoint from their vector–Jacobian
 * products {@link #localVjp} and {@link #terminalVjp}, so a game must differentiate exactly what it
 * computes (checked against finite differences by the test-suite for every built-in game).
 *
 * <p>Contract: implementations are immutable and thread-safe; per-call scratch memory comes from the caller
 * ({@link #scratchSize()} doubles), so a solver's iteration allocates nothing. Arrays are flat, row-major,
 * offsets given explicitly; output arrays are overwritten, "Bar" arrays (cotangents) are accumulated into.
 */
public interface Game {

    /** Short name, e.g. {@code lq}. */
    String name();

    Graph graph();

    default int states() {
        return graph().states();
    }

    /** Size p of the parameter vector γ_n of one time step. */
    int paramsPerStep();

    /** Names of the p parameters of a step (for outputs and plots). */
    String[] parameterNames();

    /** Doubles of caller-provided scratch that {@link #local} and {@link #localVjp} may use. */
    default int scratchSize() {
        return 0;
    }

    /**
     * Optimal rates and running cost at step n.
     *
     * @param u     value function, {@code u[uOff..uOff+d-1]}, not modified
     * @param mu    mean field, {@code mu[muOff..muOff+d-1]}, not modified
     * @param gamma parameters, {@code gamma[gOff..gOff+p-1]}, not modified
     * @param a     modified: rate on each edge, {@code a[0..E-1]}
     * @param f     modified unless null: running cost {@code f[0..d-1]} at the control behind {@code a}
     */
    void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
               double[] a, double[] f, double[] scratch);

    /**
     * Vector–Jacobian product of {@link #local}: adds {@code aBarᵀ ∂a/∂(u,μ,γ) + fBarᵀ ∂f/∂(u,μ,γ)} to
     * {@code uBar}, {@code muBar} and {@code gammaBar} (modified, accumulated). {@code fBar} may be null (zero).
     * Piecewise-constant choices (argmin over a finite control set, clipping) are differentiated as constants.
     */
    void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                  double[] aBar, double[] fBar,
                  double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar, int gBarOff,
                  double[] scratch);

    /** Terminal cost {@code g[0..d-1]} (modified) of mean field {@code mu_T} and the last step's parameters. */
    void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] g);

    /** Vector–Jacobian product of {@link #terminal}, accumulated into {@code muBar} and {@code gammaBar}. */
    void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar,
                     double[] muBar, int muBarOff, double[] gammaBar, int gBarOff);

    /**
     * Whether the stable scheme accrues the running cost over the expected time spent in the state during the step,
     * Δt·φ(z), like the drift (default false: the cost over the whole Δt). With it the stable HJB step is, for rates
     * frozen over the step, the exact solution u_n(x) = u_{n+1}(x) + Δt·φ(z)·(f(x) + Σ_e a_e (u_{n+1}(y) − u_{n+1}(x))):
     * a convex combination of next-step values plus a non-negative cost, so u stays within [min u_{n+1},
     * max u_{n+1} + Δt·max f] for any Δt and rates. Without it a quadratic control cost outgrows the φ-scaled drift
     * when Δt·Σa is large, the value gap grows from step to step and the backward sweep overflows to NaN (daily
     * bins, or fast rates at hourly bins, of the mobility game; calibrator/CALIBRATION.md "Stiff rates").
     */
    default boolean exitScaledCost() {
        return false;
    }

    /**
     * Optional fused HJB step: writes {@code u[o + x]} for all x from {@code u[o1 + ·]} = u_{n+1}, computing the rates
     * and the update in one pass over the edges (explicit Euler, or the stable step with φ(z) = (1 − e^{−z})/z
     * applied to the drift when {@code stable}). Must equal the generic sweep built from {@link #local} up to
     * rounding. Returns false (the default) when the game has no fused kernel; the solver then uses the generic path.
     */
    default boolean fusedHjbStep(int n, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
                                 double[] gamma, int gOff) {
        return false;
    }

    /**
     * Optional fused Kolmogorov step of the reference (explicit Euler) scheme: writes {@code nu[o1 + ·]} from
     * {@code nu[o + ·]} with the rates a*(u_n, ν_n, γ_n). Same contract as {@link #fusedHjbStep}.
     */
    default boolean fusedFpkStep(int n, double dt, double[] u, double[] nu, int o, int o1, double[] gamma, int gOff) {
        return false;
    }

    /**
     * Optional fused reverse Kolmogorov step of the reference scheme (the VJP of {@link #fusedFpkStep}): given the
     * complete cotangent {@code nuBar[o1 + ·]} of ν_{n+1}, adds the step's contributions to {@code nuBar[o + ·]},
     * {@code uBar[o + ·]} and {@code gammaBar[gOff + ·]}. Returns false (default) when not provided.
     */
    default boolean fusedFpkVjpStep(int n, double dt, double[] u, double[] nu, int o, int o1, double[] gamma, int gOff,
                                    double[] nuBar, double[] uBar, double[] gammaBar) {
        return false;
    }

    /**
     * Optional fused reverse HJB step (the VJP of {@link #fusedHjbStep}, either scheme): given the complete
     * cotangent {@code uBar[o + ·]} of u_n, adds the contributions to {@code uBar[o1 + ·]}, {@code muHatBar[o + ·]}
     * and {@code gammaBar[gOff + ·]}. Returns false (default) when not provided.
     */
    default boolean fusedHjbVjpStep(int n, double dt, boolean stable, double[] u, int o, int o1, double[] muHat,
                                    double[] gamma, int gOff, double[] uBar, double[] muHatBar, double[] gammaBar) {
        return false;
    }

    /**
     * Optional fused whole HJB sweep: given u_{N−1} in {@code u[(N−1)d ..]}, writes u_n for n = N−2 down to 0 exactly as
     * {@link #fusedHjbStep} would, step by step (one call per sweep instead of one per step, so a game can hoist its
     * constants and specialise its loops). Returns false (the default) when not provided.
     */
    default boolean fusedHjbSweep(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma) {
        return false;
    }

    /** Optional fused whole Kolmogorov sweep of the reference scheme (ν_0 already set): as {@link #fusedFpkStep} for all n. */
    default boolean fusedFpkSweep(int nT, double dt, double[] u, double[] nu, double[] gamma) {
        return false;
    }

    /**
     * Optional fused whole reverse Kolmogorov sweep of the reference scheme, n = N−2 down to 0: as
     * {@link #fusedFpkVjpStep} for all n ({@code nuBar} holds the seed cotangent on entry).
     */
    default boolean fusedFpkVjpSweep(int nT, double dt, double[] u, double[] nu, double[] gamma, double[] nuBar,
                                     double[] uBar, double[] gammaBar) {
        return false;
    }

    /** Optional fused whole reverse HJB sweep, n = 0 .. N−2: as {@link #fusedHjbVjpStep} for all n. */
    default boolean fusedHjbVjpSweep(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                                     double[] uBar, double[] muHatBar, double[] gammaBar) {
        return false;
    }

    /**
     * Optional fused whole Kolmogorov sweep for either scheme (ν_0 already set), with the solver's scratch: {@code a}
     * (E numbers) and {@code row} (2d). The default is {@link #fusedFpkSweep(int, double, double[], double[], double[])}
     * for the reference scheme and nothing for the stable one.
     */
    default boolean fusedFpkSweep(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                                  double[] a, double[] row) {
        return !stable && fusedFpkSweep(nT, dt, u, nu, gamma);
    }

    /**
     * Optional fused whole reverse Kolmogorov sweep for either scheme, with scratch {@code a}, {@code aBar} (E each);
     * the default is the reference-scheme hook.
     */
    default boolean fusedFpkVjpSweep(int nT, double dt, boolean stable, double[] u, double[] nu, double[] gamma,
                                     double[] nuBar, double[] uBar, double[] gammaBar, double[] a, double[] aBar) {
        return !stable && fusedFpkVjpSweep(nT, dt, u, nu, gamma, nuBar, uBar, gammaBar);
    }

    /** Optional fused whole reverse HJB sweep with scratch {@code a}, {@code aBar} (E each); default: the hook without. */
    default boolean fusedHjbVjpSweep(int nT, double dt, boolean stable, double[] u, double[] muHat, double[] gamma,
                                     double[] uBar, double[] muHatBar, double[] gammaBar, double[] a, double[] aBar) {
        return fusedHjbVjpSweep(nT, dt, stable, u, muHat, gamma, uBar, muHatBar, gammaBar);
    }

    /**
     * Optional fused exploitability dynamic programme (the solver's generic one, {@code Sweeps.exploitability}, with
     * the same operations in the same order): {@code v1} and {@code br1} (d each) hold the terminal cost g(ν_{N−1}) on
     * entry, {@code v0}, {@code br0} are scratch; {@code result[0]} receives Σ_x ν_0(x)(V_0(x) − BR_0(x)). Returns false
     * (the default) when not provided.
     */
    default boolean fusedExploitability(int nT, double dt, boolean stable, double[] gamma, double[] u, double[] nu,
                                        double[] v1, double[] v0, double[] br1, double[] br0, double[] result) {
        return false;
    }

    /**
     * Checks one step's parameters, throwing {@link IllegalArgumentException} naming the parameter and value
     * when they are outside the game's domain (e.g. a non-positive control weight).
     */
    default void checkParameters(double[] gamma, int gOff, int n) {
        for (int k = 0; k < paramsPerStep(); k++) {
            double v = gamma[gOff + k];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("gamma[" + n + "][" + k + "] (" + parameterNames()[k] + ") = " + v
                        + ": must be finite");
            }
        }
    }
}
