package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Rate table, Adam, CUSUM, normal quantile and config: hand-computed values and finite differences. */
class BuildingBlocksTest {
    private static final double FD_TOL = 1e-6;

    @Test
    void rateTable_pullbackAndRegulariser_matchFiniteDifferences() {
        RateTable t = new RateTable(5, 3, 2.0, 0.7, Math.log(0.1));
        t.setPriorRow(2, new double[] {0.1, -1, 0.5});
        SplittableRandom rng = new SplittableRandom(7);
        double[] theta = new double[t.size()];
        double[] gbar = new double[t.steps() * t.paramsPerStep()];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = rng.nextDouble(-2, 1);
        }
        for (int i = 0; i < gbar.length; i++) {
            gbar[i] = rng.nextDouble(-1, 1);
        }
        double[] gamma = new double[gbar.length];
        double[] grad = new double[theta.length];
        t.gamma(theta, gamma);
        t.pullback(theta, gamma, gbar, grad);
        double reg = t.regulariser(theta, grad);
        double h = 1e-6;
        for (int i = 0; i < theta.length; i++) {
            double[] tp = theta.clone();
            double[] tm = theta.clone();
            tp[i] += h;
            tm[i] -= h;
            double fd = (objective(t, tp, gbar) - objective(t, tm, gbar)) / (2 * h);
            assertEquals(fd, grad[i], FD_TOL, "d/dtheta[" + i + "]");
        }
        // hand value of the regulariser at theta = prior, all equal rows: 0
        double[] flat = new double[t.size()];
        RateTable u = new RateTable(5, 3, 2.0, 0.7, 0.25);
        u.reset(flat);
        assertEquals(0.0, u.regulariser(flat, new double[t.size()]), 0.0);
        assertTrue(reg > 0);
    }

    private static double objective(RateTable t, double[] theta, double[] gbar) {
        double[] gamma = new double[gbar.length];
        t.gamma(theta, gamma);
        double v = 0;
        for (int i = 0; i < gamma.length; i++) {
            v += gbar[i] * gamma[i];
        }
        return v + t.regulariser(theta, new double[theta.length]);
    }

    @Test
    void rateTable_shift_movesRowsBackAndKeepsLastRow() {
        RateTable t = new RateTable(4, 2, 0, 1, 0);
        double[] theta = {1, 2, 3, 4, 5, 6};
        t.shift(theta);
        assertEquals(List.of(3.0, 4.0, 5.0, 6.0, 5.0, 6.0), box(theta));
        assertEquals(2, t.shiftStride());
    }

    @Test
    void adam_firstStep_movesEachCoordinateByTheRateAgainstTheGradientSign() {
        Adam a = new Adam(3);
        double[] theta = {0, 1, 2};
        a.step(theta, new double[] {4, -0.01, 0}, 0.1);
        // m̂ = g, v̂ = g², so the step is rate·g/|g| (ε negligible), and 0 for a zero gradient
        assertEquals(-0.1, theta[0], 1e-9);
        assertEquals(1.1, theta[1], 1e-6);
        assertEquals(2.0, theta[2], 0.0);
        assertEquals(1, a.steps());
    }

    @Test
    void driftMonitor_handComputedCusum_raisesOnceWithFirstBinThenClears() {
        Provenance prov = new Provenance("m/1", "abc", 1, "dev", 0, 10);
        DriftMonitor m = new DriftMonitor("r", new String[] {"Z"}, new String[] {"p"}, new double[] {0.5},
                new double[] {2.0}, 0.25);
        List<DriftAlert> out = new ArrayList<>();
        double[] z = {0, 0.2, 1.5, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0, 0};
        // S⁺: 0, 0, 1.0 (run starts at bin 2), 2.0, 3.0 > 2 → RAISED at bin 4, 4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5 < 0.5? no
        for (int b = 0; b < z.length; b++) {
            m.update(0, b, z[b], 10 * z[b], prov, out);
        }
        assertEquals(1, out.size(), out.toString());
        DriftAlert a = out.get(0);
        assertEquals(DriftAlert.State.RAISED, a.state());
        assertEquals(DriftAlert.Direction.UP, a.direction());
        assertEquals(2, a.firstBin());
        assertEquals(4, a.bin());
        assertEquals(15.0, a.magnitude(), 1e-12); // mean raw over bins 2..4
        m.update(0, 13, 0, 0, prov, out); // S = 0 < 0.5: cleared
        assertEquals(2, out.size());
        assertEquals(DriftAlert.State.CLEARED, out.get(1).state());
        assertEquals(a.id(), out.get(1).id());
        assertEquals(0, m.active());
    }

    @Test
    void normalQuantile_knownValues() {
        assertEquals(1.6448536269514722, Normal.quantile(0.95), 1e-8);
        assertEquals(-2.3263478740408408, Normal.quantile(0.01), 1e-8);
        assertEquals(0.0, Normal.quantile(0.5), 1e-12);
    }

    @Test
    void config_badValue_messageNamesFieldAndValue() {
        OnlineConfig d = OnlineConfig.defaults(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withWindow(2, 24));
        assertTrue(e.getMessage().contains("windowBins") && e.getMessage().contains("2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnlineConfig.defaults(5));
        assertTrue(e.getMessage().contains("binHours = 5.0"), e.getMessage());
        assertEquals(7, OnlineConfig.defaults(24).windowBins()); // daily bins: a window of one week
        assertEquals(24, d.windowBins());
        assertEquals(168, d.seasonBins());
        assertEquals(d.hash(), OnlineConfig.defaults(1).hash());
        assertNotEquals(d.hash(), d.withSeed(d.seed() + 1).hash());
    }

    private static List<Double> box(double[] a) {
        List<Double> l = new ArrayList<>();
        for (double v : a) {
            l.add(v);
        }
        return l;
    }
}
