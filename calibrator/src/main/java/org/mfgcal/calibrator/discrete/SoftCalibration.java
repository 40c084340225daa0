package org.mfgcal.calibrator.discrete;

import java.util.ArrayList;
import java.util.List;

/**
 * Fits the parameters θ of a {@link SmoothGame} so that its entropy-regularised equilibrium reproduces observed
 * data (docs/DISCRETE_GAMES.md §4): loss ℓ(θ) = Σ_i (o_i(θ) − data_i)² with o an {@link Observation} of the
 * equilibrium (the mean field, or link counts). Gradient and Gauss–Newton matrix come from the implicit sensitivities
 * of {@link SoftEquilibrium}; the minimiser is Levenberg–Marquardt with step halving, stopping when the relative
 * change of θ is below 1e-12 or the loss below 1e-26.
 *
 * <p>Not thread-safe (owns solver workspaces).
 */
public final class SoftCalibration {

    /** What is observed of an equilibrium: a vector o(μ, L) and its tangent. */
    public interface Observation {
        String name();

        int size(SmoothGame g);

        /** o(μ, L) into {@code out} (modified). */
        void observe(SmoothGame g, double[] mu, double[] sa, double[] out);

        /** Tangent do = ∂o/∂μ·dmu + ∂o/∂L·dsa into {@code out} (modified). */
        void tangent(SmoothGame g, double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out);
    }

    /** The full mean field μ_t(x) (population data). */
    public static Observation meanField() {
        return new Observation() {
            @Override
            public String name() {
                return "mean-field";
            }

            @Override
            public int size(SmoothGame g) {
                return g.steps() * g.states();
            }

            @Override
            public void observe(SmoothGame g, double[] mu, double[] sa, double[] out) {
                System.arraycopy(mu, 0, out, 0, mu.length);
            }

            @Override
            public void tangent(SmoothGame g, double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
                System.arraycopy(dmu, 0, out, 0, dmu.length);
            }
        };
    }

    /** Link counts of a subset of links (indices into {@link RoutingGame#links()}, in the order given). */
    public static Observation linkCounts(int[] subset) {
        int[] idx = subset.clone();
        return new Observation() {
            @Override
            public String name() {
                return "link-counts";
            }

            @Override
            public int size(SmoothGame g) {
                return idx.length;
            }

            @Override
            public void observe(SmoothGame g, double[] mu, double[] sa, double[] out) {
                double[] f = ((RoutingGame) g).linkFlows(sa);
                for (int i = 0; i < idx.length; i++) {
                    out[i] = f[idx[i]];
                }
            }

            @Override
            public void tangent(SmoothGame g, double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
                observe(g, dmu, dsa, out);
            }
        };
    }

    /** Link counts (volumes) of a routing game: F_e = D Σ_t L_t(x, e), one per link. */
    public static Observation linkCounts() {
        return new Observation() {
            @Override
            public String name() {
                return "link-counts";
            }

            @Override
            public int size(SmoothGame g) {
                return ((RoutingGame) g).links().size();
            }

            @Override
            public void observe(SmoothGame g, double[] mu, double[] sa, double[] out) {
                double[] f = ((RoutingGame) g).linkFlows(sa);
                System.arraycopy(f, 0, out, 0, f.length);
            }

            @Override
            public void tangent(SmoothGame g, double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
                double[] f = ((RoutingGame) g).linkFlows(dsa);
                System.arraycopy(f, 0, out, 0, f.length);
            }
        };
    }

    /** Loss, gradient and observation Jacobian at one θ. */
    public record Evaluation(double[] theta, double loss, double[] gradient, double[] observed, double[][] jacobian,
                             double[] policy) {
    }

    /** Result of a fit: θ per iteration, loss per iteration. */
    public record Fit(double[] theta, double loss, int iterations, List<double[]> thetaHistory, List<Double> lossHistory,
                      double[] observed) {
    }

    private final SmoothGame template;
    private final double tau;
    private final Observation obs;
    private final double[] data;

    public SoftCalibration(SmoothGame template, double tau, Observation obs, double[] data) {
        this.template = template;
        this.tau = tau;
        this.obs = obs;
        this.data = data.clone();
        if (data.length != obs.size(template)) {
            throw new IllegalArgumentException(obs.name() + ": " + data.length + " values given, expected "
                    + obs.size(template));
        }
    }

    /** o(θ): the observation of the regularised equilibrium at θ. */
    public double[] observe(double[] theta) {
        SmoothGame g = template.withParameters(theta);
        SoftEquilibrium eq = new SoftEquilibrium(g, tau);
        eq.solve(null);
        double[] o = new double[obs.size(g)];
        obs.observe(g, eq.mu(), eq.stateAction(), o);
        return o;
    }

