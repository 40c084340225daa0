package org.mfgcal.api;

import java.util.List;

/**
 * What the online calibration loop reports, for metrics and the web page. Every method does nothing by default,
 * so an implementation overrides only what it needs; {@link #NONE} ignores everything.
 *
 * <p>Contract: the loop calls these after the corresponding output exists, with the same record it publishes.
 * Implementations must be thread-safe (regions may be updated on several threads at once), must return quickly
 * (they run on the calibration threads) and must not throw; the loop does not guard against a failing listener.
 */
public interface CalibrationListener {

    /** A listener that ignores every report. */
    CalibrationListener NONE = new CalibrationListener() { };

    /** A snapshot of {@code observation.region()} closed and enters the window. */
    default void snapshotClosed(Observation observation) {
    }

    /** An update finished (warm or cold). */
    default void parametersUpdated(ParameterUpdate update) {
    }

    /**
     * An update of {@code region} at {@code bin} failed its checks with {@code reason} (a {@code Health.REASON_*}
     * label); once per failing attempt (the warm update, then its cold retry). The bin's outcome is in the
     * {@link ParameterUpdate#health()} reported next.
     */
    default void updateFailed(String region, long bin, String reason) {
    }

    /** A forecast was issued (with the realised errors of earlier forecasts for the bin that closed). */
    default void forecastIssued(Forecast forecast) {
    }

    /**
     * The drift detectors of a region were updated at {@code bin}; {@code score} is the largest detector statistic
     * divided by its alarm threshold (an alert fires at 1).
     */
    default void driftScore(String region, long bin, double score) {
    }

    /** An alert was raised or cleared. */
    default void driftAlert(DriftAlert alert) {
    }

    /** A listener that reports to each of {@code listeners}, in order. */
    static CalibrationListener all(List<CalibrationListener> listeners) {
        List<CalibrationListener> copy = List.copyOf(listeners);
        return new CalibrationListener() {
            @Override
            public void snapshotClosed(Observation observation) {
                for (CalibrationListener l : copy) {
                    l.snapshotClosed(observation);
                }
            }

            @Override
            public void parametersUpdated(ParameterUpdate update) {
                for (CalibrationListener l : copy) {
                    l.parametersUpdated(update);
                }
            }

            @Override
            public void updateFailed(String region, long bin, String reason) {
                for (CalibrationListener l : copy) {
                    l.updateFailed(region, bin, reason);
                }
            }

            @Override
            public void forecastIssued(Forecast forecast) {
                for (CalibrationListener l : copy) {
                    l.forecastIssued(forecast);
                }
            }

            @Override
            public void driftScore(String region, long bin, double score) {
                for (CalibrationListener l : copy) {
                    l.driftScore(region, bin, score);
                }
            }

            @Override
            public void driftAlert(DriftAlert alert) {
                for (CalibrationListener l : copy) {
                    l.driftAlert(alert);
                }
            }
        };
    }
}
