package org.mfgcal.calibrator.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mfgcal.calibrator.solver.SolverOptions;
import org.mfgcal.calibrator.solver.SquaredLoss;

/**
 * Must-show 1: dL/dθ from the implicit adjoint + hand-written backpropagation against central finite differences of
 * the batch loss, for the pre-evaluated and the coupled network, on LQ (γθ(t, μ_t)) and on mobility (q table + the
 * interaction network C(t, μ)). Equilibria and adjoints are solved to 1e-13 so that the difference quotient
 * measures the derivative.
 */
class WeightGradientTest {
    static final double FD_TOL = 1e-6;
    static final double SOLVE_TOL = 1e-13;
    static final int CHECKED = 10;

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of("lq", false, "nd4j"), Arguments.of("lq", true, "nd4j"),
                Arguments.of("mobility", false, "nd4j"), Arguments.of("mobility", true, "nd4j"),
                Arguments.of("lq", true, "java"));
    }

    @ParameterizedTest(name = "{0} coupled={1} {2}")
    @MethodSource("cases")
    void weightGradient_matchesCentralDifferences(String game, boolean coupled, String backend) {
        Dataset data;
        ModelSpec spec;
        if ("lq".equals(game)) {
            data = Synthetic.generate("lq", 3, "arc", 1e-3, new int[] {2, 0, 0}, 11);
            spec = new ModelSpec("lq", Map.of(), data.stateNames(), data.horizon(), data.steps(), new String[] {"t"},
                    List.of(BlockSpec.neural(1, true, 0.6)), coupled, 0.0, backend);
        } else {
            data = mobilityData(4, 20, 2, 12);
            int e = 4 * 3;
            spec = new ModelSpec("mobility", Map.of("b", 1.0, "c", 0.3, "interaction", true), data.stateNames(),
                    data.horizon(), data.steps(), new String[] {"t"},
                    List.of(BlockSpec.table(e, 5, 0.0, 0.3), BlockSpec.interaction(e)), coupled, 0.0, backend);
        }
        SolverOptions tight = SolverOptions.DEFAULTS.withTolerances(SOLVE_TOL, SOLVE_TOL).withMaxIter(20000, 20000);
        Model m = Model.create(spec, 5).withOptions(tight);
        Random r = new Random(3);
        double[] th = m.theta();
        for (int i = 0; i < th.length; i++) {
            th[i] += 0.05 * r.nextGaussian(); // move off the symmetric initialisation
        }
        Sample[] batch = data.train().toArray(new Sample[0]);
        int nT = data.steps(), d = data.states();
        SquaredLoss[] losses = new SquaredLoss[batch.length];
        for (int i = 0; i < batch.length; i++) {
            losses[i] = new SquaredLoss(nT, d, 3 + i, nT / 2, null);
        }
        double[] grad = new double[th.length];
        Model.BatchResult res = m.gradient(batch, batch.length, losses, null, grad);
        assertEquals(0, res.notConverged());
        List<Integer> idx = new ArrayList<>();
        int largest = 0;
        for (int i = 1; i < grad.length; i++) {
            if (Math.abs(grad[i]) > Math.abs(grad[largest])) {
                largest = i;
            }
        }
        idx.add(largest);
        while (idx.size() < CHECKED) {
            idx.add(r.nextInt(grad.length));
        }
        double maxDiff = 0, maxRef = 0;
        for (int i : idx) {
            double v = th[i];
            double h = 1e-6 * Math.max(1, Math.abs(v));
            th[i] = v + h;
            double lp = batchLoss(m, batch, losses);
            th[i] = v - h;
            double lm = batchLoss(m, batch, losses);
            th[i] = v;
            double fd = (lp - lm) / (2 * h);
            maxDiff = Math.max(maxDiff, Math.abs(fd - grad[i]));
            maxRef = Math.max(maxRef, Math.abs(grad[i]));
        }
        double rel = maxDiff / maxRef;
        System.out.printf("%s coupled=%s %s: |grad|max %.3e, fd rel err %.2e%n", game, coupled, backend, maxRef, rel);
        assertTrue(maxRef > 0, "zero gradient on the checked weights");
        assertTrue(rel <= FD_TOL, "weight gradient vs finite differences: rel err " + rel);
    }

    private static double batchLoss(Model m, Sample[] batch, SquaredLoss[] losses) {
        double s = 0;
        for (int i = 0; i < batch.length; i++) {
            Model.Prediction pr = m.predict(batch[i], null);
            assertTrue(pr.solution().converged());
            s += losses[i].value(pr.solution().mu(), batch[i].obs());
        }
        return s / batch.length;
    }

    /** Random smooth share trajectories (not an equilibrium: the loss is then far from 0). */
    static Dataset mobilityData(int d, int steps, int count, long seed) {
        Random r = new Random(seed);
        List<Sample> out = new ArrayList<>();
        double[] time = new double[steps];
        for (int n = 0; n < steps; n++) {
            time[n] = (double) n / (steps - 1);
        }
        for (int i = 0; i < count; i++) {
            double[] obs = new double[steps * d];
            double[] ph = new double[d];
            for (int x = 0; x < d; x++) {
                ph[x] = 2 * Math.PI * r.nextDouble();
            }
            for (int n = 0; n < steps; n++) {
                double s = 0;
                for (int x = 0; x < d; x++) {
                    obs[n * d + x] = 1 + 0.5 * Math.sin(ph[x] + 3 * time[n]);
                    s += obs[n * d + x];
                }
                for (int x = 0; x < d; x++) {
                    obs[n * d + x] /= s;
                }
            }
            out.add(new Sample("m" + i, obs, time.clone(), null, null));
        }
        String[] names = new String[d];
        for (int x = 0; x < d; x++) {
            names[x] = "z" + x;
        }
        return new Dataset("mobility-test", steps, 1.0, names, new String[] {"t"}, null, out, List.of(), List.of(), List.of());
    }
}
