package org.mfgcal.calibrator.discrete;

/**
 * MFGLib's {@code linear_quadratic} (docs/DISCRETE_GAMES.md §5.6): states x ∈ {−ℓ..ℓ}, actions u ∈ {−m..m}, MFGLib
 * horizon T (T+1 decision steps). With the mean m_t = Σ x μ_t(x), the next state is
 * round(x + (k (m_t − x) + u) Δ + σ ε √Δ) clamped to [−ℓ, ℓ], ε ∈ σ·{−3..3} with weights ∝ exp(−ε²/2) (round half to
 * even, as torch.round); reward (−u²/2 + q u (m_t − x) − κ (m_t − x)²/2) Δ for t &lt; T and −c (m_t − x)²/2 at t = T.
 * Defaults T = 3, ℓ = 5, m = 2, σ = 3, Δ = 0.1, k = 1, q = 0.01, κ = 0.5, c = 1, μ_0 uniform. Immutable.
 */
public final class LinearQuadratic implements DiscreteGame {
    final int horizonT, el, m;
    final double sigma, delta, k, q, kappa, cTerm;
    private final double[] eps = new double[7];
    private final double[] epsPr = new double[7];
    private final double[] mu0;

    public LinearQuadratic() {
        this(3, 5, 2, 3.0, 0.1, 1.0, 0.01, 0.5, 1.0);
    }

    public LinearQuadratic(int horizonT, int el, int m, double sigma, double delta, double k, double q, double kappa,
                           double cTerm) {
        this(horizonT, el, m, sigma, delta, k, q, kappa, cTerm, null);
    }

    /**
     * As above with the initial distribution {@code mu0} over x = −ℓ..ℓ (index x + ℓ; null for uniform), used by the
     * closed-form check of docs/DISCRETE_GAMES.md §5.6.
     */
    public LinearQuadratic(int horizonT, int el, int m, double sigma, double delta, double k, double q, double kappa,
                           double cTerm, double[] mu0) {
        if (el < 1 || m < 0 || horizonT < 0 || !(delta > 0)) {
            throw new IllegalArgumentException("linear_quadratic: el " + el + ", m " + m + ", T " + horizonT
                    + ", delta " + delta + " out of range");
        }
        this.horizonT = horizonT;
        this.el = el;
        this.m = m;
        this.sigma = sigma;
        this.delta = delta;
        this.k = k;
        this.q = q;
        this.kappa = kappa;
        this.cTerm = cTerm;
        if (mu0 != null) {
            double sum = 0;
            for (double v : mu0) {
                if (!(v >= 0)) {
                    throw new IllegalArgumentException("linear_quadratic: mu0 entry " + v + " is not >= 0");
                }
                sum += v;
            }
            if (mu0.length != 2 * el + 1 || Math.abs(sum - 1) > 1e-12) {
                throw new IllegalArgumentException("linear_quadratic: mu0 has length " + mu0.length + " and sum " + sum
                        + ", expected length " + (2 * el + 1) + " and sum 1");
            }
            this.mu0 = mu0.clone();
        } else {
            this.mu0 = null;
        }
        double z = 0;
        for (int j = 0; j < 7; j++) {
            eps[j] = (j - 3) * sigma;
            epsPr[j] = Math.exp(-0.5 * eps[j] * eps[j]) / Math.sqrt(2 * Math.PI);
            z += epsPr[j];
        }
        for (int j = 0; j < 7; j++) {
            epsPr[j] /= z;
        }
    }

    @Override
    public String name() {
        return "lq";
    }

    @Override
    public int states() {
        return 2 * el + 1;
    }

    @Override
    public int actions() {
        return 2 * m + 1;
    }

    @Override
    public int steps() {
        return horizonT + 1;
    }

    @Override
    public int fanout() {
        return states();
    }

    @Override
    public double[] initialDistribution() {
        if (mu0 != null) {
            return mu0.clone();
        }
        double[] d = new double[states()];
        java.util.Arrays.fill(d, 1.0 / states());
        return d;
    }

    @Override
    public boolean[] legal() {
        boolean[] l = new boolean[states() * actions()];
        java.util.Arrays.fill(l, true);
        return l;
    }

    /** Mean position m_t of μ_t. */
    double mean(double[] mu, int t) {
        int nS = states();
        double s = 0;
        for (int i = 0; i < nS; i++) {
            s += (i - el) * mu[t * nS + i];
        }
        return s;
    }

    private int[] successorsAt(double mt) {
        int nS = states();
        int nA = actions();
        int[] n = new int[nS * nA * 7];
        for (int s = 0; s < nS; s++) {
            for (int a = 0; a < nA; a++) {
                for (int j = 0; j < 7; j++) {
                    double next = s - el + (k * (mt - s + el) + a - m) * delta + sigma * eps[j] * Math.sqrt(delta);
                    int r = (int) Math.rint(next);
                    r = Math.min(Math.max(-el, r), el);
                    n[(s * nA + a) * 7 + j] = r + el;
                }
            }
        }
        return n;
    }

    /**
     * Dense layout (K = S): the rounded successor of each noise value moves with m_t, so {@link #transitions} adds
     * each noise probability into the slot of the state it lands on.
     */
    @Override
    public int[] successors() {
        return denseSuccessors();
    }

    private int[] denseSuccessors() {
        int nS = states();
        int nA = actions();
        int[] n = new int[nS * nA * nS];
        for (int i = 0; i < nS * nA; i++) {
            for (int j = 0; j < nS; j++) {
                n[i * nS + j] = j;
            }
        }
        return n;
    }

    @Override
    public boolean stationaryTransitions() {
        return false;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        int nS = states();
        int nA = actions();
        int[] succ = successorsAt(mean(mu, t));
        java.util.Arrays.fill(prob, off, off + nS * nA * nS, 0.0);
        for (int i = 0; i < nS * nA; i++) {
            for (int j = 0; j < 7; j++) {
                prob[off + i * nS + succ[i * 7 + j]] += epsPr[j];
            }
        }
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        int nS = states();
        int nA = actions();
        for (int t = 0; t <= horizonT; t++) {
            double mt = mean(mu, t);
            for (int s = 0; s < nS; s++) {
                double dev = mt - (s - el);
                for (int a = 0; a < nA; a++) {
                    double u = a - m;
                    r[(t * nS + s) * nA + a] = t == horizonT ? -0.5 * cTerm * dev * dev
                            : (-0.5 * u * u + q * u * dev - 0.5 * kappa * dev * dev) * delta;
                }
            }
        }
    }
}
