package org.mfgcal.calibrator.discrete;

/**
 * The one-dimensional solves of {@link FlowShift} (docs/DISCRETE_GAMES.md §3 "flow-shift"): the per-state shift δ
 * and the step's line-search factor γ, both with the crowd terms at t+1 exact.
 *
 * <p>For the log games (g(m) = −c·log(m + ε), {@link CrowdPotentialGame#logCrowdCoefficient} = c &gt; 0) both are
 * solved on the series of log1p when every relative mass change r = h/(m + ε) they allow stays within
 * {@link #SERIES_R} (issue 14, sixth round, docs/DISCRETE_GAMES.md §6): the power sums of the cells are formed once
 * and the Newton iterations evaluate polynomials instead of a logarithm and a division per cell. The series stops at
 * r⁶, so its truncation is below |r|⁶/7 ≤ 2·10⁻¹³ relative, under the 10⁻¹² tolerance of the solves. Otherwise (and
 * for other games) the exact safeguarded Newton of the fourth round runs. Not thread-safe.
 */
final class ShiftSolves {
    /** Largest relative mass change |r| for which the series are used. */
    static final double SERIES_R = 1e-2;

    private final CrowdPotentialGame game;
    /** c of g = −c·log(m + ε), 0 when the game's crowd term is not of that form. */
    final double logC;
    /** 1/c (multiplying by it is exact for c = 1, as in four-rooms and crowd-ring, and avoids a division). */
    final double invC;
    /** Cells y_j and mass changes d_j per unit shift of the current 1-D problem (at most 2K of them). */
    final int[] ys;
    final double[] ds;
    private final double[] as;     // d_j/(μ_j + ε)
    private final double[] mun;    // μ_{t+1} during the shifts of step t (owned by FlowShift)
    private final double[] gn;     // g(μ_{t+1}) during the shifts of step t (owned by FlowShift)
    /** Whether the last {@link #shift} was solved by the series (then {@link #apply} updates g by it too). */
    private boolean series;

    ShiftSolves(CrowdPotentialGame game, int n, double[] mun, double[] gn) {
        this.game = game;
        logC = game.logCrowdCoefficient();
        invC = logC > 0 ? 1.0 / logC : 0.0;
        ys = new int[n];
        ds = new double[n];
        as = new double[n];
        this.mun = mun;
        this.gn = gn;
    }

    /** log1p(r) by its series to r⁶ (|r| ≤ SERIES_R). */
    static double log1p(double r) {
        return r * (1 - r * (0.5 - r * (1.0 / 3 - r * (0.25 - r * (0.2 - r / 6)))));
    }

    /** 1/(1 + r) by its series to r⁶ (|r| ≤ SERIES_R). */
    static double inv1p(double r) {
        return 1 - r * (1 - r * (1 - r * (1 - r * (1 - r * (1 - r)))));
    }

    /**
     * δ ∈ [0, avail] with f(δ) = gap + Σ_j d_j (g(μ_j + δ d_j) − g(μ_j)) = 0 (f decreasing), or avail when f(avail) ≥ 0.
     */
    double shift(double gap, double avail, int nz) {
        series = false;
        if (logC > 0) {
            double d = seriesShift(gap, avail, nz);
            if (d >= 0) {
                series = true;
                return d;
            }
        }
        return exactShift(gap, avail, nz);
    }

    /** μ_{t+1} and g(μ_{t+1}) after a shift δ, and vn = cn + g at the affected cells. */
    void apply(double delta, int nz, double[] cn, double[] vn) {
        for (int j = 0; j < nz; j++) {
            int y = ys[j];
            if (series) {
                gn[y] -= logC * log1p(delta * as[j]);
                mun[y] = Math.max(0.0, mun[y] + delta * ds[j]);
            } else {
                mun[y] = Math.max(0.0, mun[y] + delta * ds[j]);
                gn[y] = game.crowdReward(mun[y]);
            }
            vn[y] = cn[y] + gn[y];
        }
    }

    /**
     * Series form of the 1-D solve: f(δ) = gap − c Σ_k (−1)^{k+1} δ^k C_k / k with C_k = Σ_j d_j^{k+1}/(μ_j + ε)^k,
     * safeguarded Newton on [0, min(avail, SERIES_R / max_j |d_j/(μ_j + ε)|)]; −1 when the root lies beyond.
     */
    private double seriesShift(double gap, double avail, int nz) {
        double c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0;
        double amax = 0;
        for (int j = 0; j < nz; j++) {
            double dj = ds[j];
            double a = dj * game.crowdCurvature(mun[ys[j]]) * invC;
            as[j] = a;
            amax = Math.max(amax, Math.abs(a));
            double term = dj * a;
            c1 += term;
            term *= a;
            c2 += term;
            term *= a;
            c3 += term;
            term *= a;
            c4 += term;
            term *= a;
            c5 += term;
            term *= a;
            c6 += term;
        }
        double hi = Math.min(avail, SERIES_R / amax);
        double lo = 0;
        if (gap - logC * hi * (c1 - hi * (c2 / 2 - hi * (c3 / 3 - hi * (c4 / 4 - hi * (c5 / 5 - hi * c6 / 6))))) >= 0) {
            return hi == avail ? avail : -1;
        }
        double d = 0;
        double fd = gap;
        for (int it = 0; it < 60; it++) {
            double fp = -logC * (c1 - d * (c2 - d * (c3 - d * (c4 - d * (c5 - d * c6)))));
            double nd = fp < 0 ? d - fd / fp : Double.NaN;
            if (!(nd > lo && nd < hi)) {
                nd = 0.5 * (lo + hi);
            }
            d = nd;
            fd = gap - logC * d * (c1 - d * (c2 / 2 - d * (c3 / 3 - d * (c4 / 4 - d * (c5 / 5 - d * c6 / 6)))));
            if (fd > 0) {
                lo = d;
            } else {
                hi = d;
            }
            if (Math.abs(fd) <= 1e-12 * gap || hi - lo <= 1e-14 * avail) {
                break;
            }
        }
        return d;
    }

