package org.mfgcal.calibrator.calibrate;

import java.util.List;
import java.util.Map;

/**
 * Everything needed to rebuild a calibrated model, serialisable as JSON: the game (by name and parameters, see
 * {@code Games.create}; {@code kolmogorov} is the no-game baseline = mobility with c = 0, g = 0 on the graph of
 * {@code gameParams.graph_of}), the grid, the time features, the parameterisation blocks, whether the networks are
 * evaluated on the solver's iterate (coupled), solver damping, and the network backend ({@code nd4j} or {@code java}).
 */
public record ModelSpec(String game, Map<String, Object> gameParams, String[] stateNames, double horizon, int steps,
                        String[] timeFeatureNames, List<BlockSpec> blocks, boolean coupled, double damping,
                        String backend) {

    public ModelSpec {
        blocks = List.copyOf(blocks);
        gameParams = gameParams == null ? Map.of() : Map.copyOf(gameParams);
        if (!"nd4j".equals(backend) && !"java".equals(backend)) {
            throw new IllegalArgumentException("backend = '" + backend + "': expected nd4j or java");
        }
    }

    public int states() {
        return stateNames.length;
    }

    public ModelSpec withBlocks(List<BlockSpec> b, boolean cpl) {
        return new ModelSpec(game, gameParams, stateNames, horizon, steps, timeFeatureNames, b, cpl, damping, backend);
    }

    public ModelSpec withGame(String g, Map<String, Object> params) {
        return new ModelSpec(g, params, stateNames, horizon, steps, timeFeatureNames, blocks, coupled, damping, backend);
    }
}
