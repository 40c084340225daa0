package org.mfgcal.calibrator.solver;

/**
 * How an equilibrium and its adjoint are computed. Immutable; validated on construction. Defaults (one place):
 * {@link #DEFAULTS} — stable scheme, Anderson, no damping, tolerances 1e-5, 1000 iterations, memory 5.
 *
 * @param damping        δ ∈ [0, 1): x ← (1−δ)F(x) + δx (Picard), mixing 1−δ (Anderson)
 * @param tol            equilibrium stops when max|Δμ| ≤ tol (Picard, after ≥ 2 updates) or max|G(μ) − μ| ≤ tol (Anderson)
 * @param adjointTol     the same for the adjoint fixed point w = Jᵀw + ∂L/∂μ
 * @param andersonMemory number of past differences Anderson keeps
 */
public record SolverOptions(Scheme scheme, Method method, double damping, double tol, int maxIter,
                            double adjointTol, int adjointMaxIter, int andersonMemory) {

    public static final SolverOptions DEFAULTS =
            new SolverOptions(Scheme.STABLE, Method.ANDERSON, 0.0, 1e-5, 1000, 1e-5, 1000, 5);

    public SolverOptions {
        if (scheme == null || method == null) {
            throw new IllegalArgumentException("scheme and method are required");
        }
        if (!(damping >= 0 && damping < 1)) {
            throw new IllegalArgumentException("damping = " + damping + ": must be in [0, 1)");
        }
        if (!(tol > 0) || !(adjointTol > 0)) {
            throw new IllegalArgumentException("tolerances must be > 0 (picard_tol = " + tol + ", adjoint_tol = " + adjointTol + ")");
        }
        if (maxIter < 1 || adjointMaxIter < 1) {
            throw new IllegalArgumentException("max iterations must be ≥ 1 (picard_max_iter = " + maxIter
                    + ", adjoint_max_iter = " + adjointMaxIter + ")");
        }
        if (andersonMemory < 1 || andersonMemory > 50) {
            throw new IllegalArgumentException("anderson memory = " + andersonMemory + ": must be in 1..50");
        }
    }

    public SolverOptions withScheme(Scheme s) {
        return new SolverOptions(s, method, damping, tol, maxIter, adjointTol, adjointMaxIter, andersonMemory);
    }

    public SolverOptions withMethod(Method m) {
        return new SolverOptions(scheme, m, damping, tol, maxIter, adjointTol, adjointMaxIter, andersonMemory);
    }

    public SolverOptions withDamping(double dmp) {
        return new SolverOptions(scheme, method, dmp, tol, maxIter, adjointTol, adjointMaxIter, andersonMemory);
    }

    public SolverOptions withTolerances(double t, double adjT) {
        return new SolverOptions(scheme, method, damping, t, maxIter, adjT, adjointMaxIter, andersonMemory);
    }

    public SolverOptions withMaxIter(int m, int adjM) {
        return new SolverOptions(scheme, method, damping, tol, m, adjointTol, adjM, andersonMemory);
    }
}
