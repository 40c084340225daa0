package org.mfgcal.calibrator.calibrate;

import java.util.ArrayList;
import java.util.List;
import org.mfgcal.calibrator.optim.Minimiser;
import org.mfgcal.calibrator.optim.Minimiser.Run;

/**
 * The game fit's search over κ on the search grid ({@link OutbreakFit}'s class notes, "Start"): κ = 0 from the ODE's
 * optimum, then κ = κ*·10^{j/2}, j = −6..3, each refined by L-BFGS from the best of the ODE optimum, the previous κ's
 * optimum and 27 epidemic-shaped points; the best κ (if it beats κ = 0 by more than rounding) refined at κ·10^{±1/4}.
 * Runs on construction; leaves the profile (κ, best 1 − R²), the candidates {κ, run} and the best κ. Not thread-safe
 * (it moves the game objective's κ).
 */
final class KappaSearch {
    /** (κ, best 1 − R² at κ) in the order evaluated. */
    final List<double[]> profile = new ArrayList<>();
    /** {κ, {@link Run}} on the search grid. */
    final List<Object[]> candidates = new ArrayList<>();
    Run best;
    double bestKappa;

    /** L-BFGS iterations of one start on the search grid. */
    static int iterations(int maxIterations) {
        return Math.min(maxIterations, 30);
    }

    /**
     * @param f             the counting objective of {@code gm}
     * @param gm            the game on the search grid (its κ is moved)
     * @param x0            the ODE's optimum, unconstrained
     * @param kStar         population / peak incidence
     * @param population    population behind the incidence
     * @param maxIterations L-BFGS iterations of the κ = 0 start
     */
    KappaSearch(OutbreakFit.Objective f, OutbreakFit.GameModel gm, double[] x0, double kStar, double population,
                int maxIterations) {
        // κ = 0: the game is the ODE; evaluated from the ODE's (search-grid) optimum.
        best = Minimiser.minimise(f, x0, maxIterations);
        bestKappa = 0;
        profile.add(new double[] {0, best.f()});
        double[] prev = best.x();
        int gridIter = iterations(maxIterations);
        // Epidemic-shaped starts (R0 > 1): the ODE's optimum can be a degenerate one (R0 < 1, a pure decline) when
        // the ODE cannot turn an outbreak over, which the game can do by distancing.
        List<double[]> starts = new ArrayList<>();
        for (double g : OutbreakFit.geom(0.1, 1.0, 3)) {
            for (double r0 : new double[] {1.5, 3, 6}) {
                for (double i : OutbreakFit.geom(Math.min(0.1 / population, 1e-3), 0.01, 3)) {
                    starts.add(OutbreakFit.unconstrained(r0 * g, g, i));
                }
            }
        }
        for (int j = -6; j <= 3; j++) {
            gm.kappa = kStar * Math.pow(10, j / 2.0);
            // start from the best of the ODE optimum, the previous κ's optimum (continuation) and the epidemic starts
            double[] start = x0;
            double fs = f.value(x0, null);
            double fp = f.value(prev, null);
            if (fp < fs) {
                start = prev;
                fs = fp;
            }
            for (double[] st : starts) {
                double v = f.value(st, null);
                if (v < fs) {
                    start = st;
                    fs = v;
                }
            }
            Run r = Minimiser.minimise(f, start, gridIter);
            profile.add(new double[] {gm.kappa, r.f()});
            candidates.add(new Object[] {gm.kappa, r});
            if (Double.isFinite(r.f())) {
                prev = r.x();
            }
            if (OutbreakFit.better(r.f(), best.f())) {
                best = r;
                bestKappa = gm.kappa;
            }
        }
        if (bestKappa > 0) {
            double center = bestKappa;
            for (double m : new double[] {Math.pow(10, -0.25), Math.pow(10, 0.25)}) {
                gm.kappa = center * m;
                Run r = Minimiser.minimise(f, best.x(), gridIter);
                profile.add(new double[] {gm.kappa, r.f()});
                candidates.add(new Object[] {gm.kappa, r});
                if (OutbreakFit.better(r.f(), best.f())) {
                    best = r;
                    bestKappa = gm.kappa;
                }
            }
        }
    }
}
