package org.mfgcal.calibrator.calibrate;

/**
 * One column block of a parameterisation (serialisable).
 *
 * @param kind       {@code table} (per-bin table; bins = 1 is a constant) or {@code neural} (the §4 network)
 * @param columns    parameters per step this block produces
 * @param bins       table bins (ignored for neural)
 * @param output     {@code softplus} (positive: softplus + floor) or {@code identity} (signed, e.g. C)
 * @param floor      added after the softplus
 * @param smoothness table smoothness penalty λ (ignored for neural)
 * @param useMu      neural: input [time features, μ_t] (true) or time features only
 * @param hidden     neural hidden width (64 in the reference)
 * @param init       initial value of every output (γ ≈ init at the start)
 */
public record BlockSpec(String kind, int columns, int bins, String output, double floor, double smoothness,
                        boolean useMu, int hidden, double[] init) {

    public BlockSpec {
        if (!"table".equals(kind) && !"neural".equals(kind)) {
            throw new IllegalArgumentException("parameterisation kind = '" + kind + "': expected table or neural");
        }
        if (!"softplus".equals(output) && !"identity".equals(output)) {
            throw new IllegalArgumentException("output = '" + output + "': expected softplus or identity");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("columns = " + columns + ": must be ≥ 1");
        }
        if (init == null || (init.length != 1 && init.length != columns)) {
            throw new IllegalArgumentException("init must have 1 or " + columns + " values");
        }
    }

    public static BlockSpec constant(int columns, double... init) {
        return new BlockSpec("table", columns, 1, "softplus", 0.0, 0.0, false, 0, init);
    }

    public static BlockSpec table(int columns, int bins, double smoothness, double... init) {
        return new BlockSpec("table", columns, bins, "softplus", 0.0, smoothness, false, 0, init);
    }

    public static BlockSpec neural(int columns, boolean useMu, double... init) {
        return new BlockSpec("neural", columns, 0, "softplus", 0.1, 0.0, useMu, 64, init);
    }

    public static BlockSpec interaction(int columns) {
        return new BlockSpec("neural", columns, 0, "identity", 0.0, 0.0, true, 64, new double[] {0.0});
    }

    public double initFor(int k) {
        return init.length == 1 ? init[0] : init[k];
    }
}
