package org.mfgcal.calibrator.solver;

import org.mfgcal.calibrator.game.Game;

/**
 * Equilibrium μ* = G(μ*, γ) of a finite-state mean field game and the exact gradient of a loss of μ* with respect
 * to the parameter trajectory γ.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li><b>Grid.</b> t_n = nΔt, n = 0..N−1, Δt = T/(N−1). Trajectories are flat {@code double[N*d]} indexed
 *       {@code n*d + x}; parameters {@code double[N*p]} indexed {@code n*p + k}.</li>
 *   <li><b>Picard map.</b> G(μ̂) = FPK(HJB(μ̂)): the HJB step n reads a*(u_{n+1}, μ̂_n, γ_n); the FPK step n reads
 *       a*(u_n, ν_n, γ_n) with ν the FPK's own state (docs/MODEL.md §1; the cybersecurity conformance vector
 *       distinguishes the two readings and matches this one to 4e-16). Kernels in {@link Sweeps}; scheme
 *       {@link Scheme#REFERENCE} (explicit Euler) or {@link Scheme#STABLE} (exponential exit).</li>
 *   <li><b>Picard.</b> μ^0_n = μ_0 (or a warm start); μ^{k+1} = (1−δ)G(μ^k) + δμ^k; stop when
 *       max|μ^{k+1} − μ^k| ≤ tol after ≥ 2 updates, or at maxIter — docs/MODEL.md's rule. μ* is the last iterate.</li>
 *   <li><b>Anderson.</b> Type II with memory m on F = G, mixing 1−δ, safeguard to a damped step when the residual
 *       grows ({@link AndersonMixer}); stop when max|G(μ) − μ| ≤ tol; μ* = G(μ) of the last iterate, so that it is
 *       an exact FPK trajectory (mass and positivity hold exactly under the stable scheme).</li>
 *   <li><b>Adjoint.</b> With ḡ = ∂L/∂μ* and J = ∂G/∂μ̂ at μ* (Picard: exactly μ*, as the reference; Anderson: its last
 *       iterate x_k with G(x_k) = μ*, within tol of μ*, where HJB and FPK are already computed): solve w = Jᵀw + ḡ (Picard: from w = ḡ,
 *       w ← (1−δ)(Jᵀw + ḡ) + δw, stop when max|Δw| ≤ adjointTol; or Anderson), then ∇_γ L = (∂G/∂γ)ᵀ w. Both products
 *       come from one reverse sweep ({@link Sweeps#vjp}) through the game's hand-written local VJPs.</li>
 *   <li><b>Coupled parameters.</b> γ may be a function of the solver's own iterate, γ = γ(μ̂) (a {@link Field}, e.g. a
 *       network γθ(t, μ̂_t) evaluated on the iterate): μ* = G_c(μ*), G_c(μ̂) = FPK(HJB(μ̂, γ(μ̂)), γ(μ̂)). The same
 *       driver, fixed-point loop and adjoint loop serve both: the plain solve is the constant-field case. The adjoint of
 *       the coupled map adds Γᵀ G_γᵀ w (Γ = ∂γ/∂μ̂, the field's input VJP) to every Jᵀw, and ∇_γ L := G_γᵀ w is
 *       returned for the caller to pull back through its weights at μ*.</li>
 *   <li><b>Memory.</b> Every buffer is allocated here, once; solve and gradient iterations allocate nothing
 *       (results are copied out).</li>
 * </ul>
 *
 * <p>Not thread-safe: one solver per thread (it is its own workspace). Cheap to create relative to a solve only for
 * small problems; reuse it.
 */
public final class EquilibriumSolver {

    /** A parameter field γ(μ̂) over the whole grid (N·d → N·p) and its input vector–Jacobian product. */
    public interface Field {
        /** {@code gamma} (N·p, modified) = γ(μ̂); {@code muHat} (N·d) not modified. */
        void gamma(double[] muHat, double[] gamma);

