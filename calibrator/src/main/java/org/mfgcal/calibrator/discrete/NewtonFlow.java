package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * Projected Newton–CG on the potential of a crowd potential game (docs/DISCRETE_GAMES.md §3, "newton").
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
 * <p>Implementation notes (issue 14, the sparse version). The sweeps only visit what can be non-zero: the cells
 * structurally reachable at step t from μ_0 (walls and the cells beyond the front never are), the support of the
 * policy there (move target and probability per used action, rebuilt once per Newton step since the policy is fixed
 * during CG), the noise kernel without its zero-probability entries, and the free variables in a compact list
 * (global index, move targets of a and of b) grouped by step. CG runs on the compact vectors with fused updates and
 * dot products (reachable cells and sparse noise kernel: {@link SparseCrowdKernel}). The arithmetic is that of the
 * dense formulation (test {@code NewtonFlowTest} compares one step with the dense reference implementation); only
 * the order of some sums differs.
 *
 * <p>Not thread-safe; all buffers allocated at construction.
 */
final class NewtonFlow {
    private final CrowdPotentialGame game;
    private final int nS, nA, nT, nSA, len;
    private final int[] move;
    private final boolean[] legal;
    private final double[] mu0;
    // noise kernel without zero entries (CSR over pre-noise cells)
    private final int[] nzOff, nzNext;
    private final double[] nzProb;
    private final SparseCrowdKernel kernel;
    // reachable cells per step: cells[cellOff[t] .. cellOff[t+1])
    private final int[] cellOff, cells;
    // move targets that can carry pre-noise mass
    private final int[] targets;
    // move targets per step (stepTgt[tgtOff[t] .. tgtOff[t+1]))
    private final int[] tgtOff, stepTgt;
    // policy support per reachable cell (rebuilt each step): entries supOff[ci] .. supOff[ci+1]
    private final int[] supOff, supTgt;
    private final double[] supProb;
    // free variables (compact), grouped by step: freeOff[t] .. freeOff[t+1]
    private final int[] freeOff, fIdx, fPa, fPb;
    private final double[] g, u, res, z, p, hp, diag, minv;
    private final int[] best;          // b_t(x), −1: no variables at (t, x)
    private final double[] uFull;      // u scattered to the policy layout (zero elsewhere)
    private final double[] kappa, dmu, big, pre, wv;
    private final double[] cand, muC;
    private final double[] baseR;
    private final double[] scratch;
    private int nFree;
    /** CG iterations of the last step. */
    int lastCg;
    /** Levenberg–Marquardt weight λ of the diagonal added to the Hessian (adapted: ÷4 after a full step, ×4 otherwise). */
    double lambda = 1;
    private static final double LAMBDA_MIN = 1e-6;
    double lastAlpha;

    NewtonFlow(CrowdPotentialGame game, Evaluator ev) {
        this.game = game;
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        nSA = nS * nA;
        len = nT * nSA;
        move = game.moves();
        legal = ev.legal;
        mu0 = ev.mu0;
        SparseCrowdKernel kern = new SparseCrowdKernel(game, ev);
        kernel = kern;
        nzOff = kern.nzOff;
        nzNext = kern.nzNext;
        nzProb = kern.nzProb;
        cellOff = kern.cellOff;
        cells = kern.cells;
        targets = kern.targets;
        tgtOff = kern.tgtOff;
        stepTgt = kern.stepTgt;
        int count = cells.length;
        supOff = new int[count + 1];
        supTgt = new int[count * nA];
        supProb = new double[count * nA];
        freeOff = new int[nT + 1];
        fIdx = new int[len];
        fPa = new int[len];
        fPb = new int[len];
        g = new double[len];
        u = new double[len];
        res = new double[len];
        z = new double[len];
        p = new double[len];
        hp = new double[len];
        diag = new double[len];
        minv = new double[len];
        best = new int[nT * nS];
        uFull = new double[len];
        kappa = new double[nT * nS];
        dmu = new double[nT * nS];
        big = new double[nT * nS];
        pre = new double[nS];
        wv = new double[nS];
        cand = new double[len];
        muC = new double[nT * nS];
        scratch = new double[nS];
        baseR = kern.baseReward;
    }

