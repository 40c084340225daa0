package org.mfgcal.calibrator.solver;

import org.mfgcal.calibrator.game.Game;

/**
 * Equilibrium of the <em>coupled</em> parameterisation, where γ is a function of the solver's own iterate:
 * μ* = G_c(μ*), G_c(μ̂) = FPK(HJB(μ̂, γ(μ̂)), γ(μ̂)) — e.g. a network γθ(t, μ̂_t) evaluated on the iterate instead of
 * on observed data — and the exact gradient of a loss of μ* through it.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li>Grid, flat layouts, sweeps and schemes: as {@link EquilibriumSolver} (it reuses the same {@link Sweeps}
 *       kernels); the field is evaluated once per Picard map, batched over the whole time grid.</li>
 *   <li>Fixed point: Picard with damping δ, or Anderson on F = G_c (safeguarded, {@link AndersonMixer}); the same
 *       stopping rules as {@link EquilibriumSolver}. With Anderson μ* = G_c(last iterate).</li>
 *   <li>Adjoint (implicit function theorem through the coupled operator): with J = ∂G/∂μ̂ and G_γ = ∂G/∂γ at
 *       (μ*, γ(μ*)) and Γ = ∂γ/∂μ̂, solve w = Jᵀw + Γᵀ G_γᵀ w + ḡ; then ∇_γ L := G_γᵀ w is returned, and the caller
 *       pulls it back into its weights at μ* (dL/dθ = (∂γ/∂θ)ᵀ G_γᵀ w). One iteration = one {@link Sweeps#vjp}
 *       plus one input-VJP of the field.</li>
 * </ul>
 *
 * <p>Not thread-safe: one per thread (it is its own workspace); reuse it.
 */
public final class CoupledEquilibriumSolver {

    /** A parameter field γ(μ̂) over the whole grid (N·d → N·p) and its input vector–Jacobian product. */
    public interface Field {
        /** {@code gamma} (N·p, modified) = γ(μ̂); {@code muHat} (N·d) not modified. */
        void gamma(double[] muHat, double[] gamma);

        /** {@code muHatBar} (N·d, modified, accumulated) += (∂γ/∂μ̂)ᵀ {@code gammaBar} (N·p, not modified). */
        void muVjp(double[] muHat, double[] gammaBar, double[] muHatBar);
    }

    private final Game game;
    private final int nT, d, p, len;
    private final double dt;
    private final SolverOptions opt;
    private final boolean stable;
    private final Sweeps.Buffers buf;
    private final double[] mu, img, u, next, resid, w, wImg, gbar, nuBar, uBar, gammaBar, gam;
    private final double[] v0, v1, br0, br1;
    private final AndersonMixer mixer;

    public CoupledEquilibriumSolver(Game game, double horizon, int steps, SolverOptions options) {
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
        this.len = steps * d;
        this.dt = horizon / (steps - 1);
        this.opt = options;
        this.stable = options.scheme() == Scheme.STABLE;
        this.buf = new Sweeps.Buffers(game);
        mu = new double[len];
        img = new double[len];
        u = new double[len];
        next = new double[len];
        resid = new double[len];
        w = new double[len];
        wImg = new double[len];
        gbar = new double[len];
        nuBar = new double[len];
        uBar = new double[len];
        gammaBar = new double[steps * p];
        gam = new double[steps * p];
        v0 = new double[d];
        v1 = new double[d];
        br0 = new double[d];
        br1 = new double[d];
        mixer = options.method() == Method.ANDERSON ? new AndersonMixer(len, options.andersonMemory()) : null;
    }

    public Game game() {
        return game;
    }

    /** out = G_c(μ̂); leaves γ(μ̂) and u = HJB(μ̂, γ(μ̂)) in the workspace. */
    public void picardMap(double[] mu0, Field field, double[] muHat, double[] out) {
        field.gamma(muHat, gam);
        for (int n = 0; n < nT; n++) {
            game.checkParameters(gam, n * p, n);
        }
        Sweeps.hjb(game, nT, dt, stable, muHat, gam, u, buf);
        Sweeps.fpk(game, nT, dt, stable, mu0, gam, u, out, buf);
    }

