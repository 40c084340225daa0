package org.mfgcal.calibrator.calibrate;

import java.util.List;

/**
 * Trajectories on one grid: N steps over horizon T, d states (named), f time features (named), an optional mask of
 * observed states (partial observation: loss and metrics use only those), and splits. Immutable.
 */
public record Dataset(String name, int steps, double horizon, String[] stateNames, String[] timeFeatureNames,
                      boolean[] observed, List<Sample> train, List<Sample> validation, List<Sample> test,
                      List<Sample> testOod) {

    public Dataset {
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        test = List.copyOf(test);
        testOod = testOod == null ? List.of() : List.copyOf(testOod);
        if (train.isEmpty()) {
            throw new IllegalArgumentException("dataset " + name + ": the training split is empty");
        }
        int d = stateNames.length;
        int f = timeFeatureNames.length;
        for (List<Sample> split : List.of(train, validation, test, testOod)) {
            for (Sample s : split) {
                if (s.obs().length != steps * d || s.time().length != steps * f) {
                    throw new IllegalArgumentException("dataset " + name + ", sample " + s.label() + ": expected "
                            + steps + "×" + d + " observations and " + steps + "×" + f + " time features, got "
                            + s.obs().length + " and " + s.time().length);
                }
            }
        }
    }

    public int states() {
        return stateNames.length;
    }

    public int timeFeatures() {
        return timeFeatureNames.length;
    }

    public double dt() {
        return horizon / (steps - 1);
    }
}
