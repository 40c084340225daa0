package org.mfgcal.app;

import org.mfgcal.calibrator.calibrate.TrainingConfig;
import picocli.CommandLine;

/**
 * Defaults of the training options, read from {@link TrainingConfig#DEFAULTS} (defined there once), so that
 * {@code --help} shows them as {@code ${DEFAULT-VALUE}}.
 */
final class TrainingDefaults implements CommandLine.IDefaultValueProvider {
    @Override
    public String defaultValue(CommandLine.Model.ArgSpec arg) {
        if (!(arg instanceof CommandLine.Model.OptionSpec o)) {
            return null;
        }
        TrainingConfig d = TrainingConfig.DEFAULTS;
        return switch (o.longestName()) {
            case "--batch" -> String.valueOf(d.batchSize());
            case "--lr" -> String.valueOf(d.learningRate());
            case "--seed" -> String.valueOf(d.seed());
            case "--eval-every" -> String.valueOf(d.evalEvery());
            default -> null;
        };
    }
}
