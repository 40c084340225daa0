package org.mfgcal.calibrator.calibrate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mfgcal.calibrator.game.CyberGame;
import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Games;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Synthetic recovery data (docs/MODEL.md §3–4): μ_0 ~ Dirichlet(1), the equilibrium under a ground-truth γ, observed
 * through Dirichlet noise κ = 1/noise. Truths: LQ {@code constant} (1.55), {@code arc}
 * (b_min + 4(b_max − b_min)t(T − t)/T²) and {@code mfdep} (b_min + (b_max − b_min)·μ_t(0), solved as a coupled
 * equilibrium), b_min = 0.1, b_max = 3; SIR {@code constant} [β, γ_rec] = {@link #SIR_TRUTH}; cybersecurity
 * {@code constant} = {@link CyberGame#TRUTH}. Each sample carries its true γ path and the μ* the true parameters
 * predict from the sample's own (noisy) μ^obs_0 — the noise floor of the test metric.
 */
public final class Synthetic {
    public static final double B_MIN = 0.1, B_MAX = 3.0, LQ_CONSTANT = 1.55;
    /** SIR ground truth [β, γ_rec] of the synthetic recovery runs. */
    public static final double[] SIR_TRUTH = {0.5, 0.1};

    private Synthetic() {
    }

    /** Grid of a game: {T, N, damping}. */
    public static double[] grid(String game) {
        return switch (game) {
            case "lq" -> new double[] {2.0, 100, 0.0};
            case "sir" -> new double[] {40.0, 100, 0.0};
            case "cybersecurity" -> new double[] {10.0, 100, 0.5};
            default -> throw new IllegalArgumentException("--game " + game + ": synthetic data exist for lq, sir, cybersecurity");
        };
    }

    public static int defaultStates(String game) {
        return switch (game) {
            case "sir" -> 3;
            case "cybersecurity" -> 4;
            default -> 3;
        };
    }

    public static String[] stateNames(String game, int d) {
        return switch (game) {
            case "sir" -> new String[] {"S", "I", "R"};
            case "cybersecurity" -> new String[] {"DI", "DS", "UI", "US"};
            default -> {
                String[] s = new String[d];
                for (int x = 0; x < d; x++) {
                    s[x] = "x" + x;
                }
                yield s;
            }
        };
    }

    /**
     * @param truth   constant | arc | mfdep (mfdep and arc: LQ only)
     * @param counts  {train, validation, test}
     */
    public static Dataset generate(String game, int d, String truth, double noise, int[] counts, long seed) {
        double[] gr = grid(game);
        double horizon = gr[0];
        int nT = (int) gr[1];
        Game g = Games.create(game, Map.of(), d);
        int p = g.paramsPerStep();
        if (!"lq".equals(game) && !"constant".equals(truth)) {
            throw new IllegalArgumentException("--truth " + truth + ": only the constant truth exists for " + game);
        }
        SolverOptions opt = SolverOptions.DEFAULTS.withDamping(gr[2]).withTolerances(1e-10, 1e-10).withMaxIter(5000, 5000);
        EquilibriumSolver solver = new EquilibriumSolver(g, horizon, nT, opt);
        EquilibriumSolver coupled = new EquilibriumSolver(g, horizon, nT, opt);
        double[] fixed = null;
        EquilibriumSolver.Field field = null;
        switch (truth) {
            case "constant" -> {
                double[] c = switch (game) {
                    case "lq" -> new double[] {LQ_CONSTANT};
                    case "sir" -> SIR_TRUTH;
                    default -> CyberGame.TRUTH;
                };
                fixed = new double[nT * p];
                for (int n = 0; n < nT; n++) {
                    System.arraycopy(c, 0, fixed, n * p, p);
                }
            }
            case "arc" -> {
                fixed = new double[nT];
                double dt = horizon / (nT - 1);
                for (int n = 0; n < nT; n++) {
                    double t = n * dt;
                    fixed[n] = B_MIN + 4 * (B_MAX - B_MIN) / (horizon * horizon) * t * (horizon - t);
                }
            }
            case "mfdep" -> field = new EquilibriumSolver.Field() {
                @Override
                public void gamma(double[] muHat, double[] gamma) {
                    for (int n = 0; n < nT; n++) {
                        gamma[n] = B_MIN + (B_MAX - B_MIN) * Math.max(0, muHat[n * d]);
                    }
                }

                @Override
                public void muVjp(double[] muHat, double[] gammaBar, double[] muHatBar) {
                    for (int n = 0; n < nT; n++) {
                        muHatBar[n * d] += (B_MAX - B_MIN) * gammaBar[n];
                    }
                }
            };
            default -> throw new IllegalArgumentException("--truth " + truth + ": expected constant, arc or mfdep");
        }
        Random rnd = new Random(seed);
        double[] ones = new double[d];
        java.util.Arrays.fill(ones, 1.0);
        List<List<Sample>> splits = new ArrayList<>();
        String[] names = {"train", "val", "test"};
        double[] time = new double[nT];
        for (int n = 0; n < nT; n++) {
            time[n] = (double) n / (nT - 1);
        }
        for (int si = 0; si < 3; si++) {
            List<Sample> out = new ArrayList<>();
            for (int i = 0; i < counts[si]; i++) {
                double[] mu0 = new double[d];
                Noise.dirichlet(rnd, ones, mu0, 0);
                Solution clean;
                double[] gTrue;
                if (field != null) {
                    clean = coupled.solve(mu0, field, null);
                    gTrue = coupled.lastGamma();
                } else {
                    clean = solver.solve(mu0, fixed, null);
                    gTrue = fixed;
                }
                if (!clean.converged()) {
                    throw new IllegalStateException("synthetic " + game + "/" + truth + ": equilibrium " + i + " did not converge");
                }
                double[] obs = Noise.observe(rnd, clean.mu(), nT, d, noise);
                double[] obs0 = java.util.Arrays.copyOf(obs, d);
                double[] floorMu = noise > 0
                        ? (field != null ? coupled.solve(obs0, field, clean.mu()).mu() : solver.solve(obs0, fixed, clean.mu()).mu())
                        : clean.mu();
                out.add(new Sample(names[si] + "-" + i, obs, time.clone(), gTrue.clone(), floorMu));
            }
            splits.add(out);
        }
        return new Dataset(game + "-" + truth + "-noise" + noise, nT, horizon, stateNames(game, d), new String[] {"t"},
                null, splits.get(0), splits.get(1), splits.get(2), List.of());
    }
}
