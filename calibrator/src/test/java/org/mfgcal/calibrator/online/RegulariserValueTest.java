package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link RateTable#regulariserValue} (the value-only evaluations' regulariser) against the value of
 * {@link RateTable#regulariser(double[], double[])} bit for bit, and against a plain sum of its terms.
 */
class RegulariserValueTest {
    @Test
    void valueOnlyEqualsTheValueWithGradient() {
        SplittableRandom r = new SplittableRandom(15);
        final int w = 7;
        final int edges = 13;
        RateTable t = new RateTable(w, edges, 0.7, 0.3, Math.log(0.05));
        double[] priors = new double[(w - 1) * edges];
        for (int i = 0; i < w - 1; i++) {
            double[] row = new double[edges];
            for (int e = 0; e < edges; e++) {
                row[e] = r.nextDouble(-5, 1);
                priors[i * edges + e] = row[e];
            }
            t.setPriorRow(i, row);
        }
        double[] theta = new double[t.size()];
        for (int trial = 0; trial < 20; trial++) {
            for (int i = 0; i < theta.length; i++) {
                theta[i] = r.nextDouble(-6, 2);
            }
            double[] g = new double[theta.length];
            double withGradient = t.regulariser(theta, g);
            assertEquals(withGradient, t.regulariserValue(theta), 0.0);
            // Independent: ½λ_p Σ (θ − prior)² + ½λ_s Σ (θ_r − θ_{r−1})², the prior rows as set above.
            double expected = 0;
            for (int i = 0; i < theta.length; i++) {
                final double p = priors[i];
                expected += 0.5 * 0.3 * (theta[i] - p) * (theta[i] - p);
            }
            for (int i = edges; i < theta.length; i++) {
                expected += 0.5 * 0.7 * (theta[i] - theta[i - edges]) * (theta[i] - theta[i - edges]);
            }
            assertEquals(expected, t.regulariserValue(theta), 1e-12 * Math.abs(expected));
        }
    }
}
