package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The factored (move then noise) sweeps of {@link Evaluator} against the generic fan-out-K sweeps on the same game
 * seen through a plain {@link DiscreteGame} view (docs/DISCRETE_GAMES.md §2).
 */
class FactoredKernelTest {

    /** The same game without the {@link FactoredGame} interface: the evaluator uses its generic table. */
    record Plain(DiscreteGame g) implements DiscreteGame {
        @Override public String name() { return g.name(); }
        @Override public int states() { return g.states(); }
        @Override public int actions() { return g.actions(); }
        @Override public int steps() { return g.steps(); }
        @Override public int fanout() { return g.fanout(); }
        @Override public double[] initialDistribution() { return g.initialDistribution(); }
        @Override public boolean[] legal() { return g.legal(); }
        @Override public int[] successors() { return g.successors(); }
        @Override public boolean stationaryTransitions() { return g.stationaryTransitions(); }
        @Override public void transitions(int t, double[] mu, double[] prob, int off) { g.transitions(t, mu, prob, off); }
        @Override public void rewards(double[] mu, double[] sa, double[] r) { g.rewards(mu, sa, r); }
    }

    private static double[] randomPolicy(Evaluator ev, long seed) {
        Random rnd = new Random(seed);
        double[] p = new double[ev.nT * ev.nSA];
        for (int t = 0; t < ev.nT; t++) {
            for (int x = 0; x < ev.nS; x++) {
                double z = 0;
                int o = (t * ev.nS + x) * ev.nA;
                for (int a = 0; a < ev.nA; a++) {
                    p[o + a] = ev.legal[x * ev.nA + a] ? 0.05 + rnd.nextDouble() : 0.0;
                    z += p[o + a];
                }
                for (int a = 0; a < ev.nA; a++) {
                    p[o + a] /= z;
                }
            }
        }
        return p;
    }

    private static void assertClose(double[] want, double[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-11 * Math.max(1, Math.abs(want[i])), what + "[" + i + "]");
        }
    }

    @Test
    void factoredSweeps_matchGenericSweeps_fourRoomsAndCrowdRing() {
        for (DiscreteGame g : new DiscreteGame[] {CrowdModelling2d.fourRooms(), new CrowdRing()}) {
            Evaluator fast = new Evaluator(g);
            Evaluator slow = new Evaluator(new Plain(g));
            assertEquals(true, fast.move != null, g.name() + " uses the factored path");
            assertEquals(true, slow.move == null, g.name() + " plain view uses the generic path");
            double[] pi = randomPolicy(fast, 7);
            double eFast = fast.exploitability(pi);
            double eSlow = slow.exploitability(pi);
            assertEquals(eSlow, eFast, 1e-11 * Math.abs(eSlow), g.name() + " exploitability");
            assertClose(slow.mu(), fast.mu(), g.name() + " mu");
            assertClose(slow.qValues(), fast.qValues(), g.name() + " Q^pi");
            assertClose(slow.bestQValues(), fast.bestQValues(), g.name() + " Q*");
            int len = pi.length;
            double[] q1 = new double[len], q2 = new double[len], p1 = new double[len], p2 = new double[len];
            double[] v1 = new double[fast.nT * fast.nS], v2 = new double[fast.nT * fast.nS];
            fast.softBestResponse(0.3, pi, q1, v1, p1);
            slow.softBestResponse(0.3, pi, q2, v2, p2);
            assertClose(q2, q1, g.name() + " soft Q");
            assertClose(p2, p1, g.name() + " soft policy");
        }
    }

    @Test
    void inconsistentFactoredTables_rejected() {
        CrowdRing ring = new CrowdRing();
        FactoredGame wrong = new FactoredGame() {
            @Override public String name() { return "wrong"; }
            @Override public int states() { return ring.states(); }
            @Override public int actions() { return ring.actions(); }
            @Override public int steps() { return ring.steps(); }
            @Override public int fanout() { return ring.fanout(); }
            @Override public double[] initialDistribution() { return ring.initialDistribution(); }
            @Override public boolean[] legal() { return ring.legal(); }
            @Override public int[] successors() { return ring.successors(); }
            @Override public boolean stationaryTransitions() { return true; }
            @Override public void transitions(int t, double[] mu, double[] prob, int off) { ring.transitions(t, mu, prob, off); }
            @Override public void rewards(double[] mu, double[] sa, double[] r) { ring.rewards(mu, sa, r); }
            @Override public int[] moves() {
                int[] m = ring.moves();
                m[4] = (m[4] + 1) % ring.states();
                return m;
            }
            @Override public int noiseFanout() { return ring.noiseFanout(); }
            @Override public int[] noiseSuccessors() { return ring.noiseSuccessors(); }
            @Override public double[] noiseProbabilities() { return ring.noiseProbabilities(); }
        };
        assertThrows(IllegalArgumentException.class, () -> new Evaluator(wrong));
    }
}
