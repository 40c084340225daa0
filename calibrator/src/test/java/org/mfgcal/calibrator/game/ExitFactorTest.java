package org.mfgcal.calibrator.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The series forms of the exit factor ({@link ExitFactor#phiPoly}, {@link ExitFactor#dphiPoly}) against the Taylor
 * series summed to 35 terms in 50-digit decimal arithmetic (independent of both double implementations).
 */
class ExitFactorTest {
    private static final MathContext MC = new MathContext(50);

    /** φ(z) = Σ_k (−z)^k/(k+1)!, or φ'(z) = Σ_{k≥1} (−1)^k k z^{k−1}/(k+1)!, to 50 digits (|z| ≤ 0.5). */
    static double exact(double z, boolean derivative) {
        BigDecimal bz = new BigDecimal(z);
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal power = BigDecimal.ONE; // z^k (φ) or z^{k−1} (φ')
        BigDecimal fact = BigDecimal.ONE;  // (k+1)!
        for (int k = 0; k < 35; k++) {
            fact = fact.multiply(BigDecimal.valueOf(k + 1));
            if (!derivative) {
                BigDecimal term = power.divide(fact, MC);
                sum = k % 2 == 0 ? sum.add(term) : sum.subtract(term);
                power = power.multiply(bz, MC);
            } else if (k >= 1) {
                BigDecimal term = power.multiply(BigDecimal.valueOf(k)).divide(fact, MC);
                sum = k % 2 == 0 ? sum.add(term) : sum.subtract(term);
                power = power.multiply(bz, MC);
            }
        }
        return sum.doubleValue();
    }

    static double[] arguments() {
        Random rnd = new Random(15);
        double[] z = new double[600];
        for (int i = 0; i < z.length; i++) {
            z[i] = i < 251 ? i * 2e-3 : (i % 3 == 0 ? 1e-3 * rnd.nextDouble() : 0.5 * rnd.nextDouble());
        }
        z[1] = 1e-300;
        z[2] = 1e-9;
        z[3] = 0.5;
        z[4] = Math.nextDown(0.5);
        return z;
    }

    @Test
    void phiPoly_withinOneUlpOfTheSeries_onTheSeriesRange() {
        double worst = 0;
        double worstExpm1 = 0;
        for (double z : arguments()) {
            double e = exact(z, false);
            worst = Math.max(worst, Math.abs(ExitFactor.phiPoly(z) - e) / Math.ulp(e));
            worstExpm1 = Math.max(worstExpm1, Math.abs(ExitFactor.phi(z) - e) / Math.ulp(e));
        }
        System.out.printf("phiPoly max error %.2f ulp (expm1 form %.2f ulp)%n", worst, worstExpm1);
        assertTrue(worst <= 1, "phiPoly error " + worst + " ulp");
        assertEquals(1.0, ExitFactor.phiPoly(0.0));
    }

    @Test
    void dphiPoly_withinTwoUlpOfTheSeries_onTheSeriesRange() {
        double worst = 0;
        double worstClosed = 0;
        for (double z : arguments()) {
            double e = exact(z, true);
            worst = Math.max(worst, Math.abs(ExitFactor.dphiPoly(z) - e) / Math.ulp(e));
            worstClosed = Math.max(worstClosed, Math.abs(ExitFactor.dphi(z) - e) / Math.ulp(e));
        }
        System.out.printf("dphiPoly max error %.2f ulp (closed form %.3g ulp)%n", worst, worstClosed);
        assertTrue(worst <= 2, "dphiPoly error " + worst + " ulp");
        assertEquals(-0.5, ExitFactor.dphiPoly(0.0));
    }

    @Test
    void polyForms_areTheClosedFormsBeyondTheSeriesRange_andPropagateNaN() {
        for (double z : new double[] {Math.nextUp(0.5), 0.75, 3, 40, 1e6}) {
            assertEquals(ExitFactor.phi(z), ExitFactor.phiPoly(z), "z = " + z);
            assertEquals(ExitFactor.dphi(z), ExitFactor.dphiPoly(z), "z = " + z);
        }
        // Continuity at the switch: the two forms agree to a few ulp at 0.5.
        assertEquals(ExitFactor.phi(0.5), ExitFactor.phiPoly(0.5), 4 * Math.ulp(0.8));
        assertEquals(ExitFactor.dphi(0.5), ExitFactor.dphiPoly(0.5), 1e-14);
        assertTrue(Double.isNaN(ExitFactor.phiPoly(Double.NaN)));
        assertTrue(Double.isNaN(ExitFactor.dphiPoly(Double.NaN)));
    }

    @Test
    void phiFast_withinTwoUlpOfExpm1Form_andPropagatesNaN() {
        double worst = 0;
        for (int i = 0; i <= 200_000; i++) {
            double z = i * 1e-4; // 0 .. 20, both sides of the switch at 0.5
            double e = ExitFactor.phi(z);
            worst = Math.max(worst, Math.abs(ExitFactor.phiFast(z) - e) / Math.ulp(e));
        }
        for (double z : new double[] {40, 700, 1e6, 1e300}) {
            double e = ExitFactor.phi(z);
            worst = Math.max(worst, Math.abs(ExitFactor.phiFast(z) - e) / Math.ulp(e));
        }
        System.out.printf("phiFast max distance from the expm1 form %.2f ulp%n", worst);
        assertTrue(worst <= 2, "phiFast off by " + worst + " ulp");
        assertEquals(1.0, ExitFactor.phiFast(0.0));
        assertEquals(ExitFactor.phi(-3), ExitFactor.phiFast(-3));
        assertTrue(Double.isNaN(ExitFactor.phiFast(Double.NaN)));
    }
}