        /** {@code muHatBar} (N·d, modified, accumulated) += (∂γ/∂μ̂)ᵀ {@code gammaBar} (N·p, not modified). */
        void muVjp(double[] muHat, double[] gammaBar, double[] muHatBar);
    }

    private final Game game;
    private final int nT;
    private final int d;
    private final int p;
    private final double dt;
    private final double horizon;
    private final SolverOptions opt;
    private final boolean stable;
    private final int len;

    private final Sweeps.Buffers buf;
    private final double[] mu;      // current iterate μ^k
    private final double[] img;     // G(μ^k), and ν after a solve
    private final double[] u;       // HJB(μ^k)
    private final double[] next;
    private final double[] w;
    private final double[] wImg;
    private final double[] gbar;
    private final double[] nuBar;
    private final double[] uBar;
    private final double[] gammaBar;
    private final double[] v0;
    private final double[] v1;
    private final double[] br0;
    private final double[] br1;
    private final AndersonMixer mixer;
    private final double[] xLin;
    private double[] lin;           // linearisation point of the adjoint: μ* (Picard) or the last iterate (Anderson)
    private boolean linearizedAtMu;
    private boolean reportExploitability = true;
    private final double[] fieldGamma;  // γ(μ̂) of the last map of a coupled solve
    private Field field;                // the field of the last solve, null for a plain one

    public EquilibriumSolver(Game game, double horizon, int steps, SolverOptions options) {
        if (steps < 2) {
            throw new IllegalArgumentException("N = " + steps + ": need at least 2 time steps");
        }
        if (!(horizon > 0) || !Double.isFinite(horizon)) {
            throw new IllegalArgumentException("T = " + horizon + ": must be > 0");
        }
        this.game = game;
        this.nT = steps;
        this.d = game.states();
        this.p = game.paramsPerStep();
        this.horizon = horizon;
        this.dt = horizon / (steps - 1);
        this.opt = options;
        this.stable = options.scheme() == Scheme.STABLE;
        this.len = steps * d;
        this.buf = new Sweeps.Buffers(game);
        this.mu = new double[len];
        this.img = new double[len];
        this.u = new double[len];
        this.next = new double[len];
        this.w = new double[len];
        this.wImg = new double[len];
        this.gbar = new double[len];
        this.nuBar = new double[len];
        this.uBar = new double[len];
        this.gammaBar = new double[steps * p];
        this.v0 = new double[d];
        this.v1 = new double[d];
        this.br0 = new double[d];
        this.br1 = new double[d];
        this.xLin = options.method() == Method.ANDERSON ? new double[len] : null;
        this.lin = mu;
        this.mixer = options.method() == Method.ANDERSON ? new AndersonMixer(len, options.andersonMemory()) : null;
        this.fieldGamma = new double[steps * p];
    }

    public Game game() {
        return game;
    }

    public int steps() {
        return nT;
    }

    public double horizon() {
        return horizon;
    }

    public double dt() {
        return dt;
    }

    public SolverOptions options() {
        return opt;
    }

    /**
     * Whether {@link #solve} computes {@link Solution#exploitability()} (one extra backward sweep; default true).
     * Training loops that only need gradients switch it off; the solution then reports NaN.
     */
    public void setReportExploitability(boolean report) {
        this.reportExploitability = report;
    }

    /** Makes u = HJB(lin) and ν = G(lin) current at the adjoint's linearisation point (docs/MODEL.md §2). */
    private void linearize(double[] mu0, double[] gamma) {
        if (!linearizedAtMu) {
            if (field != null) {
                fieldMap(mu0, field, lin, img); // γ(μ*) into fieldGamma (= gamma), u = HJB(μ*), ν = G_c(μ*)
                linearizedAtMu = true;
                return;
            }
            Sweeps.hjb(game, nT, dt, stable, lin, gamma, u, buf);
            Sweeps.fpk(game, nT, dt, stable, mu0, gamma, u, img, buf);
            linearizedAtMu = true;
        }
    }

