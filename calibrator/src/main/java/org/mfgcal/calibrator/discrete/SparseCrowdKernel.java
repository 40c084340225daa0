package org.mfgcal.calibrator.discrete;

/**
 * The sparse structure shared by {@link NewtonFlow} and {@link FlowShift} (issue 14, docs/DISCRETE_GAMES.md §3
 * "sparse implementation"): the noise kernel of a {@link CrowdPotentialGame} without its zero-probability entries
 * (CSR over pre-noise cells) and transposed (a gather: each successor receives from its sources), the cells
 * structurally reachable at each step from μ_0 (supp μ_0, then every legal move followed by every noise successor;
 * walls and cells beyond the front never are, so no mass, tangent or adjoint ever lives there), and the move targets
 * that can carry pre-noise mass. Immutable after construction.
 */
final class SparseCrowdKernel {
    final int nS, nA, nT;
    final int[] move;
    final boolean[] legal;
    /** Noise kernel without zero entries: successors nzNext[nzOff[q] .. nzOff[q+1]) of pre-noise cell q. */
    final int[] nzOff, nzNext;
    final double[] nzProb;
    /** Transposed kernel restricted to move targets: cell succ[k] receives from inSrc[inOff[k] .. inOff[k+1]). */
    final int[] succ, inOff, inSrc;
    final double[] inProb;
    /** Reachable cells of step t: cells[cellOff[t] .. cellOff[t+1]) (ascending). */
    final int[] cellOff, cells;
    /** Move targets of legal actions at reachable cells (ascending). */
    final int[] targets;
    /** Move targets of legal actions at the reachable cells of step t: stepTgt[tgtOff[t] .. tgtOff[t+1]) (ascending). */
    final int[] tgtOff, stepTgt;
    /**
     * Per-step gather (issue 14, fourth round): the reachable cell cells[ci] of step t+1 receives from the move
     * targets of step t gSrc[gOff[ci] .. gOff[ci+1]) with probabilities gProb (same order as the global transposed
     * kernel, so the sums are the same; cells of step 0 receive nothing).
     */
    final int[] gOff, gSrc;
    final double[] gProb;
    /**
     * Base rewards b_t(x, a), layout (t·nS + x)·nA + a: the game's rewards minus the crowd term, read once at the
     * uniform policy's mean field (the game's rewards are b + g(μ(x)) with b independent of μ).
     */
    final double[] baseReward;

