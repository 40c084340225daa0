package org.mfgcal.calibrator.optim;

/**
 * The online loop's optimiser drivers over a {@link Problem}: preconditioned L-BFGS with an Armijo backtracking line
 * search ({@link #quasiNewton}) and Adam steps ({@link #adam}), both keeping the best evaluated point, stopping when
 * the objective stops improving by a relative tolerance, reaches a target or spends its budget of gradient
 * evaluations, and aborting (returning −1) when the first objective is above a bound.
 *
 * <p>The problem keeps a companion state of its evaluations (the online loop: the equilibrium that warm-starts the
 * next solve); the drivers tell it when an evaluation is finite ({@link Problem#evaluated}), when the current point
 * becomes the best ({@link Problem#best}) and when to go back to the best one's ({@link Problem#restart}).
 *
 * <p>Not thread-safe; buffers are allocated at construction, a run allocates nothing.
 */
public final class Descent {
    /** Armijo sufficient-decrease constant of the line search. */
    public static final double ARMIJO = 1e-4;
    /** The quasi-Newton loop stops after this many consecutive accepted steps improving by < the tolerance. */
    public static final int SMALL_STEPS = 3;

    /** An objective with gradient and a companion state (see the class notes). */
    public interface Problem {
        /** F(x) (x not modified), its gradient into {@link #gradient()}; +∞ where F is not defined. */
        double evaluate(double[] x);

        /** The array holding the gradient of the last {@link #evaluate} (read, not modified, by the drivers). */
        double[] gradient();

        /**
         * F(x) alone (x not modified, nor read after the next evaluation); its gradient follows by
         * {@link #gradientOfValue} when asked. The quasi-Newton line search's trials: most rejected trials then cost
         * no adjoint solve. By default {@link #evaluate}.
         */
        default double value(double[] x) {
            return evaluate(x);
        }

        /**
         * The gradient at the point of the last finite {@link #value} into {@link #gradient()}, as {@link #evaluate}
         * there would have left it; false when it is not finite ({@link #evaluate} would have returned +∞). By
         * default there already.
         */
        default boolean gradientOfValue() {
            return true;
        }

        /** The last evaluation was finite: its companion state becomes the current one. */
        void evaluated();

        /** The current point became the best so far: keep the current companion state as the best's. */
        void best();

        /** Go back to the best point's companion state (the line search restarts from there). */
        void restart();
    }

    private final int n;
    private final double[] best;
    private final double[] gradCur;
    private final double[] direction;
    private final double[] trial;
    private double bestObjective;
    private double firstObjective;

    /** @param size parameters */
    public Descent(int size) {
        this.n = size;
        this.best = new double[size];
        this.gradCur = new double[size];
        this.direction = new double[size];
        this.trial = new double[size];
    }

    private static final ThreadLocal<Descent[]> PER_THREAD = ThreadLocal.withInitial(() -> new Descent[4]);

    /**
     * This thread's driver for {@code size} parameters, shared by every caller on the thread (the online loop's
     * regions, calibrated one at a time per thread, share its buffers instead of each holding four vectors); its
     * results ({@link #best()}, the objectives) are valid until the next run on the thread.
     */
    public static Descent forThread(int size) {
        Descent[] cache = PER_THREAD.get();
        for (int i = 0; i < cache.length; i++) {
            Descent d = cache[i];
            if (d != null && d.n == size) {
                if (i > 0) { // most recent first
                    System.arraycopy(cache, 0, cache, 1, i);
                    cache[0] = d;
                }
                return d;
            }
        }
        Descent d = new Descent(size);
        System.arraycopy(cache, 0, cache, 1, cache.length - 1);
        cache[0] = d;
        return d;
    }

    /** The best point of the last run (valid while {@link #bestObjective()} is finite). */
    public double[] best() {
        return best;
    }

    /** The best objective of the last run, +∞ when no evaluation was finite. */
    public double bestObjective() {
        return bestObjective;
    }

    /** The first objective of the last run (at its starting point). */
    public double firstObjective() {
        return firstObjective;
    }

    /**
     * Adam steps from {@code x} (modified) until the objective stops improving by {@code tol} (relative), the
     * budget is spent, or it reaches {@code target}. The best evaluated point is left in {@link #best()}; returns the
     * steps taken, or −1 (nothing kept) when the first objective is above {@code abortAbove}.
     */
    public int adam(Problem p, double[] x, Adam adam, double rate, int budget, double target, double abortAbove,
                    double tol) {
        bestObjective = Double.POSITIVE_INFINITY;
        int steps = 0;
        for (int k = 0; k < budget; k++) {
            double obj = p.evaluate(x);
            if (k == 0) {
                firstObjective = obj;
                if (!(obj <= abortAbove)) {
                    return -1;
                }
            }
            if (!Double.isFinite(obj)) {
                break;
            }
            p.evaluated();
            double improvement = bestObjective - obj;
            if (obj < bestObjective) {
                double prev = bestObjective;
                bestObjective = obj;
                System.arraycopy(x, 0, best, 0, n);
                p.best();
                if (obj <= target) {
                    break;
                }
                if (Double.isFinite(prev) && improvement < tol * Math.abs(prev)) {
                    break;
                }
            } else {
                break;
            }
            adam.step(x, p.gradient(), rate);
            steps++;
        }
        return steps;
    }

