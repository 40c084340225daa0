package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * Entropy-regularised (softmax, temperature τ) equilibrium of a {@link SmoothGame} and its exact derivatives with
 * respect to the game parameters θ by implicit differentiation (docs/DISCRETE_GAMES.md §4).
 *
 * <p>Implementation notes. The unknown is the policy π (length n = T·S·A). G(π; θ) = softBR_τ(Φ(π)) maps a policy to
 * the softmax best response to its own mean field; the regularised equilibrium is π* = G(π*; θ). Its directional
 * derivative J·v (and ∂G/∂θ·e_j) is one tangent sweep: forward dL_t = dμ_t π_t + μ_t dπ_t,
 * dμ_{t+1} = Σ (dL_t P_t + L_t dP_t), then the game's reward tangent, then backward
 * dQ_t = dr_t + Σ (dP_t V_{t+1} + P_t dV_{t+1}), dV_t = Σ_a π^G_t dQ_t, dπ^G_t = π^G_t (dQ_t − dV_t)/τ. Solve:
 * at most 20 damped fixed-point steps (δ = 0.5) while the residual is above 0.2, then Newton steps with step halving
 * π ← π + λ (I − J)^{-1}(G(π) − π) with J assembled column by column (n tangent sweeps) and factorised densely, until
 * ‖G(π) − π‖_∞ ≤ 1e-13. Sensitivities: d(π*)/dθ = (I − J)^{-1} ∂G/∂θ (implicit function theorem), then one more
 * forward tangent gives d(μ*)/dθ and d(L*)/dθ. Meant for the small calibration games (n up to a few hundred).
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class SoftEquilibrium {
    static final double NEWTON_SWITCH = 0.2;
    static final double TOL = 1e-13;
    static final int MAX_PICARD = 20;
    static final int MAX_NEWTON = 30;

    private final SmoothGame game;
    private final double tau;
    private final Evaluator ev;
    private final int n, nS, nA, nT, nK, nSA, nSAK;
    private final double[] pi, g, qS, vS;
    private final double[] dmu, dsa, dprob, dr, dq, dv, dpi;
    private final double[] jac;

    public SoftEquilibrium(SmoothGame game, double tau) {
        if (!(tau > 0) || !Double.isFinite(tau)) {
            throw new IllegalArgumentException("temperature " + tau + ": must be > 0");
        }
        this.game = game;
        this.tau = tau;
        this.ev = new Evaluator(game);
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        nK = ev.nK;
        nSA = ev.nSA;
        nSAK = ev.nSAK;
        n = nT * nSA;
        pi = new double[n];
        g = new double[n];
        qS = new double[n];
        vS = new double[nT * nS];
        dmu = new double[nT * nS];
        dsa = new double[n];
        dprob = new double[nT * nSAK];
        dr = new double[n];
        dq = new double[n];
        dv = new double[nT * nS];
        dpi = new double[n];
        jac = new double[n * n];
    }

    public SmoothGame game() {
        return game;
    }

    public double temperature() {
        return tau;
    }

    /** Length of the policy vector. */
    public int size() {
        return n;
    }

    /** G(π) into {@code g}; leaves μ, L, rewards, soft V of π in the evaluator. Returns ‖G(π) − π‖_∞. */
    private double apply(double[] p) {
        ev.induce(p);
        ev.computeRewards();
        ev.softBestResponse(tau, qS, vS, g);
        double res = 0;
        for (int i = 0; i < n; i++) {
            res = Math.max(res, Math.abs(g[i] - p[i]));
        }
        return res;
    }

    /**
     * Solves for the regularised equilibrium from the uniform policy (or {@code warm} when not null).
     *
     * @return the equilibrium policy (a new array)
     * @throws IllegalStateException when Newton does not reach the tolerance
     */
    public double[] solve(double[] warm) {
        if (warm == null) {
            ev.uniform(pi);
        } else {
            System.arraycopy(warm, 0, pi, 0, n);
        }
        double res = apply(pi);
        int picard = 0;
        for (; picard < MAX_PICARD && res > NEWTON_SWITCH; picard++) {
            for (int i = 0; i < n; i++) {
                pi[i] = 0.5 * pi[i] + 0.5 * g[i];
            }
            res = apply(pi);
        }
        for (int k = 0; k < MAX_NEWTON && res > TOL; k++) {
            double[] step = new double[n];
            for (int i = 0; i < n; i++) {
                step[i] = g[i] - pi[i];
            }
            assembleIminusJ();
            DenseLinear.solve(jac, n, step, 1);
            double prev = res;
            double lambda = 1.0;
            double[] base = pi.clone();
            while (true) {
                for (int i = 0; i < n; i++) {
                    pi[i] = base[i] + lambda * step[i];
                }
                res = validPolicy(pi) ? apply(pi) : Double.POSITIVE_INFINITY;
                if (res < prev || lambda < 1e-4) {
                    break;
                }
                lambda *= 0.5;
            }
            if (!(res < prev)) {
                System.arraycopy(base, 0, pi, 0, n);
                res = apply(pi);
                break;
            }
        }
        if (!(res <= 1e-10)) {
            throw new IllegalStateException(game.name() + ": regularised equilibrium not found, residual " + res);
        }
        // final fixed-point step keeps π exactly on the simplex and one step closer
        System.arraycopy(g, 0, pi, 0, n);
        apply(pi);
        return pi.clone();
    }

    private boolean validPolicy(double[] p) {
        for (int i = 0; i < n; i++) {
            if (!(p[i] >= -1e-12)) {
                return false;
            }
        }
        return true;
    }

    /** jac ← I − ∂G/∂π at the π last passed to {@link #apply}. */
    private void assembleIminusJ() {
        double[] e = new double[n];
        for (int j = 0; j < n; j++) {
            e[j] = 1.0;
            tangent(e, null, dpi);
            e[j] = 0.0;
            for (int i = 0; i < n; i++) {
                jac[i * n + j] = (i == j ? 1.0 : 0.0) - dpi[i];
            }
        }
    }

    /**
     * Forward tangent of the mean field at the current π in direction (dPolicy, dTheta): fills dmu, dsa, dprob.
     */
    private void forwardTangent(double[] dPolicy, double[] dTheta) {
        double[] mu = ev.mu;
        double[] sa = ev.sa;
        double[] prob = ev.prob;
        int[] next = ev.next;
        Arrays.fill(dmu, 0.0);
        for (int t = 0; t < nT; t++) {
            int mo = t * nS;
            for (int i = 0; i < nSA; i++) {
                int x = i / nA;
                dsa[mo * nA + i] = dmu[mo + x] * pi[mo * nA + i] + (dPolicy == null ? 0.0 : mu[mo + x] * dPolicy[mo * nA + i]);
            }
            if (t == nT - 1) {
                break;
            }
            game.transitionsJvp(t, mu, dmu, dTheta, dprob, t * nSAK);
            int po = ev.probOff(t);
            int no = mo + nS;
            for (int i = 0; i < nSA; i++) {
                double l = sa[mo * nA + i];
                double dl = dsa[mo * nA + i];
                int base = i * nK;
                for (int k = 0; k < nK; k++) {
                    dmu[no + next[base + k]] += dl * prob[po + base + k] + l * dprob[t * nSAK + base + k];
                }
            }
        }
    }

    /** dOut ← ∂G/∂π·dPolicy + ∂G/∂θ·dTheta at the π last passed to {@link #apply} (either direction may be null). */
    private void tangent(double[] dPolicy, double[] dTheta, double[] dOut) {
        forwardTangent(dPolicy, dTheta);
        game.rewardsJvp(ev.mu, ev.sa, dmu, dsa, dTheta, dr);
        double[] prob = ev.prob;
        int[] next = ev.next;
        for (int t = nT - 1; t >= 0; t--) {
            boolean last = t == nT - 1;
            int po = ev.probOff(t);
            for (int x = 0; x < nS; x++) {
                int o = (t * nS + x) * nA;
                double s = 0;
                for (int a = 0; a < nA; a++) {
                    double d = dr[o + a];
                    if (!last) {
                        int base = (x * nA + a) * nK;
                        int vo = (t + 1) * nS;
                        for (int k = 0; k < nK; k++) {
                            int y = next[base + k];
                            d += dprob[t * nSAK + base + k] * vS[vo + y] + prob[po + base + k] * dv[vo + y];
                        }
                    }
                    dq[o + a] = d;
                    s += g[o + a] * d;
                }
                dv[t * nS + x] = s;
                for (int a = 0; a < nA; a++) {
                    dOut[o + a] = g[o + a] * (dq[o + a] - s) / tau;
                }
            }
        }
    }

    /**
     * Sensitivities of the equilibrium at π* (call after {@link #solve}): column j of the result is the derivative of
     * the equilibrium's (μ, L) with respect to θ_j, laid out as {@code [dμ (T·S) | dL (T·S·A)]} per column; returns
     * an array of p such columns.
     */
    public double[][] sensitivities() {
        int p = game.parameters().length;
        apply(pi);
        assembleIminusJ();
        double[] rhs = new double[n * p];
        double[] dth = new double[p];
        double[] col = new double[n];
        for (int j = 0; j < p; j++) {
            Arrays.fill(dth, 0.0);
            dth[j] = 1.0;
            tangent(null, dth, col);
            for (int i = 0; i < n; i++) {
                rhs[i * p + j] = col[i];
            }
        }
        DenseLinear.solve(jac, n, rhs, p);
        double[][] out = new double[p][];
        double[] dPol = new double[n];
        for (int j = 0; j < p; j++) {
            Arrays.fill(dth, 0.0);
            dth[j] = 1.0;
            for (int i = 0; i < n; i++) {
                dPol[i] = rhs[i * p + j];
            }
            forwardTangent(dPol, dth);
            double[] c = new double[nT * nS + n];
            System.arraycopy(dmu, 0, c, 0, nT * nS);
            System.arraycopy(dsa, 0, c, nT * nS, n);
            out[j] = c;
        }
        return out;
    }

    /** μ of the last solve (a copy). */
    public double[] mu() {
        return ev.mu.clone();
    }

    /** L of the last solve (a copy). */
    public double[] stateAction() {
        return ev.sa.clone();
    }

    /** Exploitability of the last solved policy in the unregularised game. */
    public double exploitability() {
        return ev.exploitability(pi.clone());
    }
}