    /** Checks μ_0 and γ (shapes and domain), naming the bad entry. */
    public void checkInputs(double[] mu0, double[] gamma) {
        checkMu0(mu0);
        if (gamma.length != nT * p) {
            throw new IllegalArgumentException("gamma has " + gamma.length + " numbers, expected N·p = " + nT + "·" + p);
        }
        for (int n = 0; n < nT; n++) {
            game.checkParameters(gamma, n * p, n);
        }
    }

    private void checkMu0(double[] mu0) {
        if (mu0.length != d) {
            throw new IllegalArgumentException("mu0 has " + mu0.length + " entries, expected d = " + d);
        }
        double mass = 0;
        for (int x = 0; x < d; x++) {
            if (!(mu0[x] >= 0) || !Double.isFinite(mu0[x])) {
                throw new IllegalArgumentException("mu0[" + x + "] = " + mu0[x] + ": must be finite and ≥ 0");
            }
            mass += mu0[x];
        }
        if (Math.abs(mass - 1) > 1e-6) {
            throw new IllegalArgumentException("mu0 sums to " + mass + ": must be a distribution (sum 1)");
        }
    }

    /** One application of the Picard map: {@code out} = G(μ̂) (N·d, modified); leaves u = HJB(μ̂) in the workspace. */
    public void picardMap(double[] mu0, double[] gamma, double[] muHat, double[] out) {
        linearizedAtMu = false;
        Sweeps.hjb(game, nT, dt, stable, muHat, gamma, u, buf);
        Sweeps.fpk(game, nT, dt, stable, mu0, gamma, u, out, buf);
    }

    /** One application of the coupled map: {@code out} = G_c(μ̂), γ(μ̂) left in {@link #fieldGamma}. */
    private void fieldMap(double[] mu0, Field f, double[] muHat, double[] out) {
        f.gamma(muHat, fieldGamma);
        for (int n = 0; n < nT; n++) {
            game.checkParameters(fieldGamma, n * p, n);
        }
        Sweeps.hjb(game, nT, dt, stable, muHat, fieldGamma, u, buf);
        Sweeps.fpk(game, nT, dt, stable, mu0, fieldGamma, u, out, buf);
    }

    /** Solves from μ^0_n = μ_0. */
    public Solution solve(double[] mu0, double[] gamma) {
        return solve(mu0, gamma, null);
    }

    /**
     * Solves for the equilibrium, starting from {@code warmStart} (N·d, not modified) or, when null, from μ_0 repeated.
     * Never throws on non-convergence: check {@link Solution#converged()}.
     */
    public Solution solve(double[] mu0, double[] gamma, double[] warmStart) {
        checkInputs(mu0, gamma);
        return run(mu0, gamma, null, warmStart, 0);
    }

    /**
     * Solves from {@code start} (N·d, not modified), the equilibrium of a nearby problem, to a tolerance relative to
     * how far the start is from this one's: the loop stops when its residual (max|G(μ) − μ| with Anderson) is at most
     * max(tol, {@code relative}·r_1), r_1 the residual at the start. For perturbation studies (the forecast's
     * posterior draws, docs/MODEL.md): with a local contraction factor ρ of the map the result's error is about
     * ρ·{@code relative}·r_1, a fraction of its deviation from the start (≈ r_1), whatever the absolute size of that
     * deviation. {@code relative} = 0 is {@link #solve(double[], double[], double[])}. Never throws on
     * non-convergence.
     */
    public Solution solveNear(double[] mu0, double[] gamma, double[] start, double relative) {
        if (!(relative >= 0 && relative < 1)) {
            throw new IllegalArgumentException("relative tolerance " + relative + ": must be in [0, 1)");
        }
        checkInputs(mu0, gamma);
        return run(mu0, gamma, null, start, relative);
    }

