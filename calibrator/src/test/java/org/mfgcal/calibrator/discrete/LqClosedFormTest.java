package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * MFGLib's linear_quadratic game against the closed form of the discrete-time LQ mean field game
 * (docs/DISCRETE_GAMES.md §5.6). The closed form is computed here from the Riccati recursion, independently of the
 * game's transition table and of the evaluator: mean m_t = m_0, value V_t(x) = −P_t (x − m_0)²/2 − C_t, feedback
 * u_t = g_t (m_0 − x). It is exact for the MFGLib dynamics when rounding and clamping never act on the equilibrium
 * path: Δ = 1, σ = 1, k = 0 (integer successors x + u + j), q = 1 (integer gain g = 1), ℓ and m large enough.
 */
class LqClosedFormTest {
    static final int T = 3;
    static final int EL = 8;
    static final int M = 6;
    static final double SIGMA = 1;
    static final double DELTA = 1;
    static final double K = 0;
    static final double Q = 1;
    static final double KAPPA = 2;
    static final double C_TERM = 1.5;
    static final int M0 = 1;

    static double[] mu0() {
        double[] d = new double[2 * EL + 1];
        for (int x : new int[] {-1, 0, 1, 2, 3}) {
            d[x + EL] = 0.2; // mean 1
        }
        return d;
    }

    /** Riccati recursion of the discrete-time LQ game with a centred noise of variance v. */
    static final class ClosedForm {
        final double[] p = new double[T + 1];
        final double[] c = new double[T + 1];
        final double[] g = new double[T];

        ClosedForm() {
            double z = 0;
            double v = 0;
            for (int j = -3; j <= 3; j++) {
                double w = Math.exp(-0.5 * (j * SIGMA) * (j * SIGMA));
                double jump = SIGMA * (j * SIGMA) * Math.sqrt(DELTA);
                z += w;
                v += w * jump * jump;
            }
            v /= z;
            p[T] = C_TERM;
            c[T] = 0;
            double a = 1 - K * DELTA;
            for (int t = T - 1; t >= 0; t--) {
                // maximise Δ(−u²/2 + q u d − κ d²/2) − P (uΔ − a d)²/2 − P v/2 − C over u, d = m − x
                double pn = p[t + 1];
                g[t] = (Q + pn * a) / (1 + pn * DELTA);
                p[t] = DELTA * (g[t] * g[t] - 2 * Q * g[t] + KAPPA) + pn * (g[t] * DELTA - a) * (g[t] * DELTA - a);
                c[t] = c[t + 1] + 0.5 * pn * v;
            }
        }
    }

    @Test
    void closedFormPolicy_isExactEquilibrium_meanConstant_valueQuadratic() {
        LinearQuadratic game = new LinearQuadratic(T, EL, M, SIGMA, DELTA, K, Q, KAPPA, C_TERM, mu0());
        ClosedForm cf = new ClosedForm();
        int nS = game.states();
        int nA = game.actions();
        double[] pi = new double[game.steps() * nS * nA];
        for (int t = 0; t < game.steps(); t++) {
            for (int x = -EL; x <= EL; x++) {
                double u = t < T ? cf.g[t] * (M0 - x) : 0;
                int a = (int) Math.max(-M, Math.min(M, Math.round(u)));
                pi[(t * nS + x + EL) * nA + a + M] = 1;
            }
        }
        Evaluator ev = new Evaluator(game);
        double e = ev.exploitability(pi);
        assertEquals(0.0, e, 1e-12, "exploitability of the closed-form feedback");
        for (int t = 0; t < game.steps(); t++) {
            assertEquals(M0, game.mean(ev.mu(), t), 1e-12, "mean at t=" + t);
            for (int x = -EL; x <= EL; x++) {
                if (ev.mu()[t * nS + x + EL] > 0) {
                    double d = x - M0;
                    double expected = -0.5 * cf.p[t] * d * d - cf.c[t];
                    assertEquals(expected, ev.value()[t * nS + x + EL], 1e-12, "V at t=" + t + " x=" + x);
                    assertEquals(expected, ev.bestValue()[t * nS + x + EL], 1e-12, "V* at t=" + t + " x=" + x);
                }
            }
        }
    }

    @Test
    void solvedEquilibrium_matchesClosedForm() {
        LinearQuadratic game = new LinearQuadratic(T, EL, M, SIGMA, DELTA, K, Q, KAPPA, C_TERM, mu0());
        ClosedForm cf = new ClosedForm();
        SolveResult r = new DiscreteSolver(game, DiscreteGames.options("lq", Algorithm.ANDERSON))
                .solve(Algorithm.ANDERSON);
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
        int nS = game.states();
        int nA = game.actions();
        for (int t = 0; t < game.steps(); t++) {
            assertEquals(M0, game.mean(r.mu(), t), 1e-6, "mean at t=" + t);
            if (t == T) {
                continue;
            }
            for (int x = -EL; x <= EL; x++) {
                if (r.mu()[t * nS + x + EL] > 1e-3) {
                    double drift = 0;
                    for (int a = 0; a < nA; a++) {
                        drift += r.policy()[(t * nS + x + EL) * nA + a] * (a - M);
                    }
                    assertEquals(cf.g[t] * (M0 - x), drift, 1e-6, "drift at t=" + t + " x=" + x);
                }
            }
        }
    }
}
