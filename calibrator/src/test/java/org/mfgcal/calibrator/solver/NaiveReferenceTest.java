package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.game.CyberGame;
import org.mfgcal.calibrator.game.LqGame;

/**
 * The optimised solver against a naive transcription of docs/MODEL.md §1 (dense d×d matrices, the formulas as
 * written, division per entry, diagonal = −row sum for cybersecurity), at sizes the conformance vectors do not
 * cover. Reference scheme, Picard, reference stopping rule: the two must agree to rounding.
 */
class NaiveReferenceTest {
    static final double AGREE = 1e-10;

    /** Naive LQ: returns μ* (N×d) by the reference Picard rule. */
    static double[][] naiveLq(int d, int nT, double horizon, double[] mu0, double[] gamma, double tol, int maxIter) {
        double dt = horizon / (nT - 1);
        double base = 2, w = 1, c = 0.1, clip = 100;
        double[][] mu = new double[nT][];
        for (int n = 0; n < nT; n++) {
            mu[n] = mu0.clone();
        }
        for (int k = 1; k <= maxIter; k++) {
            double[][] u = new double[nT][d];
            for (int x = 0; x < d; x++) {
                u[nT - 1][x] = 5.0 * (d - 1 - x) + 1.0 * mu[nT - 1][x];
            }
            for (int n = nT - 2; n >= 0; n--) {
                double[][] a = lqRates(u[n + 1], gamma[n], d, base, w, clip);
                for (int x = 0; x < d; x++) {
                    double f = 0, h = 0;
                    for (int y = 0; y < d; y++) {
                        if (y != x) {
                            f += (a[x][y] - base) * (a[x][y] - base);
                            h += a[x][y] * (u[n + 1][y] - u[n + 1][x]);
                        }
                    }
                    f = w * gamma[n] * f + c * mu[n][x];
                    u[n][x] = u[n + 1][x] + dt * (f + h);
                }
            }
            double[][] nu = new double[nT][];
            nu[0] = mu0.clone();
            for (int n = 0; n < nT - 1; n++) {
                double[][] a = lqRates(u[n], gamma[n], d, base, w, clip);
                nu[n + 1] = kolmogorov(nu[n], a, dt);
            }
            double diff = 0;
            for (int n = 0; n < nT; n++) {
                for (int x = 0; x < d; x++) {
                    diff = Math.max(diff, Math.abs(nu[n][x] - mu[n][x]));
                }
            }
            mu = nu;
            if (diff <= tol && k >= 2) {
                break;
            }
        }
        return mu;
    }

    static double[][] lqRates(double[] u, double g, int d, double base, double w, double clip) {
        double[][] a = new double[d][d];
        for (int x = 0; x < d; x++) {
            for (int y = 0; y < d; y++) {
                if (y != x) {
                    a[x][y] = Math.min(Math.max(base - (u[y] - u[x]) / (2 * g * w), 0), clip);
                }
            }
        }
        return a;
    }

    static double[] kolmogorov(double[] m, double[][] a, double dt) {
        int d = m.length;
        double[] next = new double[d];
        for (int x = 0; x < d; x++) {
            double in = 0, out = 0;
            for (int y = 0; y < d; y++) {
                if (y != x) {
                    in += m[y] * a[y][x];
                    out += a[x][y];
                }
            }
            next[x] = m[x] + dt * (in - m[x] * out);
        }
        return next;
    }

    /** Naive cybersecurity with damping, dense Q with diagonal, Hamiltonian argmin per state. */
    static double[][] naiveCyber(int nT, double horizon, double[] mu0, double[] g, double damping, double tol) {
        double dt = horizon / (nT - 1);
        double kD = 0.3, kI = 0.5, lam = 0.8, vH = 0.6;
        double[] f0 = {kD + kI, kD, kI, 0};
        double[][] mu = new double[nT][];
        for (int n = 0; n < nT; n++) {
            mu[n] = mu0.clone();
        }
        for (int k = 1; k <= 1000; k++) {
            double[][] u = new double[nT][4];
            for (int n = nT - 2; n >= 0; n--) {
                double[][] q = cyberQ(u[n + 1], mu[n], g, n * 8, f0, lam, vH);
                for (int x = 0; x < 4; x++) {
                    double h = f0[x];
                    for (int y = 0; y < 4; y++) {
                        h += q[x][y] * u[n + 1][y];
                    }
                    u[n][x] = u[n + 1][x] + dt * h;
                }
            }
            double[][] nu = new double[nT][];
            nu[0] = mu0.clone();
            for (int n = 0; n < nT - 1; n++) {
                double[][] q = cyberQ(u[n], nu[n], g, n * 8, f0, lam, vH);
                nu[n + 1] = new double[4];
                for (int x = 0; x < 4; x++) {
                    double s = 0;
                    for (int y = 0; y < 4; y++) {
                        s += nu[n][y] * q[y][x];
                    }
                    nu[n + 1][x] = nu[n][x] + dt * s;
                }
            }
            double diff = 0;
            for (int n = 0; n < nT; n++) {
                for (int x = 0; x < 4; x++) {
                    double v = (1 - damping) * nu[n][x] + damping * mu[n][x];
                    diff = Math.max(diff, Math.abs(v - mu[n][x]));
                    nu[n][x] = v;
                }
            }
            mu = nu;
            if (diff <= tol && k >= 2) {
                break;
            }
        }
        return mu;
    }

