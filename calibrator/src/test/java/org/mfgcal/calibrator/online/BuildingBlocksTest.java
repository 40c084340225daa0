package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.optim.Adam;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Provenance;

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

    /** One channel: warm-up 5, k = 0.5, floor 1, margin 2, clear at 0.25·h. */
    private static DriftMonitor oneChannel() {
        return new DriftMonitor("r", new String[] {"Z"}, new String[] {"p"}, new int[] {0}, new double[] {0.5},
                new double[] {1.0}, new double[] {0.01}, 5, 2.0, 0.25);
    }

    @Test
    void driftMonitor_handComputedCusum_armsAfterWarmupRaisesOnceWithFirstBinThenClears() {
        Provenance prov = new Provenance("m/1", "abc", 1, "dev", 0, 10);
        DriftMonitor m = oneChannel();
        List<DriftAlert> out = new ArrayList<>();
        // Warm-up 1..5: median 3, MAD 1, s = 1.4826; replayed z = ∓1.349, ∓0.674, 0 → S⁺ ends at
        // (0.674 − 0.5) + (1.349 − 0.5) = 1.5·z₁ − 1, S⁻ peaks at the same value; h = max(1, 2·(1.5·z₁ − 1)).
        for (int b = 0; b < 5; b++) {
            m.update(0, b, b + 1, 0, prov, out);
            assertFalse(m.armed(0));
            assertEquals(Double.NaN, m.threshold(0));
        }
        double z1 = 2 / DriftMonitor.MAD_TO_SIGMA;
        double h = 2 * (1.5 * z1 - 1);
        assertEquals(2.0469, h, 1e-4); // independent value: z₁ = 2/1.482602 = 1.348980
        double s = DriftMonitor.MAD_TO_SIGMA;
        double v = 3 + 1.5 * s;
        m.update(0, 5, v, 1.0, prov, out);  // armed: z = 1.5, S⁺ = 1.0, run starts; buffer {2,3,4,5,v}
        assertTrue(m.armed(0));
        assertEquals(h, m.threshold(0), 1e-12);
        m.update(0, 6, v, 2.0, prov, out);  // median 4, MAD 1: z = (v − 4)/s, S⁺ = 1.0 + z − 0.5 = 1.3255
        assertEquals(List.of(), out);
        assertEquals(1.3255 / h, m.score(), 1e-4);
        m.update(0, 7, 100, 3.0, prov, out); // buffer {3,4,5,v,v}: z clipped at 4, S⁺ = 4.8255 > h
        assertEquals(1, out.size(), out.toString());
        DriftAlert a = out.get(0);
        assertEquals(DriftAlert.State.RAISED, a.state());
        assertEquals(DriftAlert.Direction.UP, a.direction());
        assertEquals(5, a.firstBin());
        assertEquals(7, a.bin());
        assertEquals(2.0, a.magnitude(), 1e-12); // mean raw over bins 5..7
        // While the alert is active the buffer is frozen at {3,4,5,v,v} (median 5): x = 5 gives z = 0 and S⁺ falls
        // by k = 0.5 a bin, 4.8255 − 0.5·n < 0.25·h = 0.5117 first at n = 9, i.e. bin 16.
        for (int b = 8; b < 16; b++) {
            m.update(0, b, 5, 0, prov, out);
        }
        assertEquals(1, out.size(), out.toString());
        m.update(0, 16, 5, 0, prov, out);
        assertEquals(2, out.size());
        assertEquals(DriftAlert.State.CLEARED, out.get(1).state());
        assertEquals(a.id(), out.get(1).id());
        assertEquals(16, out.get(1).bin());
        assertEquals(0, m.active());
    }

    @Test
    void driftMonitor_singleWildBin_cannotRaiseAlone() {
        Provenance prov = new Provenance("m/1", "abc", 1, "dev", 0, 10);
        DriftMonitor m = oneChannel();
        List<DriftAlert> out = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            m.update(0, b, b + 1, 0, prov, out);
        }
        m.update(0, 5, 1e9, 1, prov, out); // clipped at 4: S⁺ = 3.5, above h = 2.05 only because h is small here
        DriftMonitor wide = new DriftMonitor("r", new String[] {"Z"}, new String[] {"p"}, new int[] {0},
                new double[] {0.5}, new double[] {4.0}, new double[] {0.01}, 5, 2.0, 0.25);
        List<DriftAlert> out2 = new ArrayList<>();
        for (int b = 0; b < 5; b++) {
            wide.update(0, b, b + 1, 0, prov, out2);
        }
        wide.update(0, 5, 1e9, 1, prov, out2);
        assertEquals(1, out.size(), "h = 2.05 < 3.5: raised");
        assertEquals(List.of(), out2, "h = 4 > 3.5 = clip − k: one bin, however wild, cannot raise");
        wide.update(0, 6, 1e9, 1, prov, out2);
        assertEquals(1, out2.size(), "a second clipped bin does");
    }

    @Test
    void driftMonitor_nullLevel_isMedianOfChannelMaxima_notTheChannelWithADisruptedWarmup() {
        Provenance prov = new Provenance("m/1", "abc", 1, "dev", 0, 10);
        // Three channels of one group, warm-up 5, k = 0.5, floor 0.1, margin 1. Channels 0 and 1 see 1..5 (replay
        // maximum 1.5·z₁ − 1 = 1.0235, see above); channel 2 has a disrupted warm-up 0,0,0,0,50: median 0, MAD 0,
        // scale = minScale 0.01, last z clipped at 4, maximum 3.5. Median of {1.0235, 1.0235, 3.5} = 1.0235.
        DriftMonitor m = new DriftMonitor("r", new String[] {"A", "B", "C"}, new String[] {"p", "p", "p"},
                new int[] {0, 0, 0}, new double[] {0.5, 0.5, 0.5}, new double[] {0.1, 0.1, 0.1},
                new double[] {0.01, 0.01, 0.01}, 5, 1.0, 0.25);
        List<DriftAlert> out = new ArrayList<>();
        double[] disrupted = {0, 0, 0, 0, 50};
        for (int b = 0; b < 5; b++) {
            m.update(0, b, b + 1, 0, prov, out);
            m.update(1, b, b + 1, 0, prov, out);
            m.update(2, b, disrupted[b], 0, prov, out);
        }
        m.update(0, 5, 3, 0, prov, out); // arms channel 0 and sets the group's level from all three full buffers
        m.update(1, 5, 3, 0, prov, out);
        m.update(2, 5, 0, 0, prov, out);
        double expected = 1.5 * (2 / DriftMonitor.MAD_TO_SIGMA) - 1;
        for (int c = 0; c < 3; c++) {
            assertEquals(expected, m.threshold(c), 1e-12, "channel " + c);
        }
        assertEquals(List.of(), out);
    }

    @Test
    void driftMonitor_badArguments_namedInMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DriftMonitor("r",
                new String[] {"Z"}, new String[] {"p"}, new int[] {0}, new double[] {0.5}, new double[] {1},
                new double[] {0.01}, 2, 2.0, 0.25));
        assertTrue(e.getMessage().contains("warm-up must be >= 3 inputs, got 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DriftMonitor("r", new String[] {"Z"},
                new String[] {"p"}, new int[] {0}, new double[] {0.5}, new double[] {1}, new double[] {0.01}, 5, 0.5,
                0.25));
        assertTrue(e.getMessage().contains("margin must be finite and >= 1, got 0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DriftMonitor("r", new String[] {"Z"},
                new String[] {"p"}, new int[] {0}, new double[] {0.5}, new double[] {0}, new double[] {0.01}, 5, 2,
                0.25));
        assertTrue(e.getMessage().contains("floor > 0"), e.getMessage());
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
