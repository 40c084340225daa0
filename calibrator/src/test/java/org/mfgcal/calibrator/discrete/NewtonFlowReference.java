package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * Test reference (issue 14): the dense implementation of {@link NewtonFlow} as it was before the sparse rewrite,
 * verbatim except for the zeroing of a scratch array marked below (a bug of the old code: stale adjoint values in the
 * preconditioner diagonal from the second step on, which also made repeated solves differ).
 *
 * <p>Projected Newton–CG on the potential of a crowd potential game (docs/DISCRETE_GAMES.md §3, "newton").
 *
 * <p>Variables: at every (t, x) with μ_t(x) &gt; 0, t &lt; T−1, the flow u_t(x, a) moved from the best action b
 * (argmax of Q^π) to each other used action a (L_t(x, a) &gt; 0): dL_t(x, a) = u, dL_t(x, b) = −Σ u, and the mass
 * change dμ that this causes downstream is carried along by the current conditional policy (the flow tangent, exact
 * because the flow constraints are linear). In these variables the gradient of Φ is Q^π_t(x, a) − Q^π_t(x, b) and
 * the Hessian is −Jᵀ diag(κ) J with J the tangent map u ↦ dμ and κ_t(y) = −g'(μ_t(y)): a Hessian–vector product is
 * one forward tangent sweep and one backward (adjoint) sweep, each cheaper than a policy evaluation. The Newton
 * system is solved inexactly by conjugate gradients preconditioned with the local curvature Σ_y d_y² κ_{t+1}(y)
 * (the same quantity as in {@link FlowShift}); the step L + α dL is projected onto L ≥ 0 and α is halved until Φ
 * increases. At t = T−1 the flow goes straight to the best action (Φ is linear there).
 *
 * <p>Not thread-safe; all buffers allocated at construction.
 */
final class NewtonFlowReference {
    private final CrowdPotentialGame game;
    private final int nS, nA, nT, nK, nSA, len;
    private final int[] move, noiseNext;
    private final double[] noiseProb;
    private final boolean[] legal;
    private final double[] mu0;
    private final int[] best;          // b_t(x), −1: no variables at (t, x)
    private final boolean[] free;      // free variable (t, x, a)
    private final double[] g, u, res, z, p, hp, diag;
    private final double[] kappa, dmu, big, pre, wv;
    private final double[] cand, muC, muCur;
    private final double[] baseR;
    /** CG iterations of the last step. */
    int lastCg;
    /** Levenberg–Marquardt weight λ of the diagonal added to the Hessian (adapted: ÷4 after a full step, ×4 otherwise). */
    double lambda = 1;
    private static final double LAMBDA_MIN = 1e-6;
    double lastAlpha;

    NewtonFlowReference(CrowdPotentialGame game, Evaluator ev) {
        this.game = game;
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        nSA = nS * nA;
        len = nT * nSA;
        move = game.moves();
        nK = game.noiseFanout();
        noiseNext = game.noiseSuccessors();
        noiseProb = game.noiseProbabilities();
        legal = ev.legal;
        mu0 = ev.mu0;
        best = new int[nT * nS];
        free = new boolean[len];
        g = new double[len];
        u = new double[len];
        res = new double[len];
        z = new double[len];
        p = new double[len];
        hp = new double[len];
        diag = new double[len];
        kappa = new double[nT * nS];
        dmu = new double[nT * nS];
        big = new double[nT * nS];
        pre = new double[nS];
        wv = new double[nS];
        cand = new double[len];
        muC = new double[nT * nS];
        muCur = new double[nT * nS];
        baseR = new double[len];
        ev.induce(ev.uniformPolicy());
        ev.computeRewards();
        for (int i = 0; i < len; i++) {
            baseR[i] = ev.r[i] - game.crowdReward(ev.mu[i / nA]);
        }
    }

    /** out[oo..) ← noise step of {@link #pre}. */
    private void noise(double[] out, int oo) {
        Arrays.fill(out, oo, oo + nS, 0.0);
        for (int q = 0; q < nS; q++) {
            double l = pre[q];
            if (l == 0.0) {
                continue;
            }
            int o = q * nK;
            for (int k = 0; k < nK; k++) {
                out[oo + noiseNext[o + k]] += l * noiseProb[o + k];
            }
        }
    }

    /** dμ ← J v (forward tangent of the shifts v under the policy). */
    private void tangent(double[] policy, double[] mu, double[] v) {
        Arrays.fill(dmu, 0, nS, 0.0);
        for (int t = 0; t + 1 < nT; t++) {
            Arrays.fill(pre, 0.0);
            int mo = t * nS;
            for (int x = 0; x < nS; x++) {
                double dm = dmu[mo + x];
                int o = (mo + x) * nA;
                int b = best[mo + x];
                double sh = 0;
                for (int a = 0; a < nA; a++) {
                    double d = dm == 0.0 ? 0.0 : dm * policy[o + a];
                    if (free[o + a]) {
                        d += v[o + a];
                        sh += v[o + a];
                    }
                    if (d != 0.0) {
                        pre[move[x * nA + a]] += d;
                    }
                }
                if (sh != 0.0) {
                    pre[move[x * nA + b]] -= sh;
                }
            }
            noise(dmu, mo + nS);
        }
    }