    /**
     * Solves the coupled equilibrium μ* = G_c(μ*) with γ = {@code field}(μ̂) (see the class notes), from
     * {@code warmStart} (N·d, not modified) or μ_0 repeated. Never throws on non-convergence.
     */
    public Solution solve(double[] mu0, Field field, double[] warmStart) {
        checkMu0(mu0);
        return run(mu0, fieldGamma, field, warmStart, 0);
    }

    /** γ(μ*) of the last coupled solve (N·p, a fresh array). */
    public double[] lastGamma() {
        if (field == null) {
            throw new IllegalStateException("lastGamma: the last solve was not a coupled one");
        }
        double[] g = new double[nT * p];
        field.gamma(mu, g);
        return g;
    }

    /** The one driver: γ fixed ({@code f} null) or γ = f(μ̂) written into {@code gamma} (= {@link #fieldGamma}). */
    private Solution run(double[] mu0, double[] gamma, Field f, double[] warmStart, double relative) {
        this.field = f;
        if (warmStart != null) {
            if (warmStart.length != len) {
                throw new IllegalArgumentException("warm start has " + warmStart.length + " numbers, expected N·d = " + len);
            }
            System.arraycopy(warmStart, 0, mu, 0, len);
        } else {
            // μ_0 in every row, by doubling copies: one arraycopy per row was about 0.4 µs at N = 100, d = 3.
            System.arraycopy(mu0, 0, mu, 0, d);
            for (int k = d; k < len; k += k) {
                System.arraycopy(mu, 0, mu, k, Math.min(k, len - k));
            }
        }
        FixedPoint.Map map = f == null ? (in, out) -> picardMap(mu0, gamma, in, out)
                : (in, out) -> fieldMap(mu0, f, in, out);
        FixedPoint.Outcome o = FixedPoint.run(map, mu, img, xLin, mixer, opt, len, relative);
        if (mixer != null) {
            // μ* = G(x_k): an exact Kolmogorov trajectory. The adjoint linearises at x_k (kept in xLin), where
            // u = HJB(x_k) and ν = G(x_k) are already computed — within the solver tolerance of μ*, one sweep cheaper.
            // (Coupled: γ(x_k) is in fieldGamma as well.)
            lin = xLin;
            linearizedAtMu = true;
            return summarize(mu0, gamma, o.iterations(), o.converged(), o.residual());
        }
        // Picard: μ* is the last iterate; u = HJB(μ^{k−1}) and img = G(μ^{k−1}) describe the control that produced it
        // (used for exploitability); the adjoint re-linearises at μ* itself ({@link #linearize}).
        lin = mu;
        linearizedAtMu = false;
        return summarize(mu0, gamma, o.iterations(), o.converged(), o.residual());
    }

    private Solution summarize(double[] mu0, double[] gamma, int it, boolean converged, double res) {
        double minMu = Double.POSITIVE_INFINITY;
        double maxMass = 0;
        double mass0 = 0;
        for (int x = 0; x < d; x++) {
            mass0 += mu0[x];
        }
        if (d == 3) {
            // One pass, three running minima, the row sum in the generic loop's order (same results; the generic
            // pair of loops with its inner loop of 3 took about 0.4 µs at N = 100).
            double m1 = minMu, m2 = minMu;
            for (int o = 0; o < len; o += 3) {
                final double a = mu[o], b = mu[o + 1], c = mu[o + 2];
                minMu = Math.min(minMu, a);
                m1 = Math.min(m1, b);
                m2 = Math.min(m2, c);
                final double err = Math.abs((a + b) + c - mass0);
                maxMass = err > maxMass || err != err ? err : maxMass;
            }
            minMu = Math.min(minMu, Math.min(m1, m2));
        } else {
            for (int n = 0; n < nT; n++) {
                double s = 0;
                for (int x = 0; x < d; x++) {
                    s += mu[n * d + x];
                }
                final double err = Math.abs(s - mass0);
                maxMass = err > maxMass || err != err ? err : maxMass;
            }
            // Four running minima (Math.min is exact in any order): 0.21 → 0.17 µs at len 300 (bench/BENCHMARKS.md).
            double m1 = minMu, m2 = minMu, m3 = minMu;
            int i = 0;
            for (; i + 3 < len; i += 4) {
                minMu = Math.min(minMu, mu[i]);
                m1 = Math.min(m1, mu[i + 1]);
                m2 = Math.min(m2, mu[i + 2]);
                m3 = Math.min(m3, mu[i + 3]);
            }
            for (; i < len; i++) {
                minMu = Math.min(minMu, mu[i]);
            }
            minMu = Math.min(Math.min(minMu, m1), Math.min(m2, m3));
        }
        double expl = Double.NaN;
        if (converged && reportExploitability) {
            expl = Sweeps.exploitability(game, nT, dt, stable, gamma, u, img, buf, v1, v0, br1, br0);
        }
        return new Solution(mu.clone(), u.clone(), nT, d, it, converged, res, minMu, maxMass, expl);
    }

