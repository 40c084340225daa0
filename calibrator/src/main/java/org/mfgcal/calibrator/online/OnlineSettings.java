package org.mfgcal.calibrator.online;

import java.util.List;
import org.mfgcal.calibrator.online.OnlineConfig.Bins;
import org.mfgcal.calibrator.online.OnlineConfig.Costs;
import org.mfgcal.calibrator.online.OnlineConfig.Drift;
import org.mfgcal.calibrator.online.OnlineConfig.Forecasting;
import org.mfgcal.calibrator.online.OnlineConfig.Optimisation;
import org.mfgcal.calibrator.online.OnlineConfig.Optimizer;
import org.mfgcal.calibrator.online.OnlineConfig.Regularisation;

/**
 * The settings of {@link OnlineConfig} by their flat names (the keys of a service config's {@code model:} block and
 * of the configuration hash): their names and types, and the copy of a configuration with one of them changed, each
 * validated by its group's record. Stateless.
 */
public final class OnlineSettings {
    private OnlineSettings() {
    }

    /**
     * The flat names of the settings ({@link OnlineConfig#with(String, Object)}), with their types: {@code Integer},
     * {@code Long}, {@code Double} or {@code String} (the optimizer's name).
     */
    public static final List<Setting> ALL = List.of(
            new Setting("windowBins", Integer.class, "bins"), new Setting("seasonBins", Integer.class, "bins"),
            new Setting("horizon", Integer.class, "bins"), new Setting("substeps", Integer.class, "bins"),
            new Setting("bandLevel", Double.class, "forecasting"), new Setting("controlCost", Double.class, "costs"),
            new Setting("congestion", Double.class, "costs"), new Setting("optimizer", String.class, "optimisation"),
            new Setting("learningRate", Double.class, "optimisation"), new Setting("coldSteps", Integer.class, "optimisation"),
            new Setting("warmSteps", Integer.class, "optimisation"), new Setting("relativeTolerance", Double.class, "optimisation"),
            new Setting("smoothness", Double.class, "regularisation"), new Setting("priorWeight", Double.class, "regularisation"),
            new Setting("priorRate", Double.class, "regularisation"), new Setting("priorPseudoCount", Double.class, "regularisation"),
            new Setting("minShareVariance", Double.class, "regularisation"), new Setting("uncertaintyProbes", Integer.class, "forecasting"),
            new Setting("forecastSamples", Integer.class, "forecasting"), new Setting("bandMemory", Double.class, "forecasting"),
            new Setting("residualAllowance", Double.class, "drift"), new Setting("residualThreshold", Double.class, "drift"),
            new Setting("rateAllowance", Double.class, "drift"), new Setting("rateThreshold", Double.class, "drift"),
            new Setting("clearFraction", Double.class, "drift"), new Setting("driftWarmupBins", Integer.class, "drift"),
            new Setting("driftNullMargin", Double.class, "drift"), new Setting("seed", Long.class, null));

    /**
     * A setting's flat name, value type and group: the {@link OnlineConfig} record it belongs to ({@code bins},
     * {@code costs}, {@code optimisation}, {@code regularisation}, {@code forecasting}, {@code drift}), under which a
     * config file may also nest it ({@code model: {drift: {rateThreshold: 4}}}); {@code null} for a top-level
     * setting ({@code seed}).
     */
    public record Setting(String name, Class<?> type, String group) {
    }

    /** The group names, in {@link #ALL} order of first appearance. */
    public static List<String> groups() {
        return ALL.stream().map(Setting::group).filter(java.util.Objects::nonNull).distinct().toList();
    }