    /** out ← Jᵀ diag(κ) J v on the free variables. */
    private void hessVec(double[] policy, double[] mu, double[] v, double[] out) {
        tangent(policy, mu, v);
        // backward adjoint: Z_s(y) = κ_s dμ_s + Σ_a π Ψ_s(y, a), Ψ_s(x, a) = Σ N Z_{s+1}(m(x, a))
        for (int y = 0; y < nS; y++) {
            int i = (nT - 1) * nS + y;
            big[i] = kappa[i] * dmu[i];
        }
        for (int s = nT - 2; s >= 0; s--) {
            int so = s * nS;
            int no = so + nS;
            for (int q = 0; q < nS; q++) {
                int o = q * nK;
                double acc = 0;
                for (int k = 0; k < nK; k++) {
                    acc += noiseProb[o + k] * big[no + noiseNext[o + k]];
                }
                wv[q] = acc;
            }
            for (int x = 0; x < nS; x++) {
                int o = (so + x) * nA;
                double zz = s == 0 ? 0.0 : kappa[so + x] * dmu[so + x];
                for (int a = 0; a < nA; a++) {
                    double pa = policy[o + a];
                    if (pa != 0.0) {
                        zz += pa * wv[move[x * nA + a]];
                    }
                }
                big[so + x] = zz;
                int b = best[so + x];
                if (b >= 0) {
                    double psiB = wv[move[x * nA + b]];
                    for (int a = 0; a < nA; a++) {
                        if (free[o + a]) {
                            out[o + a] = wv[move[x * nA + a]] - psiB;
                        }
                    }
                }
            }
        }
    }

