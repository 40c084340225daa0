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
     * Specialised whole-sweep kernels, or null (the default) when the solver should build the sweeps from
     * {@link #local} and {@link #localVjp}. A game may return null for some of its configurations (e.g. the LQ game
     * off the complete graph).
     */
    default SweepKernels kernels() {
        return null;
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