    /**
     * Solves, then differentiates {@code loss} of μ* with respect to γ by the implicit adjoint.
     *
     * @param obs  observations (N·d; with a loss of stride k, ((N−1)/k + 1)·d), not modified
     * @param grad modified: ∇_γ L (N·p)
     */
    public Gradient lossAndGradient(double[] mu0, double[] gamma, double[] warmStart, SquaredLoss loss, double[] obs,
                                    double[] grad) {
        Solution sol = solve(mu0, gamma, warmStart);
        return gradientAtSolution(sol, mu0, gamma, loss, obs, grad);
    }

    /**
     * Solves the coupled equilibrium, then returns ∇_γ L = G_γᵀ w with w = Jᵀw + Γᵀ G_γᵀ w + ∂L/∂μ* (see the class
     * notes) in {@code gammaGrad} (N·p, modified), to be pulled back through the field's weights at μ*.
     */
    public Gradient lossAndGradient(double[] mu0, Field field, double[] warmStart, SquaredLoss loss, double[] obs,
                                    double[] gammaGrad) {
        Solution sol = solve(mu0, field, warmStart);
        return gradientAtSolution(sol, mu0, fieldGamma, loss, obs, gammaGrad);
    }

    /**
     * The implicit gradient at the solution of the last {@link #solve} call on this solver (its workspace still holds
     * μ*, u = HJB(μ*) and ν = G(μ*)). {@code grad} (N·p) modified.
     */
    public Gradient gradientAtSolution(Solution sol, double[] mu0, double[] gamma, SquaredLoss loss, double[] obs,
                                       double[] grad) {
        if (loss.stride() != 1 && loss.steps() != nT) {
            throw new IllegalArgumentException("loss is over " + loss.steps() + " grid points, the solver has N = " + nT);
        }
        final int expected = loss.stride() == 1 ? len : loss.observationLength();
        if (obs.length != expected) {
            throw new IllegalArgumentException("mu_obs has " + obs.length + " numbers, expected "
                    + (loss.stride() == 1 ? "N·d = " : "((N−1)/k + 1)·d with stride k = " + loss.stride() + ": ")
                    + expected);
        }
        if (grad.length != nT * p) {
            throw new IllegalArgumentException("gradient buffer has " + grad.length + " numbers, expected N·p = " + nT * p);
        }
        final double value = loss.gradient(mu, obs, gbar);
        linearize(mu0, gamma);
        return adjoint(sol, value, mu0, gamma, grad);
    }

    /**
     * The implicit gradient for an arbitrary upstream cotangent ḡ = ∂L/∂μ* (N·d, not modified) at the last solution
     * (solved from {@code mu0} and {@code gamma}).
     */
    public Gradient gradientForCotangent(Solution sol, double[] mu0, double[] cotangent, double[] gamma, double[] grad) {
        System.arraycopy(cotangent, 0, gbar, 0, len);
        linearize(mu0, gamma);
        return adjoint(sol, Double.NaN, mu0, gamma, grad);
    }