    /**
     * Exact form: safeguarded Newton from δ = 0 on [0, avail]. f(avail) is evaluated only when a Newton iterate leaves
     * the bracket before some f(δ) < 0 was seen, or at the end (issue 14, fourth round).
     */
    private double exactShift(double gap, double avail, int nz) {
        double lo = 0;
        double hi = avail;
        boolean hiBelow = false; // f(hi) < 0 known
        double d = 0;
        double fd = gap;
        for (int it = 0; it < 60; it++) {
            double fp = 0;
            for (int j = 0; j < nz; j++) {
                fp -= ds[j] * ds[j] * game.crowdCurvature(Math.max(0.0, mun[ys[j]] + d * ds[j]));
            }
            double nd = fp < 0 ? d - fd / fp : Double.NaN;
            if (!(nd > lo && nd < hi)) {
                if (!hiBelow) {
                    if (fShift(gap, avail, nz) >= 0) {
                        return avail;
                    }
                    hiBelow = true;
                }
                nd = 0.5 * (lo + hi);
            }
            d = nd;
            fd = fShift(gap, d, nz);
            if (fd > 0) {
                lo = d;
            } else {
                hi = d;
                hiBelow |= fd < 0;
            }
            if (Math.abs(fd) <= 1e-12 * gap || hi - lo <= 1e-14 * avail) {
                break;
            }
        }
        if (!hiBelow && fShift(gap, avail, nz) >= 0) {
            return avail;
        }
        return d;
    }

    private double fShift(double gap, double d, int nz) {
        double f = gap;
        for (int j = 0; j < nz; j++) {
            int y = ys[j];
            f += ds[j] * (game.crowdReward(Math.max(0.0, mun[y] + d * ds[j])) - gn[y]);
        }
        return f;
    }

    /**
     * γ ∈ (0, 1] maximising φ with φ'(γ) = base − γ a2 + Σ_y g(μ_y + γ dμ_y) dμ_y over the cells cells[c0 .. c1) of
     * step t+1 (offset o; φ' decreasing): safeguarded Newton from γ = 1, by the series when max_y |dμ_y|/(μ_y + ε) ≤
     * SERIES_R (κ = c/(μ + ε) from {@code kap}, g(μ) from {@code crowd}).
     */
    double gamma(double base, double a2, int[] cells, int c0, int c1, int o, double[] dmu, double[] mu,
                 double[] crowd, double[] kap) {
        double s0 = 0, e1 = 0, e2 = 0, e3 = 0, e4 = 0, e5 = 0, e6 = 0;
        double bmax = logC > 0 ? 0.0 : Double.POSITIVE_INFINITY;
        for (int ci = c0; ci < c1 && bmax <= SERIES_R; ci++) {
            int y = o + cells[ci];
            double dm = dmu[y];
            if (dm != 0.0) {
                double b = dm * kap[y] * invC;
                bmax = Math.max(bmax, Math.abs(b));
                s0 += crowd[y] * dm;
                double term = dm * b;
                e1 += term;
                term *= b;
                e2 += term;
                term *= b;
                e3 += term;
                term *= b;
                e4 += term;
                term *= b;
                e5 += term;
                term *= b;
                e6 += term;
            }
        }
        boolean ser = bmax <= SERIES_R;
        double lo = 0;
        double hi = 1;
        double g = 1;
        for (int it = 0; it < 60; it++) {
            double d1 = base - g * a2;
            double d2 = -a2;
            if (ser) {
                d1 += s0 - logC * g * (e1 - g * (e2 / 2 - g * (e3 / 3 - g * (e4 / 4 - g * (e5 / 5 - g * e6 / 6)))));
                d2 -= logC * (e1 - g * (e2 - g * (e3 - g * (e4 - g * (e5 - g * e6)))));
            } else {
                for (int ci = c0; ci < c1; ci++) {
                    int y = o + cells[ci];
                    double dm = dmu[y];
                    if (dm != 0.0) {
                        double m = Math.max(0.0, mu[y] + g * dm);
                        d1 += game.crowdReward(m) * dm;
                        d2 -= game.crowdCurvature(m) * dm * dm;
                    }
                }
            }
            if (d1 >= 0) {
                if (g == 1) {
                    return 1;
                }
                lo = g;
            } else {
                hi = g;
            }
            if (hi - lo < 1e-9) {
                break;
            }
            double ng = d2 < 0 ? g - d1 / d2 : Double.NaN;
            if (!(ng > lo && ng < hi)) {
                ng = 0.5 * (lo + hi);
            }
            g = ng;
        }
        return Math.max(lo, 1e-6);
    }
}