    /** Loss only (for finite-difference checks). */
    public double loss(double[] theta) {
        double[] o = observe(theta);
        double l = 0;
        for (int i = 0; i < o.length; i++) {
            double d = o[i] - data[i];
            l += d * d;
        }
        return l;
    }

    /** Loss, implicit gradient and observation Jacobian at θ (warm start from {@code warm} when not null). */
    public Evaluation evaluate(double[] theta, double[] warm) {
        SmoothGame g = template.withParameters(theta);
        SoftEquilibrium eq = new SoftEquilibrium(g, tau);
        double[] pol = eq.solve(warm);
        double[] mu = eq.mu();
        double[] sa = eq.stateAction();
        int m = obs.size(g);
        double[] o = new double[m];
        obs.observe(g, mu, sa, o);
        double[][] sens = eq.sensitivities();
        int p = theta.length;
        double[][] jac = new double[p][m];
        int nMu = mu.length;
        double[] dmu = new double[nMu];
        double[] dsa = new double[sa.length];
        for (int j = 0; j < p; j++) {
            System.arraycopy(sens[j], 0, dmu, 0, nMu);
            System.arraycopy(sens[j], nMu, dsa, 0, sa.length);
            obs.tangent(g, mu, sa, dmu, dsa, jac[j]);
        }
        double loss = 0;
        double[] grad = new double[p];
        for (int i = 0; i < m; i++) {
            double d = o[i] - data[i];
            loss += d * d;
            for (int j = 0; j < p; j++) {
                grad[j] += 2 * d * jac[j][i];
            }
        }
        return new Evaluation(theta.clone(), loss, grad, o, jac, pol);
    }

    /** Levenberg–Marquardt from θ_0, at most {@code maxIter} accepted steps. */
    public Fit fit(double[] theta0, int maxIter) {
        double[] theta = theta0.clone();
        Evaluation ev = evaluate(theta, null);
        List<double[]> th = new ArrayList<>();
        List<Double> ls = new ArrayList<>();
        th.add(theta.clone());
        ls.add(ev.loss());
        double lambda = 1e-3;
        int p = theta.length;
        int it = 0;
        while (it < maxIter && ev.loss() > 1e-26) {
            int m = ev.observed().length;
            double[] a = new double[p * p];
            double[] b = new double[p];
            for (int i = 0; i < p; i++) {
                for (int j = 0; j < p; j++) {
                    double s = 0;
                    for (int k = 0; k < m; k++) {
                        s += ev.jacobian()[i][k] * ev.jacobian()[j][k];
                    }
                    a[i * p + j] = s;
                }
                b[i] = -0.5 * ev.gradient()[i];
            }
            boolean accepted = false;
            for (int tries = 0; tries < 30 && !accepted; tries++) {
                double[] aa = a.clone();
                double[] bb = b.clone();
                for (int i = 0; i < p; i++) {
                    aa[i * p + i] += lambda * Math.max(a[i * p + i], 1e-12);
                }
                DenseLinear.solve(aa, p, bb, 1);
                double[] cand = new double[p];
                double change = 0;
                for (int i = 0; i < p; i++) {
                    cand[i] = theta[i] + bb[i];
                    change = Math.max(change, Math.abs(bb[i]) / Math.max(1e-12, Math.abs(theta[i])));
                }
                Evaluation ce;
                try {
                    ce = evaluate(cand, ev.policy());
                } catch (IllegalArgumentException | IllegalStateException bad) {
                    lambda *= 10;
                    continue;
                }
                if (ce.loss() <= ev.loss()) {
                    accepted = true;
                    theta = cand;
                    ev = ce;
                    lambda = Math.max(lambda / 10, 1e-12);
                    it++;
                    th.add(theta.clone());
                    ls.add(ev.loss());
                    if (change < 1e-12) {
                        return new Fit(theta, ev.loss(), it, th, ls, ev.observed());
                    }
                } else {
                    lambda *= 10;
                }
            }
            if (!accepted) {
                break;
            }
        }
        return new Fit(theta, ev.loss(), it, th, ls, ev.observed());
    }

    /** Default temperatures used for calibration (docs/DISCRETE_GAMES.md §4). */
    public static double defaultTemperature(String game) {
        return switch (game) {
            case "braess" -> 0.1;
            case "sis" -> 0.05;
            default -> 0.2;
        };
    }
}
