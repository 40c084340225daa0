package org.mfgcal.calibrator.discrete;

/**
 * The workspace and kernels shared by every discrete-time solver: the mean field induced by a policy (forward
 * sweep), the Q-function of a policy (policy evaluation), the best response and the entropy-regularised ("soft") best
 * response (backward induction), and the exploitability (docs/DISCRETE_GAMES.md §1–2).
 *
 * <p>Implementation notes. All buffers are sized at construction; no method allocates. Index conventions are those
 * of {@link DiscreteGame}. After {@link #induce}, {@link #mu()}, {@link #stateAction()} and the transition table
 * describe the policy's mean field; after {@link #computeRewards()} the rewards are those of that mean field; the
 * backward kernels then read them. Stationary games fill the transition table once. Illegal actions carry
 * probability 0 in every policy, are skipped by the max and the softmax, and have Q = reward + continuation like any
 * other action (never read by a legal policy).
 *
 * <p>Not thread-safe: one evaluator per solver or thread.
 */
public final class Evaluator {
    final DiscreteGame game;
    final int nS, nA, nT, nK, nSA, nSAK;
    final int[] next;
    final boolean[] legal;
    final double[] mu0;
    final boolean stationary;
    final double[] prob;
    final double[] mu, sa, r;
    final double[] q, v;          // Q^π, V^π of the last evaluated policy
    final double[] qStar, vStar;  // best response Q*, V*
    // FactoredGame fast path (null otherwise): move target m(x,a), noise kernel, per-step buffers
    final int[] move;
    final int[] noiseNext;
    final double[] noiseProb;
    final int nKn;
    final double[] w2;            // the same for V* in the fused exploitability sweep
    final double[] w;             // W(p) = Σ_k N(k|p) V_{t+1}(n_k(p)) of the step being swept
    final double[] pre;           // pre-noise mass Σ_{m(x,a)=p} L_t(x,a)

    public Evaluator(DiscreteGame game) {
        this.game = game;
        nS = game.states();
        nA = game.actions();
        nT = game.steps();
        nK = game.fanout();
        if (nS < 1 || nA < 1 || nT < 1 || nK < 1) {
            throw new IllegalArgumentException(game.name() + ": sizes S=" + nS + " A=" + nA + " T=" + nT + " K=" + nK
                    + " must all be ≥ 1");
        }
        nSA = nS * nA;
        nSAK = nSA * nK;
        next = game.successors();
        legal = game.legal();
        mu0 = game.initialDistribution();
        if (next.length != nSAK || legal.length != nSA || mu0.length != nS) {
            throw new IllegalArgumentException(game.name() + ": table sizes do not match S, A, K");
        }
        double mass = 0;
        for (int x = 0; x < nS; x++) {
            if (!(mu0[x] >= 0)) {
                throw new IllegalArgumentException(game.name() + ": mu0[" + x + "] = " + mu0[x] + " must be ≥ 0");
            }
            mass += mu0[x];
            boolean any = false;
            for (int a = 0; a < nA; a++) {
                any |= legal[x * nA + a];
            }
            if (!any) {
                throw new IllegalArgumentException(game.name() + ": state " + x + " has no legal action");
            }
        }
        if (Math.abs(mass - 1) > 1e-9) {
            throw new IllegalArgumentException(game.name() + ": mu0 sums to " + mass + ", expected 1");
        }
        for (int i = 0; i < nSAK; i++) {
            if (next[i] < 0 || next[i] >= nS) {
                throw new IllegalArgumentException(game.name() + ": successor " + next[i] + " out of range");
            }
        }
        stationary = game.stationaryTransitions();
        prob = new double[stationary ? nSAK : nT * nSAK];
        mu = new double[nT * nS];
        sa = new double[nT * nSA];
        r = new double[nT * nSA];
        q = new double[nT * nSA];
        v = new double[nT * nS];
        qStar = new double[nT * nSA];
        vStar = new double[nT * nS];
        if (stationary) {
            System.arraycopy(mu0, 0, mu, 0, nS);
            game.transitions(0, mu, prob, 0);
        }
        if (stationary && game instanceof FactoredGame fg) {
            move = fg.moves();
            nKn = fg.noiseFanout();
            noiseNext = fg.noiseSuccessors();
            noiseProb = fg.noiseProbabilities();
            checkFactored();
            w = new double[nS];
            w2 = new double[nS];
            pre = new double[nS];
        } else {
            move = null;
            nKn = 0;
            noiseNext = null;
            noiseProb = null;
            w = null;
            w2 = null;
            pre = null;
        }
    }

