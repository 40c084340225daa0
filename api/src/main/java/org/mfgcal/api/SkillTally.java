package org.mfgcal.api;

import java.util.Arrays;

/**
 * Forecast skill of one region per horizon, accumulated from the realised errors of its forecasts
 * ({@link Forecast#realised()}): the mean absolute error (MAE) of the model, of persistence and of seasonal naive
 * over the same (forecast, bin) pairs, and the skill ratios model MAE / baseline MAE (below 1: the model beats the
 * baseline). The seasonal ratio uses only the pairs that have a seasonal-naive error, for both MAEs.
 *
 * <p>Used by the {@code online} command's summary, the metrics and the web page, so the three agree. Not
 * thread-safe (callers synchronise); horizons beyond the constructor's are ignored.
 */
public final class SkillTally {
    private final int horizon;
    private final long[] count;
    private final double[] model;
    private final double[] persistence;
    private final long[] seasonalCount;
    private final double[] modelWithSeasonal;
    private final double[] seasonal;
    private final double[] inside;

    /** A tally of horizons 1..{@code horizon}. */
    public SkillTally(int horizon) {
        if (horizon < 1) {
            throw new IllegalArgumentException("skill tally horizon must be >= 1, got " + horizon);
        }
        this.horizon = horizon;
        count = new long[horizon];
        model = new double[horizon];
        persistence = new double[horizon];
        seasonalCount = new long[horizon];
        modelWithSeasonal = new double[horizon];
        seasonal = new double[horizon];
        inside = new double[horizon];
    }

    /** Largest horizon tallied. */
    public int horizon() {
        return horizon;
    }

    /** Adds every realised error of {@code f}. */
    public void add(Forecast f) {
        for (Forecast.RealisedError r : f.realised()) {
            add(r);
        }
    }

    /** Adds one realised error (ignored when its horizon is beyond {@link #horizon()}). */
    public void add(Forecast.RealisedError r) {
        int h = r.horizon() - 1;
        if (h >= horizon) {
            return;
        }
        count[h]++;
        model[h] += r.meanAbsError();
        persistence[h] += r.persistenceAbsError();
        inside[h] += r.insideBandShare();
        if (r.seasonalAbsError() != null) {
            seasonalCount[h]++;
            modelWithSeasonal[h] += r.meanAbsError();
            seasonal[h] += r.seasonalAbsError();
        }
    }

    /** Realised forecasts at horizon h (1-based). */
    public long count(int h) {
        return count[h - 1];
    }

    /** Realised forecasts at horizon h that have a seasonal-naive error. */
    public long seasonalCount(int h) {
        return seasonalCount[h - 1];
    }

    /** Model MAE at horizon h, NaN before any. */
    public double modelMae(int h) {
        return model[h - 1] / count[h - 1];
    }

    /** Persistence MAE at horizon h, NaN before any. */
    public double persistenceMae(int h) {
        return persistence[h - 1] / count[h - 1];
    }

    /** Seasonal-naive MAE at horizon h over the pairs that have one, NaN before any. */
    public double seasonalMae(int h) {
        return seasonal[h - 1] / seasonalCount[h - 1];
    }

    /** Share of realised values inside the band at horizon h, NaN before any. */
    public double coverage(int h) {
        return inside[h - 1] / count[h - 1];
    }

    /** Model MAE / persistence MAE at horizon h; NaN when either is undefined or the persistence MAE is 0. */
    public double persistenceRatio(int h) {
        return ratio(model[h - 1], persistence[h - 1]);
    }

    /** Model MAE / seasonal-naive MAE at horizon h over the same pairs; NaN as {@link #persistenceRatio}. */
    public double seasonalRatio(int h) {
        return ratio(modelWithSeasonal[h - 1], seasonal[h - 1]);
    }

    /** Share of realised values inside the band over every horizon, NaN before any. */
    public double coverage() {
        return Arrays.stream(inside).sum() / Arrays.stream(count).sum();
    }

    private static double ratio(double num, double den) {
        return den > 0 ? num / den : Double.NaN;
    }
}
