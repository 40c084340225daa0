package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The series form of the flow-shift 1-D solves (issue 14 sixth round, docs/DISCRETE_GAMES.md §3): checked against
 * the exact logarithms, inside and outside the series range.
 */
class ShiftSolvesTest {
    private static final CrowdModelling2d GAME = CrowdModelling2d.fourRooms();

    @Test
    void seriesHelpers_matchMathWithinRange() {
        for (double r = -1e-2; r <= 1e-2; r += 1e-4) {
            assertEquals(Math.log1p(r), ShiftSolves.log1p(r), 2e-13 * Math.abs(r) + 1e-18, "log1p " + r);
            assertEquals(1 / (1 + r), ShiftSolves.inv1p(r), 2e-14, "inv1p " + r);
        }
    }

    /** f(δ) = gap − Σ_j d_j log1p(δ d_j/(μ_j + ε)) with Math.log1p (g = −log(m + ε) in four-rooms). */
    private static double f(double gap, double d, int nz, ShiftSolves s, double[] mun) {
        double v = gap;
        for (int j = 0; j < nz; j++) {
            v -= s.ds[j] * Math.log1p(d * s.ds[j] / (mun[s.ys[j]] + CrowdModelling2d.EPS));
        }
        return v;
    }

    @Test
    void shift_rootOfExactEquation_seriesAndExactRanges() {
        Random rnd = new Random(7);
        int series = 0;
        for (int trial = 0; trial < 2000; trial++) {
            double[] mun = new double[20];
            double[] gn = new double[20];
            ShiftSolves s = new ShiftSolves(GAME, 10, mun, gn);
            assertEquals(1.0, s.logC);
            int nz = 2 + rnd.nextInt(8);
            double sum = 0;
            for (int j = 0; j < nz; j++) {
                s.ys[j] = j;
                mun[j] = Math.pow(10, -1 - 3 * rnd.nextDouble());
                gn[j] = GAME.crowdReward(mun[j]);
                s.ds[j] = j < nz - 1 ? 0.2 * (rnd.nextDouble() - 0.5) : -sum;
                sum += s.ds[j];
            }
            double c1 = 0;
            double amax = 0;
            for (int j = 0; j < nz; j++) {
                c1 += s.ds[j] * s.ds[j] / mun[j];
                amax = Math.max(amax, Math.abs(s.ds[j]) / mun[j]);
            }
            // the root is near gap / C_1: mostly inside the series range, sometimes beyond it or beyond avail
            double target = Math.pow(10, -1 - 4 * rnd.nextDouble()) / amax;
            double gap = target * c1;
            double avail = target * (0.5 + 2 * rnd.nextDouble());
            double d = s.shift(gap, avail, nz);
            assertTrue(d >= 0 && d <= avail);
            double fd = f(gap, d, nz, s, mun);
            double tol = 1e-9 * gap + 1e-15 * Math.abs(sum);
            for (int j = 0; j < nz; j++) {
                tol += 1e-15 * Math.abs(s.ds[j] * GAME.crowdReward(mun[j])); // round-off of the exact path's log differences
            }
            if (d < avail) {
                assertEquals(0.0, fd, tol, "trial " + trial);
            } else {
                assertTrue(fd >= -tol, "trial " + trial + " f(avail) " + fd);
            }
            series += d * amax <= ShiftSolves.SERIES_R ? 1 : 0;
        }
        assertTrue(series > 500 && series < 2000, "series-range solves " + series);
    }
}
