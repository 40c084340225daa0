package org.mfgcal.calibrator.discrete;

/**
 * A game with stationary transitions that factor into a deterministic move followed by an action-independent noise
 * kernel (the crowd games: the chosen move, then OpenSpiel's chance move): P(x'|x,a) = N(x'|m(x,a)). The evaluator
 * then runs the backward sweeps as Q_t(x,a) = r_t(x,a) + W_{t+1}(m(x,a)) with W(p) = Σ_k N(k|p) V(n_k(p)) computed
 * once per cell, and the forward sweep as a push of L through m followed by one noise step: S·(A + K) instead of
 * S·A·K operations per step (docs/DISCRETE_GAMES.md §2). The factored tables must describe exactly the game's
 * {@link #successors()}/{@link #transitions} table; {@link Evaluator} checks it.
 */
public interface FactoredGame extends DiscreteGame {

    /** Deterministic move target {@code move[x*A + a]} (a new array). */
    int[] moves();

    /** Fan-out of the noise kernel. */
    int noiseFanout();

    /** Noise successors {@code noiseNext[p*K + k]} (a new array). */
    int[] noiseSuccessors();

    /** Noise probabilities {@code noiseProb[p*K + k]}, each row summing to 1 (a new array). */
    double[] noiseProbabilities();
}