    /** The factored tables must reproduce the generic transition table (same probability per successor). */
    private void checkFactored() {
        if (move.length != nSA || nKn < 1 || noiseNext.length != nS * nKn || noiseProb.length != nS * nKn) {
            throw new IllegalArgumentException(game.name() + ": factored transition tables have wrong sizes");
        }
        double[] acc = new double[nS];
        for (int i = 0; i < nSA; i++) {
            int p = move[i];
            if (p < 0 || p >= nS) {
                throw new IllegalArgumentException(game.name() + ": move target " + p + " out of range");
            }
            for (int k = 0; k < nK; k++) {
                acc[next[i * nK + k]] += prob[i * nK + k];
            }
            for (int k = 0; k < nKn; k++) {
                acc[noiseNext[p * nKn + k]] -= noiseProb[p * nKn + k];
            }
            for (int k = 0; k < nK; k++) {
                checkZero(acc, next[i * nK + k], i);
            }
            for (int k = 0; k < nKn; k++) {
                checkZero(acc, noiseNext[p * nKn + k], i);
            }
        }
    }

    private void checkZero(double[] acc, int x, int i) {
        if (Math.abs(acc[x]) > 1e-12) {
            throw new IllegalArgumentException(game.name() + ": factored transitions differ from the table at "
                    + "state-action " + i + ", successor " + x + " by " + acc[x]);
        }
        acc[x] = 0.0;
    }

    /** Factored games: w ← W(p) = Σ_k N(k|p) val_{t+1}(n_k(p)) for every cell p. */
    private void fillW(int t, double[] val) {
        int vo = (t + 1) * nS;
        for (int p = 0; p < nS; p++) {
            int o = p * nKn;
            double s = 0;
            for (int k = 0; k < nKn; k++) {
                s += noiseProb[o + k] * val[vo + noiseNext[o + k]];
            }
            w[p] = s;
        }
    }

    public DiscreteGame game() {
        return game;
    }

    /** Offset of step t's transition table in {@link #prob}. */
    int probOff(int t) {
        return stationary ? 0 : t * nSAK;
    }

    /** Uniform policy over legal actions (modified: {@code policy}, length T·S·A). */
    public void uniform(double[] policy) {
        for (int x = 0; x < nS; x++) {
            int n = 0;
            for (int a = 0; a < nA; a++) {
                n += legal[x * nA + a] ? 1 : 0;
            }
            for (int a = 0; a < nA; a++) {
                double p = legal[x * nA + a] ? 1.0 / n : 0.0;
                for (int t = 0; t < nT; t++) {
                    policy[(t * nS + x) * nA + a] = p;
                }
            }
        }
    }

    /** A new uniform policy. */
    public double[] uniformPolicy() {
        double[] p = new double[nT * nSA];
        uniform(p);
        return p;
    }

    /**
     * Forward sweep: μ_0 given, L_t(x,a) = μ_t(x) π_t(a|x), μ_{t+1}(x') = Σ_{x,a} L_t(x,a) P_t(x'|x,a,μ_t).
     *
     * @param policy π, not modified
     */
    public void induce(double[] policy) {
        System.arraycopy(mu0, 0, mu, 0, nS);
        for (int t = 0; t < nT; t++) {
            int mo = t * nS;
            if (!stationary) {
                game.transitions(t, mu, prob, t * nSAK);
            }
            for (int i = 0; i < nSA; i++) {
                sa[mo * nA + i] = mu[mo + i / nA] * policy[mo * nA + i];
            }
            if (t == nT - 1) {
                break;
            }
            int no = mo + nS;
            java.util.Arrays.fill(mu, no, no + nS, 0.0);
            if (move != null) {
                java.util.Arrays.fill(pre, 0.0);
                int so = mo * nA;
                for (int i = 0; i < nSA; i++) {
                    pre[move[i]] += sa[so + i];
                }
                for (int p = 0; p < nS; p++) {
                    double l = pre[p];
                    if (l == 0.0) {
                        continue;
                    }
                    int o = p * nKn;
                    for (int k = 0; k < nKn; k++) {
                        mu[no + noiseNext[o + k]] += l * noiseProb[o + k];
                    }
                }
                continue;
            }
            int po = probOff(t);
            for (int i = 0; i < nSA; i++) {
                double l = sa[mo * nA + i];
                if (l == 0.0) {
                    continue;
                }
                int base = i * nK;
                for (int k = 0; k < nK; k++) {
                    mu[no + next[base + k]] += l * prob[po + base + k];
                }
            }
        }
    }