    private double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < len; i++) {
            if (free[i]) {
                s += a[i] * b[i];
            }
        }
        return s;
    }

    /** Φ of the policy's mean field (μ written to {@code m}). */
    private double potential(double[] policy, double[] m) {
        System.arraycopy(mu0, 0, m, 0, nS);
        double phi = 0;
        for (int t = 0; t < nT; t++) {
            int mo = t * nS;
            Arrays.fill(pre, 0.0);
            for (int x = 0; x < nS; x++) {
                double mx = m[mo + x];
                if (mx == 0.0) {
                    continue;
                }
                int o = (mo + x) * nA;
                for (int a = 0; a < nA; a++) {
                    double l = mx * policy[o + a];
                    if (l != 0.0) {
                        phi += baseR[o + a] * l;
                        pre[move[x * nA + a]] += l;
                    }
                }
                phi += game.crowdPotential(mx);
            }
            if (t + 1 < nT) {
                noise(m, mo + nS);
            }
        }
        return phi;
    }

    /** Resets the adaptive λ (start of a solve). */
    void reset() {
        lambda = 1;
    }

    /**
     * One Newton step from the policy whose exploitability was just evaluated by {@code ev} (its μ, L and Q^π are in
     * the evaluator). Modifies {@code policy}.
     */
    void step(Evaluator ev, double[] policy, int maxCg, double cgTol) {
        double[] mu = ev.mu;
        double[] sa = ev.sa;
        double[] q = ev.q;
        for (int i = 0; i < nT * nS; i++) {
            kappa[i] = game.crowdCurvature(mu[i]);
        }
        Arrays.fill(free, false);
        // the one change to the previous implementation: wv is scratch of the preconditioner below and was left
        // holding the last Hessian–vector product's adjoint values, which leaked into the diagonal (issue 14)
        Arrays.fill(wv, 0.0);
        Arrays.fill(u, 0.0);
        Arrays.fill(g, 0.0);
        // last step: greedy (Φ linear in L_{T−1})
        for (int t = 0; t < nT; t++) {
            for (int x = 0; x < nS; x++) {
                int tx = t * nS + x;
                best[tx] = -1;
                if (!(mu[tx] > 0)) {
                    continue;
                }
                int o = tx * nA;
                int b = -1;
                double bq = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < nA; a++) {
                    if (legal[x * nA + a] && q[o + a] > bq) {
                        bq = q[o + a];
                        b = a;
                    }
                }
                if (t == nT - 1) {
                    continue;
                }
                best[tx] = b;
                int pb = move[x * nA + b];
                for (int a = 0; a < nA; a++) {
                    if (a == b || !legal[x * nA + a] || !(sa[o + a] > 0)) {
                        continue;
                    }
                    int pa = move[x * nA + a];
                    if (pa == pb) {
                        continue;
                    }
                    double h = 0;
                    for (int k = 0; k < nK; k++) {
                        wv[noiseNext[pa * nK + k]] += noiseProb[pa * nK + k];
                        wv[noiseNext[pb * nK + k]] -= noiseProb[pb * nK + k];
                    }
                    for (int k = 0; k < 2 * nK; k++) {
                        int y = k < nK ? noiseNext[pa * nK + k] : noiseNext[pb * nK + k - nK];
                        double d = wv[y];
                        h += d * d * kappa[(t + 1) * nS + y];
                        wv[y] = 0.0;
                    }
                    if (!(h > 0) || !Double.isFinite(h)) {
                        continue;
                    }
                    free[o + a] = true;
                    g[o + a] = q[o + a] - bq;
                    diag[o + a] = h;
                }
            }
        }
        Arrays.fill(wv, 0.0);
        System.arraycopy(g, 0, res, 0, len);
        for (int i = 0; i < len; i++) {
            z[i] = free[i] ? res[i] / ((1 + lambda) * diag[i]) : 0.0;
        }
        System.arraycopy(z, 0, p, 0, len);
        double rz = dot(res, z);
        double rz0 = rz;
        int it = 0;
        while (it < maxCg && rz > cgTol * cgTol * rz0 && rz > 0) {
            hessVec(policy, mu, p, hp);
            for (int i = 0; i < len; i++) {
                if (free[i]) {
                    hp[i] += lambda * diag[i] * p[i];
                }
            }
            double php = dot(p, hp);
            if (!(php > 0)) {
                break;
            }
            double al = rz / php;
            for (int i = 0; i < len; i++) {
                if (free[i]) {
                    u[i] += al * p[i];
                    res[i] -= al * hp[i];
                    z[i] = res[i] / ((1 + lambda) * diag[i]);
                }
            }
            double rzn = dot(res, z);
            double be = rzn / rz;
            rz = rzn;
            for (int i = 0; i < len; i++) {
                if (free[i]) {
                    p[i] = z[i] + be * p[i];
                }
            }
            it++;
        }
        lastCg = it;
        if (it == 0) {
            for (int i = 0; i < len; i++) {
                if (free[i]) {
                    u[i] = g[i] / diag[i];
                }
            }
        }
        // step: L + α dL, dL = dμ π + shifts; α halved until Φ increases
        tangent(policy, mu, u);
        double phi0 = potential(policy, muCur);
        double alpha = 1;
        for (int ls = 0; ls < 30; ls++) {
            for (int t = 0; t < nT; t++) {
                for (int x = 0; x < nS; x++) {
                    int tx = t * nS + x;
                    int o = tx * nA;
                    double m = mu[tx] + alpha * dmu[tx];
                    int b = best[tx];
                    if (t == nT - 1) {
                        // greedy in the last step when the game has action-dependent rewards
                        if (mu[tx] > 0) {
                            int bb = -1;
                            double bq = Double.NEGATIVE_INFINITY;
                            for (int a = 0; a < nA; a++) {
                                if (legal[x * nA + a] && (bb < 0 || q[o + a] > bq + 1e-14 * Math.abs(bq))) {
                                    bq = q[o + a];
                                    bb = a;
                                }
                            }
                            boolean allEqual = true;
                            for (int a = 0; a < nA; a++) {
                                if (legal[x * nA + a] && q[o + a] != bq) {
                                    allEqual = false;
                                }
                            }
                            for (int a = 0; a < nA; a++) {
                                cand[o + a] = allEqual ? policy[o + a] : (a == bb ? 1.0 : 0.0);
                            }
                        } else {
                            System.arraycopy(policy, o, cand, o, nA);
                        }
                        continue;
                    }
                    if (!(m > 0) || b < 0) {
                        System.arraycopy(policy, o, cand, o, nA);
                        continue;
                    }
                    double zsum = 0;
                    double sh = 0;
                    for (int a = 0; a < nA; a++) {
                        double l = m * policy[o + a];
                        if (free[o + a]) {
                            l += alpha * u[o + a];
                            sh += alpha * u[o + a];
                        }
                        cand[o + a] = l;
                    }
                    cand[o + b] -= sh;
                    for (int a = 0; a < nA; a++) {
                        double l = Math.max(0.0, cand[o + a]);
                        cand[o + a] = l;
                        zsum += l;
                    }
                    if (!(zsum > 0)) {
                        System.arraycopy(policy, o, cand, o, nA);
                        continue;
                    }
                    for (int a = 0; a < nA; a++) {
                        cand[o + a] /= zsum;
                    }
                }
            }
            double phi = potential(cand, muC);
            if (phi >= phi0 - 1e-13 * Math.abs(phi0)) {
                break;
            }
            alpha *= 0.5;
        }
        lastAlpha = alpha;
        lambda = alpha == 1 ? Math.max(LAMBDA_MIN, lambda / 4) : Math.min(1e6, lambda * 4);
        System.arraycopy(cand, 0, policy, 0, len);
    }
}