    /** {@code cfg} with the setting {@code name} set to {@code value} ({@link OnlineConfig#with(String, Object)}). */
    static OnlineConfig apply(OnlineConfig cfg, String name, Object value) {
        Bins b = cfg.bins();
        Costs c = cfg.costs();
        Optimisation o = cfg.optimisation();
        Regularisation r = cfg.regularisation();
        Forecasting f = cfg.forecasting();
        Drift dr = cfg.drift();
        return switch (name) {
            case "windowBins" -> cfg.with(new Bins(b.binHours(), i(value), b.seasonBins(), b.horizon(), b.substeps()));
            case "seasonBins" -> cfg.with(new Bins(b.binHours(), b.windowBins(), i(value), b.horizon(), b.substeps()));
            case "horizon" -> cfg.with(new Bins(b.binHours(), b.windowBins(), b.seasonBins(), i(value), b.substeps()));
            case "substeps" -> cfg.with(new Bins(b.binHours(), b.windowBins(), b.seasonBins(), b.horizon(), i(value)));
            case "bandLevel" -> cfg.with(new Forecasting(x(value), f.uncertaintyProbes(), f.forecastSamples(),
                    f.bandMemory()));
            case "controlCost" -> cfg.with(new Costs(x(value), c.congestion()));
            case "congestion" -> cfg.with(new Costs(c.controlCost(), x(value)));
            case "optimizer" -> cfg.with(new Optimisation(Optimizer.parse(String.valueOf(value)), o.learningRate(),
                    o.coldSteps(), o.warmSteps(), o.relativeTolerance()));
            case "learningRate" -> cfg.with(new Optimisation(o.optimizer(), x(value), o.coldSteps(), o.warmSteps(),
                    o.relativeTolerance()));
            case "coldSteps" -> cfg.with(new Optimisation(o.optimizer(), o.learningRate(), i(value), o.warmSteps(),
                    o.relativeTolerance()));
            case "warmSteps" -> cfg.with(new Optimisation(o.optimizer(), o.learningRate(), o.coldSteps(), i(value),
                    o.relativeTolerance()));
            case "relativeTolerance" -> cfg.with(new Optimisation(o.optimizer(), o.learningRate(), o.coldSteps(),
                    o.warmSteps(), x(value)));
            case "smoothness" -> cfg.with(new Regularisation(x(value), r.priorWeight(), r.priorRate(),
                    r.priorPseudoCount(), r.minShareVariance()));
            case "priorWeight" -> cfg.with(new Regularisation(r.smoothness(), x(value), r.priorRate(),
                    r.priorPseudoCount(), r.minShareVariance()));
            case "priorRate" -> cfg.with(new Regularisation(r.smoothness(), r.priorWeight(), x(value),
                    r.priorPseudoCount(), r.minShareVariance()));
            case "priorPseudoCount" -> cfg.with(new Regularisation(r.smoothness(), r.priorWeight(), r.priorRate(),
                    x(value), r.minShareVariance()));
            case "minShareVariance" -> cfg.with(new Regularisation(r.smoothness(), r.priorWeight(), r.priorRate(),
                    r.priorPseudoCount(), x(value)));
            case "uncertaintyProbes" -> cfg.with(new Forecasting(f.bandLevel(), i(value), f.forecastSamples(),
                    f.bandMemory()));
            case "forecastSamples" -> cfg.with(new Forecasting(f.bandLevel(), f.uncertaintyProbes(), i(value),
                    f.bandMemory()));
            case "bandMemory" -> cfg.with(new Forecasting(f.bandLevel(), f.uncertaintyProbes(), f.forecastSamples(),
                    x(value)));
            case "residualAllowance" -> cfg.with(new Drift(x(value), dr.residualThreshold(), dr.rateAllowance(),
                    dr.rateThreshold(), dr.clearFraction(), dr.driftWarmupBins(), dr.driftNullMargin()));
            case "residualThreshold" -> cfg.with(new Drift(dr.residualAllowance(), x(value), dr.rateAllowance(),
                    dr.rateThreshold(), dr.clearFraction(), dr.driftWarmupBins(), dr.driftNullMargin()));
            case "rateAllowance" -> cfg.with(new Drift(dr.residualAllowance(), dr.residualThreshold(), x(value),
                    dr.rateThreshold(), dr.clearFraction(), dr.driftWarmupBins(), dr.driftNullMargin()));
            case "rateThreshold" -> cfg.with(new Drift(dr.residualAllowance(), dr.residualThreshold(), dr.rateAllowance(),
                    x(value), dr.clearFraction(), dr.driftWarmupBins(), dr.driftNullMargin()));
            case "clearFraction" -> cfg.with(new Drift(dr.residualAllowance(), dr.residualThreshold(), dr.rateAllowance(),
                    dr.rateThreshold(), x(value), dr.driftWarmupBins(), dr.driftNullMargin()));
            case "driftWarmupBins" -> cfg.with(new Drift(dr.residualAllowance(), dr.residualThreshold(),
                    dr.rateAllowance(), dr.rateThreshold(), dr.clearFraction(), i(value), dr.driftNullMargin()));
            case "driftNullMargin" -> cfg.with(new Drift(dr.residualAllowance(), dr.residualThreshold(),
                    dr.rateAllowance(), dr.rateThreshold(), dr.clearFraction(), dr.driftWarmupBins(), x(value)));
            case "seed" -> cfg.withSeed(((Number) value).longValue());
            default -> throw new IllegalArgumentException("unknown online setting '" + name + "'");
        };
    }

    private static int i(Object v) {
        return ((Number) v).intValue();
    }

    private static double x(Object v) {
        return ((Number) v).doubleValue();
    }
}
