package org.mfgcal.app;

import java.util.List;
import java.util.Map;
import org.mfgcal.calibrator.calibrate.BlockSpec;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.ModelSpec;
import org.mfgcal.calibrator.game.Games;
import org.mfgcal.calibrator.game.Graph;

/** The parameter blocks and the baseline model of {@code calibrate} from its options. Stateless. */
final class CalibrationSpecs {
    private CalibrationSpecs() {
    }

    /** A block of {@code cols} parameters of {@code kind} (constant, table over {@code tb} bins, or neural). */
    static BlockSpec block(double smoothness, String kind, int cols, int tb, double init) {
        return switch (kind) {
            case "constant" -> BlockSpec.constant(cols, init);
            case "table" -> BlockSpec.table(cols, tb, smoothness, init);
            default -> BlockSpec.neural(cols, true, Math.max(init, 0.15));
        };
    }

    /** A block of rates (positive): as {@link #block}, with a softplus network for neural kinds. */
    static BlockSpec rateBlock(double smoothness, String kind, int cols, int tb, double init) {
        return switch (kind) {
            case "constant" -> BlockSpec.constant(cols, init);
            case "neural", "coupled" -> new BlockSpec("neural", cols, 0, "softplus", 0.0, 0.0, false, 64, new double[] {init});
            default -> BlockSpec.table(cols, tb, smoothness, init);
        };
    }

    /** The no-game Kolmogorov baseline: a rate table on the game's graph (complete graph for mobility). */
    static ModelSpec baselineSpec(Dataset ds, String game, int bins, double smoothness, String backend) {
        int nT = ds.steps();
        int tb = bins > 0 ? Math.min(bins, nT) : nT - 1;
        var graph = "mobility".equals(game) ? Graph.complete(ds.states())
                : Games.create(game, Map.of(), ds.states()).graph();
        int e = graph.edges();
        double init = "mobility".equals(game) ? 0.02 : 0.3;
        return new ModelSpec("kolmogorov", Map.of("graph_of", game), ds.stateNames(), ds.horizon(), nT,
                ds.timeFeatureNames(), List.of(BlockSpec.table(e, tb, smoothness, init)), false, 0.0, backend);
    }
}