    private Gradient adjoint(Solution sol, double value, double[] mu0, double[] gamma, double[] grad) {
        final double delta = opt.damping();
        System.arraycopy(gbar, 0, w, 0, len);
        int it = 0;
        boolean converged = false;
        double res = Double.NaN;
        if (mixer == null) {
            while (true) {
                Sweeps.vjp(game, nT, dt, stable, lin, gamma, u, img, w, wImg, gammaBar, nuBar, uBar, buf);
                if (field != null) {
                    field.muVjp(lin, gammaBar, wImg);
                }
                double diff = 0;
                for (int i = 0; i < len; i++) {
                    final double v = (1 - delta) * (wImg[i] + gbar[i]) + delta * w[i];
                    final double ad = Math.abs(v - w[i]);
                    diff = ad > diff || ad != ad ? ad : diff;
                    w[i] = v;
                }
                it++;
                res = diff;
                if (diff <= opt.adjointTol()) {
                    converged = true;
                    break;
                }
                if (it >= opt.adjointMaxIter() || !Double.isFinite(diff)) {
                    break;
                }
            }
            Sweeps.vjp(game, nT, dt, stable, lin, gamma, u, img, w, wImg, gammaBar, nuBar, uBar, buf);
        } else {
            mixer.reset();
            final double beta = 1 - delta;
            double[] wc = w;      // the iterate; the next one goes to the other buffer (see AndersonMixer)
            double[] wn = next;
            while (true) {
                Sweeps.vjp(game, nT, dt, stable, lin, gamma, u, img, wc, wImg, gammaBar, nuBar, uBar, buf);
                if (field != null) {
                    field.muVjp(lin, gammaBar, wImg);
                }
                it++;
                final double[] r = mixer.residualBuffer();
                double rn = 0;
                for (int i = 0; i < len; i++) {
                    final double ri = wImg[i] + gbar[i] - wc[i];
                    r[i] = ri;
                    final double ar = Math.abs(ri);
                    rn = ar > rn || ar != ar ? ar : rn;
                }
                res = rn;
                if (rn <= opt.adjointTol()) {
                    converged = true;
                    break; // gammaBar = (∂G/∂γ)ᵀ w for this w
                }
                if (it >= opt.adjointMaxIter() || !Double.isFinite(rn)) {
                    break;
                }
                mixer.next(wc, r, rn, beta, wn);
                final double[] t = wc;
                wc = wn;
                wn = t;
            }
            if (wc != w) {
                System.arraycopy(wc, 0, w, 0, len);
            }
        }
        System.arraycopy(gammaBar, 0, grad, 0, nT * p);
        return new Gradient(sol, value, grad, it, converged, res);
    }

    /**
     * ∂L/∂μ_0 of the last gradient call: (∂G/∂μ_0)ᵀ w with the converged adjoint w (the cotangent of the initial
     * distribution, d numbers, into {@code out}, modified). μ_0 enters G only as ν_0, so this is the first row of the
     * reverse Kolmogorov sweep that produced the γ gradient.
     */
    public void lastInitialGradient(double[] out) {
        if (out.length != d) {
            throw new IllegalArgumentException("initial-gradient buffer has " + out.length + " numbers, expected d = " + d);
        }
        System.arraycopy(nuBar, 0, out, 0, d);
    }

    /** The adjoint solution w of the last gradient call (N·d), copied. */
    public double[] lastAdjoint() {
        return w.clone();
    }

    /** Copies μ* of the last solve into {@code out}. */
    public void copyMu(double[] out) {
        System.arraycopy(mu, 0, out, 0, len);
    }

    @Override
    public String toString() {
        return "EquilibriumSolver[" + game.name() + ", d=" + d + ", N=" + nT + ", " + opt.scheme() + "/" + opt.method() + "]";
    }
}
