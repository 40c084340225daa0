package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * Flow shifting with per-state Newton steps for crowd potential games (docs/DISCRETE_GAMES.md §3, "flow-shift").
 *
 * <p>The equilibrium of a {@link CrowdPotentialGame} maximises the concave potential Φ = Σ b·L + Σ_{t,x} G(μ_t(x))
 * over the achievable state–action flows; at the optimum every used action is a best action of Q^π (a Wardrop
 * condition on the time-expanded network). One {@link #sweep} is a Gauss–Seidel pass over t = 0..T−1: with the
 * values V^π_{t+1} of the current policy (exact: backward induction from T−1 under the current mean field), every
 * state x at step t shifts mass from its worst used action w to its best action b. The amount δ solves the local
 * one-dimensional problem exactly: the gap Q_b − Q_w minus the change of the crowd reward at t+1 that the shift
 * causes, Σ_y d_y (g(μ_{t+1}(y) + δ d_y) − g(μ_{t+1}(y))) with d = P(·|x, b) − P(·|x, w), is driven to 0 (or δ
 * is the whole flow on w), and the crowd rewards at t+1 are updated before the next state (so states pushing into
 * the same cell see each other). The shifts ignore what they do beyond t+1; an exact-in-t+1, quadratic-beyond line
 * search along the combined direction of step t (later conditional policies fixed, so μ_{s>t} moves linearly)
 * chooses γ ∈ (0, 1], which guarantees that Φ does not decrease (up to the quadratic model beyond t+1). Cost of a
 * sweep: O(T²·S·(A + K)) (values recomputed after every step). The 1-D solves for δ and γ are in {@link ShiftSolves}
 * (series form for the log games, issue 14 sixth round). Not thread-safe; buffers allocated at construction.
 */
final class FlowShift {
    private final CrowdPotentialGame game;
    private final int nS, nA, nT, nK, nSA;
    private final int[] move;
    private final boolean[] legal;
    private final double[] mu0;
    private final double[] base;     // b_t(x, a)
    private final double[] mu;       // μ of the current policy
    private final double[] crowd;    // g(μ_t(x))
    private final double[] kap;      // −g'(μ_t(x)) (reachable cells)
    private final double[] val;      // V^π_t(x) (valid for t > current step after refreshValues)
    private final double[] w;        // W(p) scratch
    private final double[] vn, cn, mun; // V_{t+1}, V_{t+1} − g, μ_{t+1} during the shifts of step t
    private final double[] gn;          // g(μ_{t+1}) during the shifts of step t (cached for the 1-D solves)
    private final double[] lt, lold, dmu, pre, dif;
    private final int[] ys;
    private final double[] ds;
    private final ShiftSolves solves;
    private final double[] qx;
    // noise kernel without zero entries (CSR over pre-noise cells)
    private final int[] nzOff, nzNext;
    private final double[] nzProb;
    private final SparseCrowdKernel kernel;
    // structurally reachable cells per step: cells[cellOff[t] .. cellOff[t+1])
    private final int[] cellOff, cells;
    // policy support (issue 14, fourth round): cells[ci] uses supN[ci] actions supA[ci·A + k] (ascending),
    // probabilities supP, move targets supT; rebuilt in start() and for step t after its rows are rewritten
    private final int[] supN, supA, supT;
    private final double[] supP;
    /** Whether {@link #val} is stale for some step (the mean field changed since the last refresh). */
    private boolean dirty;
    /** Whether a state of the step being swept shifted flow. */
    private boolean shifted;
    /** Whether every base reward is 0 (four-rooms): value, shift and line-search loops skip them (same numbers). */
    private final boolean zeroBase;

    FlowShift(CrowdPotentialGame game, Evaluator ev) {
        this.game = game;
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        nSA = nS * nA;
        move = game.moves();
        nK = game.noiseFanout();
        legal = ev.legal;
        mu0 = ev.mu0;
        SparseCrowdKernel kern = new SparseCrowdKernel(game, ev);
        kernel = kern;
        nzOff = kern.nzOff;
        nzNext = kern.nzNext;
        nzProb = kern.nzProb;
        cellOff = kern.cellOff;
        cells = kern.cells;
        base = kern.baseReward;
        mu = new double[nT * nS];
        crowd = new double[nT * nS];
        kap = new double[nT * nS];
        val = new double[nT * nS];
        w = new double[nS];
        vn = new double[nS];
        cn = new double[nS];
        mun = new double[nS];
        gn = new double[nS];
        lt = new double[nSA];
        lold = new double[nSA];
        dmu = new double[nT * nS];
        pre = new double[nS];
        dif = new double[nS];
        solves = new ShiftSolves(game, 2 * nK, mun, gn);
        ys = solves.ys;
        ds = solves.ds;
        qx = new double[nA];
        Arrays.fill(crowd, game.crowdReward(0.0));
        supN = new int[cells.length];
        supA = new int[cells.length * nA];
        supT = new int[cells.length * nA];
        supP = new double[cells.length * nA];
        boolean z = true;
        for (double b : base) {
            z &= b == 0.0;
        }
        zeroBase = z;
    }

    /** Policy support of the reachable cells of step t (see {@link #supN}). */
    private void buildSupport(int t, double[] policy) {
        int mo = t * nS;
        for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
            int x = cells[ci];
            int o = (mo + x) * nA;
            int sb = ci * nA;
            int n = 0;
            for (int a = 0; a < nA; a++) {
                double p = policy[o + a];
                if (p != 0.0) {
                    supA[sb + n] = a;
                    supT[sb + n] = move[x * nA + a];
                    supP[sb + n] = p;
                    n++;
                }
            }
            supN[ci] = n;
        }
    }

    /** μ ← mean field of π (μ_0 from the evaluator), crowd terms refreshed. */
    void start(double[] policy, double[] mu0) {
        System.arraycopy(mu0, 0, mu, 0, nS);
        for (int t = 0; t < nT; t++) {
            buildSupport(t, policy);
        }
        for (int t = 0; t + 1 < nT; t++) {
            push(t, mu, mu, (t + 1) * nS);
        }
        for (int t = 0; t < nT; t++) {
            for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                int i = t * nS + cells[ci];
                crowd[i] = game.crowdReward(mu[i]);
                kap[i] = game.crowdCurvature(mu[i]);
            }
        }
        dirty = true;
    }

    /** out[oo..oo+S) ← one step of the flow m_t(x) π_t(a|x) from step t (moves, then noise); oo = (t+1)·S. */
    private void push(int t, double[] m, double[] out, int oo) {
        int mo = t * nS;
        for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
            int x = cells[ci];
            double mx = m[mo + x];
            if (mx == 0.0) {
                continue;
            }
            int sb = ci * nA;
            for (int k = 0; k < supN[ci]; k++) {
                pre[supT[sb + k]] += mx * supP[sb + k];
            }
        }
        kernel.noiseStep(t, pre, out);
    }

    /** V^π_s for s = T−1 down to s0 under the current μ (crowd terms) and π. */
    private void refreshValues(int s0, double[] policy) {
        for (int s = nT - 1; s >= s0; s--) {
            boolean last = s == nT - 1;
            if (!last) {
                fillW(s, val, (s + 1) * nS);
            }
            for (int ci = cellOff[s]; ci < cellOff[s + 1]; ci++) {
                int x = cells[ci];
                int o = (s * nS + x) * nA;
                int sb = ci * nA;
                double v = 0;
                if (!zeroBase) {
                    for (int k = 0; k < supN[ci]; k++) {
                        v += supP[sb + k] * (base[o + supA[sb + k]] + (last ? 0.0 : w[supT[sb + k]]));
                    }
                } else if (!last) {
                    for (int k = 0; k < supN[ci]; k++) {
                        v += supP[sb + k] * w[supT[sb + k]];
                    }
                }
                val[s * nS + x] = v + crowd[s * nS + x];
            }
        }
    }

    /** w(p) ← Σ_k N(k|p) v[vo + n_k(p)] for the move targets p of step t. */
    private void fillW(int t, double[] v, int vo) {
        for (int jt = kernel.tgtOff[t]; jt < kernel.tgtOff[t + 1]; jt++) {
            int p = kernel.stepTgt[jt];
            double s = 0;
            for (int j = nzOff[p]; j < nzOff[p + 1]; j++) {
                s += nzProb[j] * v[vo + nzNext[j]];
            }
            w[p] = s;
        }
    }

    /** Continuation Σ_k N(k|p) vn(n_k(p)) of move target p during the shifts. */
    private double cont(int p) {
        double s = 0;
        for (int j = nzOff[p]; j < nzOff[p + 1]; j++) {
            s += nzProb[j] * vn[nzNext[j]];
        }
        return s;
    }

    /**
     * One Gauss–Seidel sweep over t from the exact mean field of {@code policy}; modifies {@code policy} (rows with
     * μ_t(x) = 0 are left as they are). A step t where no state shifts changes nothing (no refresh needed).
     */
    void sweep(double[] policy) {
        start(policy, mu0);
        for (int t = 0; t < nT; t++) {
            boolean last = t == nT - 1;
            int mo = t * nS;
            int no = mo + nS;
            int c0 = cellOff[t];
            int c1 = cellOff[t + 1];
            if (!last) {
                if (dirty) {
                    refreshValues(t + 1, policy);
                    dirty = false;
                }
                for (int ci = cellOff[t + 1]; ci < cellOff[t + 2]; ci++) {
                    int y = cells[ci];
                    vn[y] = val[no + y];
                    cn[y] = vn[y] - crowd[no + y];
                    mun[y] = mu[no + y];
                    gn[y] = crowd[no + y];
                }
            }
            for (int ci = c0; ci < c1; ci++) {
                int x = cells[ci];
                double mx = mu[mo + x];
                int o = (mo + x) * nA;
                for (int a = 0; a < nA; a++) {
                    double l = mx * policy[o + a];
                    lt[x * nA + a] = l;
                    lold[x * nA + a] = l;
                }
            }
            shifted = false;
            for (int ci = c0; ci < c1; ci++) {
                int x = cells[ci];
                if (mu[mo + x] > 0) {
                    shiftState(t, x, last);
                }
            }
            if (!shifted) {
                continue;
            }
            double gamma = last ? 1.0 : lineSearch(t, policy);
            for (int ci = c0; ci < c1; ci++) {
                int x = cells[ci];
                double mx = mu[mo + x];
                if (!(mx > 0)) {
                    continue;
                }
                int o = (mo + x) * nA;
                double z = 0;
                for (int a = 0; a < nA; a++) {
                    int i = x * nA + a;
                    double l = Math.max(0.0, lold[i] + gamma * (lt[i] - lold[i]));
                    policy[o + a] = l;
                    z += l;
                }
                for (int a = 0; a < nA; a++) {
                    policy[o + a] /= z;
                }
            }
            buildSupport(t, policy);
            if (!last) {
                // μ_{s>t} of the updated policy: μ moves linearly in L_t (later conditional policies fixed), so
                // μ_s + γ dμ_s is exact up to round-off (clamped at 0; start() recomputes μ); crowd where it changed
                for (int s = t + 1; s < nT; s++) {
                    int so = s * nS;
                    for (int ci = cellOff[s]; ci < cellOff[s + 1]; ci++) {
                        int i = so + cells[ci];
                        double d = dmu[i];
                        if (d != 0.0) {
                            // log games: series of log1p and 1/(1 + r) for small relative changes (ShiftSolves)
                            double r = solves.logC > 0 ? gamma * d * kap[i] * solves.invC : 1.0;
                            mu[i] = Math.max(0.0, mu[i] + gamma * d);
                            if (Math.abs(r) <= ShiftSolves.SERIES_R) {
                                crowd[i] -= solves.logC * ShiftSolves.log1p(r);
                                kap[i] *= ShiftSolves.inv1p(r);
                            } else {
                                crowd[i] = game.crowdReward(mu[i]);
                                kap[i] = game.crowdCurvature(mu[i]);
                            }
                        }
                    }
                }
                dirty = true;
            }
        }
    }

    /** Newton shifts at (t, x) from the worst used to the best action, at most A − 1 of them. */
    private void shiftState(int t, int x, boolean last) {
        int xo = x * nA;
        int mo = t * nS;
        for (int pass = 0; pass < nA; pass++) {
            int b = -1;
            double best = Double.NEGATIVE_INFINITY;
            for (int a = 0; a < nA; a++) {
                if (!legal[xo + a]) {
                    continue;
                }
                double q = base[(mo + x) * nA + a] + (last ? 0.0 : cont(move[xo + a]));
                qx[a] = q;
                if (q > best) {
                    best = q;
                    b = a;
                }
            }
            int wst = -1;
            double worst = Double.POSITIVE_INFINITY;
            for (int a = 0; a < nA; a++) {
                if (a != b && legal[xo + a] && lt[xo + a] > 0 && qx[a] < worst) {
                    worst = qx[a];
                    wst = a;
                }
            }
            if (wst < 0) {
                return;
            }
            double gap = best - worst;
            if (!(gap > 1e-15 * (1 + Math.abs(best)))) {
                return;
            }
            double avail = lt[xo + wst];
            int pb = move[xo + b];
            int pw = move[xo + wst];
            double delta;
            int nz = 0;
            if (last || pb == pw) {
                delta = avail;
            } else {
                for (int j = nzOff[pb]; j < nzOff[pb + 1]; j++) {
                    dif[nzNext[j]] += nzProb[j];
                }
                for (int j = nzOff[pw]; j < nzOff[pw + 1]; j++) {
                    dif[nzNext[j]] -= nzProb[j];
                }
                int nb = nzOff[pb + 1] - nzOff[pb];
                int nw = nzOff[pw + 1] - nzOff[pw];
                for (int k = 0; k < nb + nw; k++) {
                    int y = k < nb ? nzNext[nzOff[pb] + k] : nzNext[nzOff[pw] + k - nb];
                    if (dif[y] != 0.0) {
                        ys[nz] = y;
                        ds[nz] = dif[y];
                        nz++;
                        dif[y] = 0.0;
                    }
                }
                delta = solves.shift(gap, avail, nz);
            }
            lt[xo + wst] -= delta;
            lt[xo + b] += delta;
            shifted |= delta > 0;
            dirty |= delta > 0;
            solves.apply(delta, nz, cn, vn);
            if (delta < avail) {
                return; // interior optimum: b and w are now (locally) tied
            }
        }
    }

    /**
     * γ ∈ (0, 1] along the shifts of step t (L_t → lold + γ (lt − lold), later conditional policies fixed): maximises
     * Φ with the crowd terms exact at t+1 and a quadratic model beyond (cached g and curvature at the current μ).
     */
    private double lineSearch(int t, double[] policy) {
        int mo = t * nS;
        double lin = 0;
        for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
            int x = cells[ci];
            for (int a = 0; a < nA; a++) {
                int i = x * nA + a;
                double d = lt[i] - lold[i];
                if (d != 0.0) {
                    lin += base[mo * nA + i] * d;
                    pre[move[i]] += d;
                }
            }
        }
        int n1 = (t + 1) * nS;
        kernel.noiseStep(t, pre, dmu);
        double a1 = 0;
        double a2 = 0;
        for (int s = t + 1; s < nT; s++) {
            int so = s * nS;
            boolean push = s + 1 < nT;
            boolean any = false;
            for (int ci = cellOff[s]; ci < cellOff[s + 1]; ci++) {
                int x = cells[ci];
                double dm = dmu[so + x];
                if (dm == 0.0) {
                    continue;
                }
                any = true;
                int o = (so + x) * nA;
                int sb = ci * nA;
                if (!zeroBase) {
                    for (int k = 0; k < supN[ci]; k++) {
                        lin += base[o + supA[sb + k]] * dm * supP[sb + k];
                    }
                }
                if (push) {
                    for (int k = 0; k < supN[ci]; k++) {
                        pre[supT[sb + k]] += dm * supP[sb + k];
                    }
                }
                if (s > t + 1) {
                    a1 += crowd[so + x] * dm;
                    a2 += kap[so + x] * dm * dm;
                }
            }
            if (push) {
                if (any) {
                    kernel.noiseStep(s, pre, dmu);
                } else {
                    Arrays.fill(dmu, so + nS, so + 2 * nS, 0.0);
                }
            }
        }
        // φ'(γ) = lin + a1 − γ a2 + Σ_y g(μ_{t+1} + γ dμ_{t+1}) dμ_{t+1}, decreasing
        return solves.gamma(lin + a1, a2, cells, cellOff[t + 1], cellOff[t + 2], n1, dmu, mu, crowd, kap);
    }
}