    /** r ← rewards of the current (μ, L). */
    public void computeRewards() {
        game.rewards(mu, sa, r);
    }

    /** Continuation Σ_k P(k) V_{t+1}(next_k) of state–action i at step t &lt; T−1. */
    private double continuation(int t, int i, double[] val) {
        if (move != null) {
            return w[move[i]];
        }
        int base = i * nK;
        int po = probOff(t) + base;
        int vo = (t + 1) * nS;
        double s = 0;
        for (int k = 0; k < nK; k++) {
            s += prob[po + k] * val[vo + next[base + k]];
        }
        return s;
    }

    /** Policy evaluation: Q^π and V^π (fields q, v) under the current rewards and transitions. */
    public void evaluate(double[] policy) {
        for (int t = nT - 1; t >= 0; t--) {
            boolean last = t == nT - 1;
            if (move != null && !last) {
                fillW(t, v);
            }
            for (int x = 0; x < nS; x++) {
                double s = 0;
                for (int a = 0; a < nA; a++) {
                    int i = x * nA + a;
                    int j = t * nSA + i;
                    double qv = r[j] + (last ? 0.0 : continuation(t, i, v));
                    q[j] = qv;
                    s += policy[j] * qv;
                }
                v[t * nS + x] = s;
            }
        }
    }

    /** Factored games: {@link #evaluate} and {@link #bestResponse} in one backward sweep (same arithmetic). */
    private void evaluateAndBestResponse(double[] policy) {
        for (int t = nT - 1; t >= 0; t--) {
            boolean last = t == nT - 1;
            if (!last) {
                fillW(t, v);
                fillW2(t, vStar);
            }
            for (int x = 0; x < nS; x++) {
                double s = 0;
                double best = Double.NEGATIVE_INFINITY;
                int o = t * nSA + x * nA;
                for (int a = 0; a < nA; a++) {
                    int i = x * nA + a;
                    double qv = r[o + a];
                    double qs = qv;
                    if (!last) {
                        int p = move[i];
                        qv += w[p];
                        qs += w2[p];
                    }
                    q[o + a] = qv;
                    s += policy[o + a] * qv;
                    qStar[o + a] = qs;
                    if (legal[i] && qs > best) {
                        best = qs;
                    }
                }
                v[t * nS + x] = s;
                vStar[t * nS + x] = best;
            }
        }
    }

    private void fillW2(int t, double[] val) {
        int vo = (t + 1) * nS;
        for (int p = 0; p < nS; p++) {
            int o = p * nKn;
            double s = 0;
            for (int k = 0; k < nKn; k++) {
                s += noiseProb[o + k] * val[vo + noiseNext[o + k]];
            }
            w2[p] = s;
        }
    }