    SparseCrowdKernel(CrowdPotentialGame game, Evaluator ev) {
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        ev.induce(ev.uniformPolicy());
        ev.computeRewards();
        baseReward = new double[nT * nS * nA];
        for (int i = 0; i < baseReward.length; i++) {
            baseReward[i] = ev.r[i] - game.crowdReward(ev.mu[i / nA]);
        }
        move = game.moves();
        legal = ev.legal;
        double[] mu0 = ev.mu0;
        int nK = game.noiseFanout();
        int[] noiseNext = game.noiseSuccessors();
        double[] noiseProb = game.noiseProbabilities();
        nzOff = new int[nS + 1];
        int n = 0;
        for (int q = 0; q < nS; q++) {
            for (int k = 0; k < nK; k++) {
                n += noiseProb[q * nK + k] != 0.0 ? 1 : 0;
            }
        }
        nzNext = new int[n];
        nzProb = new double[n];
        n = 0;
        for (int q = 0; q < nS; q++) {
            nzOff[q] = n;
            for (int k = 0; k < nK; k++) {
                if (noiseProb[q * nK + k] != 0.0) {
                    nzNext[n] = noiseNext[q * nK + k];
                    nzProb[n] = noiseProb[q * nK + k];
                    n++;
                }
            }
        }
        nzOff[nS] = n;
        // structural reachability: supp μ_0, then every legal move followed by every noise successor
        boolean[] reach = new boolean[nT * nS];
        boolean[] isTarget = new boolean[nS];
        int count = 0;
        for (int x = 0; x < nS; x++) {
            reach[x] = mu0[x] > 0;
        }
        for (int t = 0; t < nT; t++) {
            for (int x = 0; x < nS; x++) {
                if (!reach[t * nS + x]) {
                    continue;
                }
                count++;
                if (t + 1 == nT) {
                    continue;
                }
                for (int a = 0; a < nA; a++) {
                    if (legal[x * nA + a]) {
                        int q = move[x * nA + a];
                        isTarget[q] = true;
                        for (int j = nzOff[q]; j < nzOff[q + 1]; j++) {
                            reach[(t + 1) * nS + nzNext[j]] = true;
                        }
                    }
                }
            }
        }
        cellOff = new int[nT + 1];
        cells = new int[count];
        n = 0;
        for (int t = 0; t < nT; t++) {
            cellOff[t] = n;
            for (int x = 0; x < nS; x++) {
                if (reach[t * nS + x]) {
                    cells[n++] = x;
                }
            }
        }
        cellOff[nT] = n;
        int nt = 0;
        for (boolean b : isTarget) {
            nt += b ? 1 : 0;
        }
        targets = new int[nt];
        nt = 0;
        for (int q = 0; q < nS; q++) {
            if (isTarget[q]) {
                targets[nt++] = q;
            }
        }
        int[] inCount = new int[nS];
        for (int q : targets) {
            for (int j = nzOff[q]; j < nzOff[q + 1]; j++) {
                inCount[nzNext[j]]++;
            }
        }
        int ns = 0;
        int ni = 0;
        for (int y = 0; y < nS; y++) {
            ns += inCount[y] > 0 ? 1 : 0;
            ni += inCount[y];
        }
        succ = new int[ns];
        inOff = new int[ns + 1];
        inSrc = new int[ni];
        inProb = new double[ni];
        ns = 0;
        ni = 0;
        for (int y = 0; y < nS; y++) {
            if (inCount[y] == 0) {
                continue;
            }
            succ[ns] = y;
            inOff[ns] = ni;
            for (int q : targets) {
                for (int j = nzOff[q]; j < nzOff[q + 1]; j++) {
                    if (nzNext[j] == y) {
                        inSrc[ni] = q;
                        inProb[ni] = nzProb[j];
                        ni++;
                    }
                }
            }
            ns++;
        }
        inOff[ns] = ni;
        // per-step targets and gathers restricted to what can carry mass between t and t+1
        tgtOff = new int[nT + 1];
        int[] tg = new int[nT * nt];
        boolean[] stepIs = new boolean[nS];
        int ntg = 0;
        gOff = new int[count + 1];
        int[] gs = new int[nT * ni];
        double[] gp = new double[nT * ni];
        int ng = 0;
        int[] succIndex = new int[nS];
        java.util.Arrays.fill(succIndex, -1);
        for (int k = 0; k < ns; k++) {
            succIndex[succ[k]] = k;
        }
        for (int ci = cellOff[0]; ci <= cellOff[1]; ci++) {
            gOff[ci] = 0;
        }
        for (int t = 0; t < nT; t++) {
            tgtOff[t] = ntg;
            java.util.Arrays.fill(stepIs, false);
            if (t + 1 < nT) {
                for (int ci = cellOff[t]; ci < cellOff[t + 1]; ci++) {
                    int x = cells[ci];
                    for (int a = 0; a < nA; a++) {
                        if (legal[x * nA + a]) {
                            stepIs[move[x * nA + a]] = true;
                        }
                    }
                }
                for (int q = 0; q < nS; q++) {
                    if (stepIs[q]) {
                        tg[ntg++] = q;
                    }
                }
                for (int ci = cellOff[t + 1]; ci < cellOff[t + 2]; ci++) {
                    gOff[ci] = ng;
                    int k = succIndex[cells[ci]];
                    if (k < 0) {
                        continue;
                    }
                    for (int j = inOff[k]; j < inOff[k + 1]; j++) {
                        if (stepIs[inSrc[j]]) {
                            gs[ng] = inSrc[j];
                            gp[ng] = inProb[j];
                            ng++;
                        }
                    }
                }
            }
        }
        tgtOff[nT] = ntg;
        gOff[count] = ng;
        stepTgt = java.util.Arrays.copyOf(tg, ntg);
        gSrc = java.util.Arrays.copyOf(gs, ng);
        gProb = java.util.Arrays.copyOf(gp, ng);
    }

    /**
     * out[(t+1)·nS + y] ← Σ_q N(y|q) pre[q] for every cell y reachable at t+1, from the move targets of step t (the
     * only cells of {@code pre} that can hold mass after a push from step t; cleared here). Cells not reachable at
     * t+1 are not written.
     */
    void noiseStep(int t, double[] pre, double[] out) {
        int oo = (t + 1) * nS;
        for (int ci = cellOff[t + 1]; ci < cellOff[t + 2]; ci++) {
            double acc = 0;
            for (int j = gOff[ci]; j < gOff[ci + 1]; j++) {
                acc += gProb[j] * pre[gSrc[j]];
            }
            out[oo + cells[ci]] = acc;
        }
        for (int j = tgtOff[t]; j < tgtOff[t + 1]; j++) {
            pre[stepTgt[j]] = 0.0;
        }
    }
}
