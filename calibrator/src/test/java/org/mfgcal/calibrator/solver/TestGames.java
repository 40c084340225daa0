package org.mfgcal.calibrator.solver;

import java.util.Random;
import org.mfgcal.calibrator.game.CyberGame;
import org.mfgcal.calibrator.game.EmissionsGame;
import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.game.SirGame;

/** Small instances of every built-in game with seeded inputs, shared by solver tests (test-jar). */
public final class TestGames {
    private TestGames() {
    }

    /** A game with a horizon, a grid, μ_0, γ and observations. */
    public record Instance(String label, Game game, double horizon, int steps, double damping, double[] mu0,
                           double[] gamma, double[] obs) {
        @Override
        public String toString() {
            return label;
        }
    }

    public static double[] dirichletOnes(Random rnd, int d) {
        double[] v = new double[d];
        double s = 0;
        for (int i = 0; i < d; i++) {
            v[i] = -Math.log(1 - rnd.nextDouble());
            s += v[i];
        }
        for (int i = 0; i < d; i++) {
            v[i] /= s;
        }
        return v;
    }

    /** Observations: a fixed random trajectory of distributions. */
    static double[] obs(Random rnd, int steps, int d) {
        double[] o = new double[steps * d];
        for (int n = 0; n < steps; n++) {
            System.arraycopy(dirichletOnes(rnd, d), 0, o, n * d, d);
        }
        return o;
    }

    /** γ_n = arc family of docs/MODEL.md §3 (b_min + 4(b_max − b_min)/T² · t(T − t)). */
    public static double[] arc(int steps, double horizon, double bMin, double bMax) {
        double[] g = new double[steps];
        double dt = horizon / (steps - 1);
        for (int n = 0; n < steps; n++) {
            double t = n * dt;
            g[n] = bMin + 4 * (bMax - bMin) / (horizon * horizon) * t * (horizon - t);
        }
        return g;
    }

    public static Instance lq(long seed, int d, int steps) {
        Random rnd = new Random(seed);
        LqGame.Params p = new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.3, 2.0, 100.0); // κ > 0 exercises ρ(μ)
        double[] gamma = new double[steps];
        for (int n = 0; n < steps; n++) {
            gamma[n] = 0.8 + 0.8 * rnd.nextDouble();
        }
        return new Instance("lq d=" + d, new LqGame(Graph.complete(d), p), 2.0, steps, 0.0, dirichletOnes(rnd, d),
                gamma, obs(rnd, steps, d));
    }

    public static Instance lqPower2(long seed) {
        Random rnd = new Random(seed);
        LqGame.Params p = new LqGame.Params(5.0, 0.2, 2, 1.0, 1.0, 0.0, 2.0, 100.0);
        double[] gamma = new double[40];
        for (int n = 0; n < 40; n++) {
            gamma[n] = 1.0 + 0.5 * rnd.nextDouble();
        }
        return new Instance("lq p=2", new LqGame(Graph.complete(4), p), 2.0, 40, 0.0, dirichletOnes(rnd, 4), gamma,
                obs(rnd, 40, 4));
    }

    public static Instance cyber(long seed) {
        Random rnd = new Random(seed);
        int steps = 60;
        double[] gamma = new double[steps * 8];
        for (int n = 0; n < steps; n++) {
            for (int k = 0; k < 8; k++) {
                gamma[n * 8 + k] = CyberGame.TRUTH[k] * (0.8 + 0.4 * rnd.nextDouble());
            }
        }
        return new Instance("cybersecurity", new CyberGame(CyberGame.Params.DEFAULTS), 10.0, steps, 0.5,
                dirichletOnes(rnd, 4), gamma, obs(rnd, steps, 4));
    }

    public static Instance sir(long seed, boolean learnCosts) {
        Random rnd = new Random(seed);
        int steps = 100;
        int p = learnCosts ? 4 : 2;
        double[] gamma = new double[steps * p];
        for (int n = 0; n < steps; n++) {
            gamma[n * p] = 0.4 + 0.1 * rnd.nextDouble();
            gamma[n * p + 1] = 0.1 + 0.05 * rnd.nextDouble();
            if (learnCosts) {
                gamma[n * p + 2] = 1.0 + 0.2 * rnd.nextDouble();
                gamma[n * p + 3] = 0.1 + 0.05 * rnd.nextDouble();
            }
        }
        double[] mu0 = {0.9, 0.1, 0.0};
        return new Instance(learnCosts ? "sir+costs" : "sir", new SirGame(SirGame.Params.DEFAULTS, learnCosts), 40.0,
                steps, 0.0, mu0, gamma, obs(rnd, steps, 3));
    }

    public static Instance mobility(long seed, int d, boolean interaction, Graph graph) {
        Random rnd = new Random(seed);
        int steps = 30;
        Graph g = graph == null ? Graph.complete(d) : graph;
        int e = g.edges();
        int p = interaction ? 2 * e : e;
        double[] gamma = new double[steps * p];
        for (int n = 0; n < steps; n++) {
            for (int k = 0; k < e; k++) {
                gamma[n * p + k] = 0.2 + rnd.nextDouble();
                if (interaction) {
                    gamma[n * p + e + k] = 0.3 * rnd.nextGaussian();
                }
            }
        }
        double[] wg = new double[d];
        for (int x = 0; x < d; x++) {
            wg[x] = 0.5 * rnd.nextDouble();
        }
        MobilityGame game = new MobilityGame(g, 0.8, 0.4, wg, interaction, null);
        return new Instance("mobility d=" + d + (interaction ? "+C" : "") + (graph == null ? "" : " sparse"), game, 1.0,
                steps, 0.0, dirichletOnes(rnd, d), gamma, obs(rnd, steps, d));
    }

    public static Instance emissions(long seed) {
        Random rnd = new Random(seed);
        int d = 10;
        int steps = 60;
        double[] gamma = new double[steps * 2];
        for (int n = 0; n < steps; n++) {
            gamma[n * 2] = 3.3 + 0.1 * rnd.nextDouble();
            gamma[n * 2 + 1] = 1.0 + 0.2 * rnd.nextDouble();
        }
        double[] mu0 = new double[d];
        mu0[0] = 0.5;
        mu0[1] = 0.3;
        mu0[2] = 0.2;
        return new Instance("emissions", new EmissionsGame(d, new EmissionsGame.Params(1.0, 2.0, true)), 6.0, steps,
                0.5, mu0, gamma, obs(rnd, steps, d));
    }
}