    /** Best response by backward induction: Q*, V* (fields qStar, vStar) under the current rewards and transitions. */
    public void bestResponse() {
        for (int t = nT - 1; t >= 0; t--) {
            boolean last = t == nT - 1;
            if (move != null && !last) {
                fillW(t, vStar);
            }
            for (int x = 0; x < nS; x++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < nA; a++) {
                    int i = x * nA + a;
                    int j = t * nSA + i;
                    double qv = r[j] + (last ? 0.0 : continuation(t, i, vStar));
                    qStar[j] = qv;
                    if (legal[i] && qv > best) {
                        best = qv;
                    }
                }
                vStar[t * nS + x] = best;
            }
        }
    }

    /** Deterministic greedy policy of Q* (first maximiser wins); modified: {@code policy}. */
    public void greedy(double[] policy) {
        for (int t = 0; t < nT; t++) {
            for (int x = 0; x < nS; x++) {
                int arg = -1;
                double best = Double.NEGATIVE_INFINITY;
                int o = (t * nS + x) * nA;
                for (int a = 0; a < nA; a++) {
                    if (legal[x * nA + a] && qStar[o + a] > best) {
                        best = qStar[o + a];
                        arg = a;
                    }
                }
                for (int a = 0; a < nA; a++) {
                    policy[o + a] = a == arg ? 1.0 : 0.0;
                }
            }
        }
    }

    /**
     * Entropy-regularised best response with temperature τ: V_t(x) = τ log Σ_a exp(Q_t(x,a)/τ),
     * Q_t = r_t + P V_{t+1}, π_t = softmax(Q_t/τ) over legal actions. Modified: {@code qOut}, {@code vOut},
     * {@code policy} (all may not alias the evaluator's own fields q, v).
     */
    public void softBestResponse(double tau, double[] qOut, double[] vOut, double[] policy) {
        softBestResponse(tau, null, qOut, vOut, policy);
    }

    /**
     * KL-regularised best response towards a prior policy ρ (MFGLib's "prior descent" step):
     * V_t(x) = τ log Σ_a ρ_t(a|x) exp(Q_t(x,a)/τ), π_t ∝ ρ_t exp(Q_t/τ). {@code prior} null means uniform over
     * legal actions (the entropy-regularised best response). {@code prior} is not modified and may be {@code policy}.
     */
    public void softBestResponse(double tau, double[] prior, double[] qOut, double[] vOut, double[] policy) {
        for (int t = nT - 1; t >= 0; t--) {
            boolean last = t == nT - 1;
            if (move != null && !last) {
                fillW(t, vOut);
            }
            for (int x = 0; x < nS; x++) {
                double best = Double.NEGATIVE_INFINITY;
                int o = (t * nS + x) * nA;
                for (int a = 0; a < nA; a++) {
                    int i = x * nA + a;
                    double qv = r[o + a] + (last ? 0.0 : continuation(t, i, vOut));
                    qOut[o + a] = qv;
                    if (legal[i] && qv > best) {
                        best = qv;
                    }
                }
                double z = 0;
                for (int a = 0; a < nA; a++) {
                    if (legal[x * nA + a]) {
                        double e = Math.exp((qOut[o + a] - best) / tau) * (prior == null ? 1.0 : prior[o + a]);
                        policy[o + a] = e;
                        z += e;
                    } else {
                        policy[o + a] = 0.0;
                    }
                }
                if (!(z > 0)) {
                    throw new IllegalStateException("soft best response: prior puts no mass on legal actions at t=" + t
                            + " x=" + x);
                }
                double inv = 1.0 / z;
                for (int a = 0; a < nA; a++) {
                    policy[o + a] *= inv;
                }
                vOut[t * nS + x] = best + tau * Math.log(z);
            }
        }
    }

    /**
     * Exploitability of π: Σ_x μ_0(x) max_a Q*_0(x,a) − Σ_x μ_0(x) Σ_a π_0(a|x) Q^π_0(x,a), both under the mean
     * field induced by π. Leaves μ, L, r, Q^π and Q* of π in the workspace.
     */
    public double exploitability(double[] policy) {
        induce(policy);
        computeRewards();
        if (move != null) {
            evaluateAndBestResponse(policy);
        } else {
            evaluate(policy);
            bestResponse();
        }
        return exploitabilityFromValues();
    }

    /** Σ μ_0 (V*_0 − V^π_0) from the values already in the workspace. */
    double exploitabilityFromValues() {
        double e = 0;
        for (int x = 0; x < nS; x++) {
            e += mu0[x] * (vStar[x] - v[x]);
        }
        return e;
    }

    /** Mean field of the last {@link #induce} (live view, length T·S). */
    public double[] mu() {
        return mu;
    }

    /** State–action distribution of the last {@link #induce} (live view, length T·S·A). */
    public double[] stateAction() {
        return sa;
    }

    /** Rewards of the last {@link #computeRewards} (live view). */
    public double[] rewards() {
        return r;
    }

    /** V^π of the last {@link #evaluate} (live view, length T·S). */
    public double[] value() {
        return v;
    }

    /** V* of the last {@link #bestResponse} (live view). */
    public double[] bestValue() {
        return vStar;
    }

    /** Q^π of the last {@link #evaluate} (live view). */
    public double[] qValues() {
        return q;
    }

    /** Q* of the last {@link #bestResponse} (live view). */
    public double[] bestQValues() {
        return qStar;
    }
}