    /**
     * L-BFGS with initial inverse Hessian M⁻¹ ({@code precond}) from {@code x} (modified; left at the best point),
     * with an Armijo backtracking line search from the unit step capped so that no entry moves by more than
     * {@code maxMove}, each rejected step a cut to the minimiser of the quadratic through F(x), the slope and
     * F(trial) within [a/10, a/2] (a halving after a non-finite trial), down to a largest move of {@code minMove}.
     * Stops when the predicted decrease −½gᵀp is below {@code tol}·|F|, after {@link #SMALL_STEPS} consecutive steps
     * improving by less than that, when F ≤ {@code target}, or when {@code budget} gradient evaluations are spent. When the memory stops giving a
     * descent direction, or a line search fails, it is reset once and the step retried along −M⁻¹g. Returns the
     * accepted steps, or −1 when the first objective is above {@code abortAbove}.
     */
    public int quasiNewton(Problem p, double[] x, Lbfgs mem, Lbfgs.Preconditioner precond, int budget, double target,
                           double abortAbove, double tol, double maxMove, double minMove) {
        return quasiNewton(p, x, mem, precond, budget, target, abortAbove, tol, maxMove, minMove, false);
    }

    /**
     * {@link #quasiNewton(Problem, double[], Lbfgs, Lbfgs.Preconditioner, int, double, double, double, double, double)};
     * with {@code curvatureStep}, each line search after the first starts, instead of at the unit step, at the
     * minimiser of the quadratic through F(x), the slope and F at the previous accepted step, a_q = −gᵀs·a/(2(F(x +
     * s) − F(x) − gᵀs)) for s = a·p (at most 1; 1 without positive curvature along p, and after a reset of the
     * memory). Where the quasi-Newton model underestimates the curvature along its directions by a steady factor
     * (the online loop's warm updates: the unit step was rejected at almost every step and the cut accepted at
     * a ≈ 0.2–0.45; docs/MODEL.md, "Warm updates: the line search"), the first trial is then mostly accepted: one
     * evaluation per step instead of two.
     */
    public int quasiNewton(Problem p, double[] x, Lbfgs mem, Lbfgs.Preconditioner precond, int budget, double target,
                           double abortAbove, double tol, double maxMove, double minMove, boolean curvatureStep) {
        bestObjective = Double.POSITIVE_INFINITY;
        double obj = p.evaluate(x);
        firstObjective = obj;
        if (!(obj <= abortAbove)) {
            return -1;
        }
        if (!Double.isFinite(obj)) {
            return 0;
        }
        p.evaluated();
        System.arraycopy(p.gradient(), 0, gradCur, 0, n);
        keepBest(p, x, obj);
        int evals = 1;
        int steps = 0;
        int small = 0;
        double first = 1; // the first trial's step (curvatureStep: a_q of the previous accepted step)
        while (evals < budget && obj > target) {
            mem.direction(gradCur, precond, direction);
            double slope = Lbfgs.dot(gradCur, direction);
            if (!(slope < 0) && mem.pairs() > 0) {
                mem.reset(); // the memory no longer describes a descent direction: fall back to M⁻¹
                first = 1;
                mem.direction(gradCur, precond, direction);
                slope = Lbfgs.dot(gradCur, direction);
            }
            if (!(slope < 0) || -0.5 * slope < tol * Math.abs(obj)) {
                break; // converged: the model predicts no worthwhile decrease
            }
            // Trust cap: without curvature (right after a cold start) the unit step can be huge.
            double largest = 0;
            for (int i = 0; i < n; i++) {
                largest = Math.max(largest, Math.abs(direction[i]));
            }
            double a = Math.min(first, maxMove / largest);
            double f = Double.NaN;
            boolean accepted = false;
            while (evals < budget) {
                for (int i = 0; i < n; i++) {
                    trial[i] = x[i] + a * direction[i];
                }
                // The gradient only for an accepted trial: as with evaluate(), except that a rejected trial whose
                // adjoint would have diverged still becomes the companion state (evaluated()).
                f = p.value(trial);
                evals++;
                if (Double.isFinite(f)) {
                    if (f <= obj + ARMIJO * a * slope) {
                        if (p.gradientOfValue()) {
                            p.evaluated();
                            accepted = true;
                            break;
                        }
                    } else {
                        p.evaluated();
                        // the minimiser of the quadratic through F(x), the slope and F(trial), within [a/10, a/2]
                        final double qa = -slope * a * a / (2 * (f - obj - slope * a));
                        a = Math.max(0.1 * a, Math.min(0.5 * a, qa));
                        if (a * largest < minMove) {
                            break;
                        }
                        continue;
                    }
                }
                a *= 0.5;
                if (a * largest < minMove) {
                    break;
                }
            }
            if (!accepted) {
                if (evals < budget && mem.pairs() > 0) {
                    first = 1;
                    mem.reset();
                    p.restart();
                    continue;
                }
                break;
            }
            if (curvatureStep) {
                final double curv = f - obj - slope * a; // the quadratic's a² coefficient times a²
                first = curv > 0 ? Math.min(1, -slope * a * a / (2 * curv)) : 1;
            }
            final double[] g = p.gradient();
            for (int i = 0; i < n; i++) {
                direction[i] *= a;               // s = x' − x
                gradCur[i] = g[i] - gradCur[i];  // y = g' − g
            }
            mem.update(direction, gradCur);
            System.arraycopy(trial, 0, x, 0, n);
            System.arraycopy(g, 0, gradCur, 0, n);
            steps++;
            final double improvement = obj - f;
            final double prev = obj;
            obj = f;
            keepBest(p, x, obj);
            small = improvement < tol * Math.abs(prev) ? small + 1 : 0;
            if (small >= SMALL_STEPS) {
                break;
            }
        }
        System.arraycopy(best, 0, x, 0, n);
        return steps;
    }

    private void keepBest(Problem p, double[] x, double obj) {
        if (obj < bestObjective) {
            bestObjective = obj;
            System.arraycopy(x, 0, best, 0, n);
            p.best();
        }
    }
}