    /** γ(μ*) of the last solve, copied. */
    public double[] lastGamma() {
        return gam.clone();
    }

    /** Solves from {@code warmStart} (N·d, not modified) or, when null, μ_0 repeated. Never throws on non-convergence. */
    public Solution solve(double[] mu0, Field field, double[] warmStart) {
        if (mu0.length != d) {
            throw new IllegalArgumentException("mu0 has " + mu0.length + " entries, expected d = " + d);
        }
        if (warmStart != null) {
            System.arraycopy(warmStart, 0, mu, 0, len);
        } else {
            // μ_0 in every row, by doubling copies: one arraycopy per row was about 0.4 µs at N = 100, d = 3.
            System.arraycopy(mu0, 0, mu, 0, d);
            for (int k = d; k < len; k += k) {
                System.arraycopy(mu, 0, mu, k, Math.min(k, len - k));
            }
        }
        FixedPoint.Outcome o = FixedPoint.run((in, out) -> picardMap(mu0, field, in, out), mu, img, next,
                mixer, opt, len);
        final int it = o.iterations();
        final boolean converged = o.converged();
        final double res = o.residual();
        picardMap(mu0, field, mu, img); // linearisation point: γ(μ*), u = HJB(μ*), ν = G_c(μ*)
        double minMu = Double.POSITIVE_INFINITY, maxMass = 0, m0 = 0;
        for (int x = 0; x < d; x++) {
            m0 += mu0[x];
        }
        for (int n = 0; n < nT; n++) {
            double s = 0;
            for (int x = 0; x < d; x++) {
                s += mu[n * d + x];
                minMu = Math.min(minMu, mu[n * d + x]);
            }
            double e = Math.abs(s - m0);
            maxMass = e > maxMass || e != e ? e : maxMass;
        }
        double expl = converged ? Sweeps.exploitability(game, nT, dt, stable, gam, u, img, buf, v1, v0, br1, br0) : Double.NaN;
        return new Solution(mu.clone(), u.clone(), nT, d, it, converged, res, minMu, maxMass, expl);
    }

    /**
     * Solves, then returns ∇_γ L = G_γᵀ w with w = Jᵀw + Γᵀ G_γᵀ w + ∂L/∂μ* (see the class notes) in {@code gammaGrad}
     * (N·p, modified), to be pulled back through the field's weights at μ* = {@code result.solution().mu()}.
     */
    public Gradient lossAndGradient(double[] mu0, Field field, double[] warmStart, SquaredLoss loss, double[] obs,
                                    double[] gammaGrad) {
        Solution sol = solve(mu0, field, warmStart);
        final double value = loss.gradient(mu, obs, gbar);
        final double delta = opt.damping();
        System.arraycopy(gbar, 0, w, 0, len);
        int it = 0;
        boolean converged = false;
        double res = Double.NaN;
        if (mixer != null) {
            mixer.reset();
        }
        double[] wc = w;      // Anderson: the iterate; the next one goes to the other buffer (see AndersonMixer)
        double[] wn = next;
        while (true) {
            Sweeps.vjp(game, nT, dt, stable, mu, gam, u, img, wc, wImg, gammaBar, nuBar, uBar, buf);
            field.muVjp(mu, gammaBar, wImg);
            it++;
            final double[] r = mixer != null ? mixer.residualBuffer() : resid;
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
                break; // gammaBar = G_γᵀ w for this w
            }
            if (it >= opt.adjointMaxIter() || !Double.isFinite(rn)) {
                break;
            }
            if (mixer == null) {
                for (int i = 0; i < len; i++) {
                    wc[i] += (1 - delta) * r[i];
                }
            } else {
                mixer.next(wc, r, rn, 1 - delta, wn);
                final double[] t = wc;
                wc = wn;
                wn = t;
            }
        }
        if (wc != w) {
            System.arraycopy(wc, 0, w, 0, len);
        }
        System.arraycopy(gammaBar, 0, gammaGrad, 0, nT * p);
        return new Gradient(sol, value, gammaGrad, it, converged, res);
    }
}
