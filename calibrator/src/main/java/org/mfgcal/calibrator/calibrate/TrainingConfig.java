package org.mfgcal.calibrator.calibrate;

import org.mfgcal.calibrator.optim.Adam;

/**
 * Training protocol (docs/MODEL.md §4). Defaults in {@link #DEFAULTS}, defined once: 500 epochs, batch 10, Adam
 * learning rate {@link Adam#LEARNING_RATE}, window Δ = ⌊0.2 N⌋, seed 0, validation every epoch.
 *
 * @param windowFraction Δ = max(1, ⌊windowFraction·N⌋); 1 = full horizon
 * @param evalEvery      validate every this many epochs (and at the last)
 */
public record TrainingConfig(int epochs, int batchSize, double learningRate, long seed, double windowFraction,
                             int evalEvery) {

    public static final TrainingConfig DEFAULTS = new TrainingConfig(500, 10, Adam.LEARNING_RATE, 0L, 0.2, 1);

    public TrainingConfig {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs = " + epochs + ": must be ≥ 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch = " + batchSize + ": must be ≥ 1");
        }
        if (!(windowFraction > 0 && windowFraction <= 1)) {
            throw new IllegalArgumentException("window fraction = " + windowFraction + ": must be in (0, 1]");
        }
        if (evalEvery < 1) {
            throw new IllegalArgumentException("eval-every = " + evalEvery + ": must be ≥ 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate = " + learningRate + ": must be > 0");
        }
    }

    public TrainingConfig withEpochs(int e) {
        return new TrainingConfig(e, batchSize, learningRate, seed, windowFraction, evalEvery);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(epochs, batchSize, learningRate, s, windowFraction, evalEvery);
    }

    public TrainingConfig withBatch(int b) {
        return new TrainingConfig(epochs, b, learningRate, seed, windowFraction, evalEvery);
    }

    public TrainingConfig withWindow(double w) {
        return new TrainingConfig(epochs, batchSize, learningRate, seed, w, evalEvery);
    }

    public TrainingConfig withEvalEvery(int e) {
        return new TrainingConfig(epochs, batchSize, learningRate, seed, windowFraction, e);
    }

    public int window(int steps) {
        return Math.max(1, Math.min(steps, (int) Math.floor(windowFraction * steps)));
    }
}
