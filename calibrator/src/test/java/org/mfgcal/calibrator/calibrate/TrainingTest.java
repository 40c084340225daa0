package org.mfgcal.calibrator.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.calibrator.optim.Adam;

/** Optimiser, noise, penalty and trainer mechanics, each against independently computed values. */
class TrainingTest {

    @Test
    void adam_firstTwoSteps_matchHandComputedValues() {
        Adam a = new Adam(2, 0.1);
        double[] th = {1.0, -2.0};
        a.step(th, new double[] {0.5, -4.0});
        // step 1: m̂ = g, v̂ = g² → Δ = −lr·g/(|g| + ε)
        assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8), th[0], 1e-15);
        assertEquals(-2.0 + 0.1 * 4.0 / (4.0 + 1e-8), th[1], 1e-15);
        a.step(th, new double[] {0.25, 0.0});
        double m = 0.9 * 0.05 + 0.1 * 0.25, v = 0.999 * 0.00025 + 0.001 * 0.0625;
        double mh = m / (1 - 0.81), vh = v / (1 - 0.999 * 0.999);
        assertEquals(1.0 - 0.1 * 0.5 / (0.5 + 1e-8) - 0.1 * mh / (Math.sqrt(vh) + 1e-8), th[0], 1e-14);
        assertEquals(2, a.steps());
    }

    @Test
    void dirichletNoise_hasTheReferenceMeanAndVariance() {
        Random r = new Random(5);
        double[] mu = {0.2, 0.3, 0.5};
        double noise = 0.01; // κ = 100
        int draws = 20000;
        double[] sum = new double[3], sq = new double[3];
        for (int i = 0; i < draws; i++) {
            double[] o = Noise.observe(r, mu, 1, 3, noise);
            for (int x = 0; x < 3; x++) {
                sum[x] += o[x];
                sq[x] += o[x] * o[x];
            }
        }
        for (int x = 0; x < 3; x++) {
            double mean = sum[x] / draws, var = sq[x] / draws - mean * mean;
            double a0 = 100 * (1 + 3e-6);
            double expVar = mu[x] * (1 - mu[x]) / (a0 + 1); // Dirichlet variance
            assertEquals(mu[x], mean, 4 * Math.sqrt(expVar / draws));
            assertEquals(expVar, var, 0.05 * expVar);
        }
        assertArrayEquals(mu, Noise.observe(r, mu, 1, 3, 0), 0.0);
    }

    @Test
    void tablePenalty_gradientMatchesFiniteDifferences() {
        TableParameterisation t = new TableParameterisation(2, 10, 5, true, 0.1, 0.3);
        Random r = new Random(2);
        double[] th = new double[t.size()];
        for (int i = 0; i < th.length; i++) {
            th[i] = r.nextGaussian();
        }
        double[] g = new double[th.length];
        t.penalty(th, g);
        for (int i = 0; i < th.length; i++) {
            double[] p = th.clone(), m = th.clone();
            p[i] += 1e-6;
            m[i] -= 1e-6;
            double fd = (t.penalty(p, new double[th.length]) - t.penalty(m, new double[th.length])) / 2e-6;
            assertEquals(fd, g[i], 1e-7);
        }
    }

    @Test
    void tableGamma_isSoftplusOfItsBin() {
        TableParameterisation t = new TableParameterisation(1, 10, 2, true, 0.1, 0);
        double[] th = {0.0, 1.0};
        double[] g = new double[20];
        t.gamma(th, new Parameterisation.Inputs[2], 2, g);
        assertEquals(Math.log(2) + 0.1, g[0], 1e-15);
        assertEquals(Math.log(1 + Math.E) + 0.1, g[9], 1e-15);
        assertEquals(g[9], g[19], 0.0);
    }

    @Test
    void trainer_constantLq_recoversTruthOnSmallRun() {
        Dataset ds = Synthetic.generate("lq", 3, "constant", 0, new int[] {20, 4, 4}, 3);
        ModelSpec spec = new ModelSpec("lq", Map.of(), ds.stateNames(), ds.horizon(), ds.steps(), new String[] {"t"},
                List.of(BlockSpec.constant(1, 1.3)), false, 0.0, "nd4j");
        Model m = Model.create(spec, 0);
        TrainingConfig cfg = TrainingConfig.DEFAULTS.withEpochs(40).withBatch(5).withWindow(1.0);
        Trainer.Result r = new Trainer(new TrainingConfig(40, 5, 0.02, 0, 1.0, 1), null).train(m, ds);
        double g = m.gamma(ds.test().get(0))[0];
        assertTrue(Math.abs(g - Synthetic.LQ_CONSTANT) / Synthetic.LQ_CONSTANT < 0.02, "fitted γ " + g);
        assertTrue(r.bestValidation() < r.validation()[0], "validation improved");
        assertEquals(40, r.trainLoss().length);
        assertEquals(0.2, cfg.windowFraction() * 0 + TrainingConfig.DEFAULTS.windowFraction());
        assertEquals(20, TrainingConfig.DEFAULTS.window(100));
    }

    @Test
    void savedModel_reloadsToTheSamePrediction(@TempDir Path tmp) throws Exception {
        Dataset ds = Synthetic.generate("lq", 3, "arc", 1e-3, new int[] {2, 0, 0}, 4);
        ModelSpec spec = new ModelSpec("lq", Map.of(), ds.stateNames(), ds.horizon(), ds.steps(), new String[] {"t"},
                List.of(BlockSpec.neural(1, true, 1.0)), false, 0.0, "nd4j");
        Model m = Model.create(spec, 9);
        Path f = tmp.resolve("model.json");
        m.save(f, new Adam(m.theta().length).state());
        Model back = Model.load(f);
        assertArrayEquals(m.theta(), back.theta(), 0.0);
        assertArrayEquals(m.predict(ds.train().get(0), null).solution().mu(),
                back.predict(ds.train().get(0), null).solution().mu(), 0.0);
    }
}