    /** dμ ← J v (forward tangent of the compact shifts v under the policy support). */
    private void tangent(double[] v) {
        // dμ_0 = 0; cells not reachable at t+1 are never written and stay 0 (cleared once in step)
        for (int t = 0; t + 1 < nT; t++) {
            int mo = t * nS;
            for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                double dm = dmu[mo + cells[ci]];
                if (dm == 0.0) {
                    continue;
                }
                for (int j = supOff[ci]; j < supOff[ci + 1]; j++) {
                    pre[supTgt[j]] += dm * supProb[j];
                }
            }
            for (int j = freeOff[t]; j < freeOff[t + 1]; j++) {
                double s = v[j];
                pre[fPa[j]] += s;
                pre[fPb[j]] -= s;
            }
            kernel.noiseStep(t, pre, dmu);
        }
    }

    /** out ← Jᵀ diag(κ) J v on the free variables (compact). */
    private void hessVec(double[] v, double[] out) {
        tangent(v);
        // backward adjoint: Z_s(y) = κ_s dμ_s + Σ_a π Ψ_s(y, a), Ψ_s(x, a) = Σ N Z_{s+1}(m(x, a))
        int lo = (nT - 1) * nS;
        for (int ci = cellOff[nT - 1]; ci < cellOff[nT]; ci++) {
            int i = lo + cells[ci];
            big[i] = kappa[i] * dmu[i];
        }
        for (int s = nT - 2; s >= 0; s--) {
            int so = s * nS;
            int no = so + nS;
            for (int jt = tgtOff[s]; jt < tgtOff[s + 1]; jt++) {
                int q = stepTgt[jt];
                double acc = 0;
                for (int j = nzOff[q]; j < nzOff[q + 1]; j++) {
                    acc += nzProb[j] * big[no + nzNext[j]];
                }
                wv[q] = acc;
            }
            if (s > 0) {
                for (int ci = cellOff[s]; ci < cellOff[s + 1]; ci++) {
                    int i = so + cells[ci];
                    double zz = kappa[i] * dmu[i];
                    for (int j = supOff[ci]; j < supOff[ci + 1]; j++) {
                        zz += supProb[j] * wv[supTgt[j]];
                    }
                    big[i] = zz;
                }
            }
            for (int j = freeOff[s]; j < freeOff[s + 1]; j++) {
                out[j] = wv[fPa[j]] - wv[fPb[j]];
            }
        }
    }

    /** Φ of the policy's mean field (μ written to {@code m}, reachable cells only; the others are 0). */
    private double potential(double[] policy, double[] m) {
        System.arraycopy(mu0, 0, m, 0, nS);
        double phi = 0;
        for (int t = 0; t < nT; t++) {
            int mo = t * nS;
            for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                int x = cells[ci];
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
                kernel.noiseStep(t, pre, m);
            } else {
                for (int q : targets) {
                    pre[q] = 0.0;
                }
            }
        }
        return phi;
    }

    /** Resets the adaptive λ (start of a solve). */
    void reset() {
        lambda = 1;
    }

    /** Number of free variables of the last step. */
    int freeVariables() {
        return nFree;
    }

    /**
     * One Newton step from the policy whose exploitability was just evaluated by {@code ev} (its μ, L and Q^π are in
     * the evaluator). Modifies {@code policy}.
     */
    void step(Evaluator ev, double[] policy, int maxCg, double cgTol) {
        double[] mu = ev.mu;
        double[] sa = ev.sa;
        double[] q = ev.q;
        int nf = 0;
        int ns = 0;
        for (int t = 0; t < nT; t++) {
            freeOff[t] = nf;
            int mo = t * nS;
            for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                int x = cells[ci];
                int tx = mo + x;
                kappa[tx] = game.crowdCurvature(mu[tx]);
                dmu[tx] = 0.0;
                supOff[ci] = ns;
                best[tx] = -1;
                int o = tx * nA;
                if (t + 1 < nT) {
                    for (int a = 0; a < nA; a++) {
                        double pa = policy[o + a];
                        if (pa != 0.0) {
                            supTgt[ns] = move[x * nA + a];
                            supProb[ns] = pa;
                            ns++;
                        }
                    }
                }
            }
            supOff[cellOff[t + 1]] = ns;
        }
        freeOff[nT] = 0;
        // variables (t < T−1); the kappa of step t+1 is needed, so a second pass
        for (int t = 0; t + 1 < nT; t++) {
            freeOff[t] = nf;
            int mo = t * nS;
            for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                int x = cells[ci];
                int tx = mo + x;
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
                    double h = curvature(pa, pb, (t + 1) * nS);
                    if (!(h > 0) || !Double.isFinite(h)) {
                        continue;
                    }
                    fIdx[nf] = o + a;
                    fPa[nf] = pa;
                    fPb[nf] = pb;
                    g[nf] = q[o + a] - bq;
                    diag[nf] = h;
                    nf++;
                }
            }
        }
        freeOff[nT - 1] = nf;
        freeOff[nT] = nf;
        nFree = nf;
        // preconditioned CG on (H + λ D) u = g, compact vectors, fused loops
        double sc = 1.0 / (1 + lambda);
        double rz = 0;
        for (int j = 0; j < nf; j++) {
            double mi = sc / diag[j];
            minv[j] = mi;
            double r0 = g[j];
            res[j] = r0;
            double zj = r0 * mi;
            p[j] = zj;
            u[j] = 0.0;
            rz += r0 * zj;
        }
        double rz0 = rz;
        int it = 0;
        while (it < maxCg && rz > cgTol * cgTol * rz0 && rz > 0) {
            hessVec(p, hp);
            double php = 0;
            for (int j = 0; j < nf; j++) {
                double h = hp[j] + lambda * diag[j] * p[j];
                hp[j] = h;
                php += p[j] * h;
            }
            if (!(php > 0)) {
                break;
            }
            double al = rz / php;
            double rzn = 0;
            for (int j = 0; j < nf; j++) {
                u[j] += al * p[j];
                double rj = res[j] - al * hp[j];
                res[j] = rj;
                double zj = rj * minv[j];
                z[j] = zj;
                rzn += rj * zj;
            }
            double be = rzn / rz;
            rz = rzn;
            for (int j = 0; j < nf; j++) {
                p[j] = z[j] + be * p[j];
            }
            it++;
        }
        lastCg = it;
        if (it == 0) {
            for (int j = 0; j < nf; j++) {
                u[j] = g[j] / diag[j];
            }
        }
        for (int j = 0; j < nf; j++) {
            uFull[fIdx[j]] = u[j];
        }
        // step: L + α dL, dL = dμ π + shifts; α halved until Φ increases
        tangent(u);
        double phi0 = potential(policy, muC);
        double alpha = 1;
        for (int ls = 0; ls < 30; ls++) {
            candidate(alpha, mu, q, policy);
            double phi = potential(cand, muC);
            if (phi >= phi0 - 1e-13 * Math.abs(phi0)) {
                break;
            }
            alpha *= 0.5;
        }
        for (int j = 0; j < nf; j++) {
            uFull[fIdx[j]] = 0.0;
        }
        lastAlpha = alpha;
        lambda = alpha == 1 ? Math.max(LAMBDA_MIN, lambda / 4) : Math.min(1e6, lambda * 4);
        System.arraycopy(cand, 0, policy, 0, len);
    }

    /** Σ_y d_y² κ_{t+1}(y), d = N(·|pa) − N(·|pb). */
    private double curvature(int pa, int pb, int ko) {
        double[] d = scratch;
        for (int j = nzOff[pa]; j < nzOff[pa + 1]; j++) {
            d[nzNext[j]] += nzProb[j];
        }
        for (int j = nzOff[pb]; j < nzOff[pb + 1]; j++) {
            d[nzNext[j]] -= nzProb[j];
        }
        double h = 0;
        for (int j = nzOff[pa]; j < nzOff[pa + 1]; j++) {
            int y = nzNext[j];
            h += d[y] * d[y] * kappa[ko + y];
            d[y] = 0.0;
        }
        for (int j = nzOff[pb]; j < nzOff[pb + 1]; j++) {
            int y = nzNext[j];
            h += d[y] * d[y] * kappa[ko + y];
            d[y] = 0.0;
        }
        return h;
    }

    /** cand ← projected policy of L + α dL (the last step greedy). */
    private void candidate(double alpha, double[] mu, double[] q, double[] policy) {
        for (int t = 0; t < nT; t++) {
            for (int x = 0; x < nS; x++) {
                int tx = t * nS + x;
                int o = tx * nA;
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
                double m = mu[tx] + alpha * dmu[tx];
                int b = mu[tx] > 0 ? best[tx] : -1;
                if (!(m > 0) || b < 0) {
                    System.arraycopy(policy, o, cand, o, nA);
                    continue;
                }
                double zsum = 0;
                double sh = 0;
                for (int a = 0; a < nA; a++) {
                    double uu = alpha * uFull[o + a];
                    cand[o + a] = m * policy[o + a] + uu;
                    sh += uu;
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
    }
}