    static double[][] cyberQ(double[] u, double[] m, double[] g, int o, double[] f0, double lam, double vH) {
        final int di = 0, ds = 1, ui = 2, us = 3;
        double[][] best = new double[4][];
        for (int x = 0; x < 4; x++) {
            double bestH = Double.POSITIVE_INFINITY;
            for (double alpha : new double[] {0, 1}) {
                double[][] q = new double[4][4];
                q[di][ds] = g[o];
                q[ds][di] = vH * g[o + 2] + g[o + 4] * m[di] + g[o + 7] * m[ui];
                q[ui][us] = g[o + 1];
                q[us][ui] = vH * g[o + 3] + g[o + 6] * m[ui] + g[o + 5] * m[di];
                q[di][ui] = q[ds][us] = q[ui][di] = q[us][ds] = alpha * lam;
                for (int r = 0; r < 4; r++) {
                    double s = 0;
                    for (int c = 0; c < 4; c++) {
                        if (c != r) {
                            s += q[r][c];
                        }
                    }
                    q[r][r] = -s;
                }
                double h = f0[x];
                for (int y = 0; y < 4; y++) {
                    h += q[x][y] * (u[y] - u[x]);
                }
                if (h < bestH) {
                    bestH = h;
                    best[x] = q[x];
                }
            }
        }
        return best;
    }

    static double[] flat(double[][] m) {
        int d = m[0].length;
        double[] out = new double[m.length * d];
        for (int n = 0; n < m.length; n++) {
            System.arraycopy(m[n], 0, out, n * d, d);
        }
        return out;
    }

    @Test
    void lqD32N1600_optimisedMatchesNaive() {
        int d = 32, nT = 1600;
        double[] gamma = TestGames.arc(nT, 2.0, 0.5, 3.0);
        double[] mu0 = TestGames.dirichletOnes(new java.util.Random(11), d);
        SolverOptions opt = SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD);
        Solution s = new EquilibriumSolver(new LqGame(d), 2.0, nT, opt).solve(mu0, gamma);
        Invariants.check(s, opt.tol(), 1e-12);
        double err = Invariants.relErr(s.mu(), flat(naiveLq(d, nT, 2.0, mu0, gamma, opt.tol(), opt.maxIter())));
        System.out.printf("lq d=32 N=1600: %d Picard iterations, rel err vs naive %.2e%n", s.iterations(), err);
        assertTrue(err <= AGREE, "rel err " + err);
    }

    @Test
    void lqD8N400_optimisedMatchesNaive() {
        int d = 8, nT = 400;
        double[] gamma = TestGames.arc(nT, 2.0, 0.1, 3.0);
        double[] mu0 = TestGames.dirichletOnes(new java.util.Random(12), d);
        SolverOptions opt = SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD);
        Solution s = new EquilibriumSolver(new LqGame(d), 2.0, nT, opt).solve(mu0, gamma);
        double err = Invariants.relErr(s.mu(), flat(naiveLq(d, nT, 2.0, mu0, gamma, opt.tol(), opt.maxIter())));
        assertTrue(err <= AGREE, "rel err " + err);
    }

    @Test
    void cyberN400_optimisedMatchesNaive() {
        int nT = 400;
        java.util.Random rnd = new java.util.Random(13);
        double[] g = new double[nT * 8];
        for (int i = 0; i < g.length; i++) {
            g[i] = CyberGame.TRUTH[i % 8] * (0.7 + 0.6 * rnd.nextDouble());
        }
        double[] mu0 = TestGames.dirichletOnes(rnd, 4);
        SolverOptions opt = SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD).withDamping(0.5);
        Solution s = new EquilibriumSolver(new CyberGame(CyberGame.Params.DEFAULTS), 10.0, nT, opt).solve(mu0, g);
        Invariants.check(s, opt.tol(), 1e-12);
        double err = Invariants.relErr(s.mu(), flat(naiveCyber(nT, 10.0, mu0, g, 0.5, opt.tol())));
        assertTrue(err <= AGREE, "rel err " + err);
    }
}
