package org.mfgcal.calibrator.game;

/**
 * The stable scheme's LQ sweeps and their VJPs on sorted values, O(d) per step instead of O(d²) (complete graph,
 * κ = 0, p = 1, d ≥ {@link #SORTED_D}, 0 &lt; base &lt; clip), called by {@link LqDense}'s kernels; the notes on each
 * sweep give the ranges and prefix sums. Moved out of {@code LqDense} to keep one concept per class. Stateless (the
 * per-call scratch is allocated per sweep, a few arrays of d).
 */
final class LqSorted {
    private LqSorted() {
    }

    /**
     * Smallest d for the sorted O(d) sweeps below; under it the per-pair loops are as cheap (d = 3 has its own
     * kernels).
     */
    static final int SORTED_D = 4;

    /** Whether the sorted sweeps apply: d ≥ {@link #SORTED_D} and 0 &lt; base &lt; clip (r_xx = base is active). */
    static boolean applies(int d, double base, double clip) {
        return d >= SORTED_D && base > 0 && clip > base;
    }

    /**
     * Sorts {@code ord} (a permutation, nearly sorted from the previous step: insertion sort, O(d) when few states
     * change rank) by v[o + ord[i]] ascending, and writes the centred sorted values sv[i] = v[o + ord[i]] − mean with
     * their prefix sums p1[i] = Σ_{j&lt;i} sv[j] and, when {@code p2} is not null, p2[i] = Σ_{j&lt;i} sv[j]².
     */
    private static void sortCentred(double[] v, int o, int d, int[] ord, double[] sv, double[] p1, double[] p2) {
        for (int i = 1; i < d; i++) {
            final int key = ord[i];
            final double kv = v[o + key];
            int j = i - 1;
            while (j >= 0 && v[o + ord[j]] > kv) {
                ord[j + 1] = ord[j];
                j--;
            }
            ord[j + 1] = key;
        }
        double sum = 0;
        for (int x = 0; x < d; x++) {
            sum += v[o + x];
        }
        final double m = sum / d;
        double a1 = 0, a2 = 0;
        p1[0] = 0;
        if (p2 != null) {
            p2[0] = 0;
        }
        for (int i = 0; i < d; i++) {
            final double c = v[o + ord[i]] - m;
            sv[i] = c;
            a1 += c;
            p1[i + 1] = a1;
            if (p2 != null) {
                a2 += c * c;
                p2[i + 1] = a2;
            }
        }
    }

    /**
     * Largest spread·inv / clip of a step for which the sorted sweeps' prefix sums are used: their window sums are
     * differences of prefix sums over all states, which lose about (spread·inv/clip)² ulps against the per-pair loop
     * (on DenseKernelTest's inputs with spread·inv in the thousands and clip 100, 1e-11 on ν). LQ d = 32, N = 1,600
     * has spread·inv ≤ 214 with clip 100.
     */
    static final double SPREAD_LIMIT = 4;

    /** Whether the spread of {@code v[o .. o+d)} times inv is within {@link #SPREAD_LIMIT}·clip. */
    private static boolean stepConditioned(double[] v, int o, int d, double inv, double clip) {
        double lo = v[o];
        double hi = lo;
        for (int x = 1; x < d; x++) {
            final double t = v[o + x];
            lo = Math.min(lo, t);
            hi = Math.max(hi, t);
        }
        return (hi - lo) * inv <= SPREAD_LIMIT * clip;
    }

    /** {@link #stepConditioned} for every step n = 0..N−2 of a sweep reading u at rows n (shift 0) or n+1 (shift d). */
    static boolean conditioned(int nT, int d, double[] u, int shift, double[] gamma, double w, double clip) {
        for (int n = 0; n < nT - 1; n++) {
            if (!stepConditioned(u, n * d + shift, d, 1 / (2 * gamma[n] * w), clip)) {
                return false;
            }
        }
        return true;
    }

    private static int[] identity(int d) {
        int[] ord = new int[d];
        for (int x = 0; x < d; x++) {
            ord[x] = x;
        }
        return ord;
    }

    /**
     * The stable HJB sweep (LqDense.hjb) in O(d) per step instead of O(d²) (plus an insertion sort, O(d) when few
     * states change rank between steps). The rate r_xy = clamp(base − (u(y) − u(x))·inv, 0, clip) depends on u(y) −
     * u(x) only: with the values of u_{n+1} sorted (and centred, c = u − mean), the states y with r_xy = clip (c_y ≤
     * c_x − β, β = (clip − base)/inv), with 0 &lt; r_xy &lt; clip, and with r_xy = 0 (c_y ≥ c_x + α, α = base/inv) are
     * three contiguous ranges K, A, Z whose bounds only move up as x moves up (two pointers). On A (which holds x
     * itself, r_xx = base, removed from the sums) out, drift and cost are polynomials in c_y with coefficients from
     * prefix sums: with n_A, S₁ = Σ_A c, S₂ = Σ_A c², D = S₁ − n_A c_x and Q = S₂ − 2 c_x S₁ + n_A c_x²: out =
     * (n_A − 1)·base − inv·D + n_K·clip, drift = base·D − inv·Q + clip·(S₁(K) − n_K c_x), cost = inv²·Q +
     * n_Z·base² + n_K·(clip − base)². At a range bound the rate is continuous, so where a tie falls changes rounding
     * only. A step whose spread is beyond {@link #SPREAD_LIMIT} takes the per-pair loop. Reassociated against it
     * (≤ 1e-13, DenseKernelTest, both clips reached); timings in bench/BENCHMARKS.md (issue 15).
     */
    static void hjb(int nT, int d, double dt, double[] u, double[] muHat, double[] gamma,
                                        double w, double base, double clip, double c) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] p2 = new double[d + 1];
        final double cb2 = (clip - base) * (clip - base);
        final double b2 = base * base;
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double wg = w * g;
            final double inv = 1 / (2 * g * w);
            if (!stepConditioned(u, o1, d, inv, clip)) {
                LqDense.hjbStep(d, dt, true, u, o, o1, muHat, wg, inv, base, clip, c, null);
                continue;
            }
            final double inv2 = inv * inv;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o1, d, ord, sv, p1, p2);
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double s2 = p2[z] - p2[k];
                final double dA = s1 - nA * cx;
                final double qA = s2 - 2 * cx * s1 + nA * cx * cx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double drift = base * dA - inv * qA + clip * (p1[k] - k * cx);
                final double cost = inv2 * qA + (d - z) * b2 + k * cb2;
                u[o + x] = u[o1 + x] + dt * (wg * cost + c * muHat[o + x] + drift * ExitFactor.phi(dt * out));
            }
        }
    }

    /**
     * The stable FPK sweep ({@link LqDense#fpkStable}) in O(d) per step, with the ranges of {@link #hjb} on u_n:
     * first each state's total outflow, stay probability e^{−z_x} and leaving mass C_x = Δt ν(x) φ(z_x); then the
     * inflow Σ_{y≠x} C_y a_yx, a_yx = clamp(base − (c_x − c_y)·inv, 0, clip), over the sorted states: a_yx = 0 for
     * c_y ≤ c_x − α, clip for c_y ≥ c_x + β, else (base − c_x·inv) + c_y·inv, from prefix sums of C and C·c (minus
     * x's own C_x·base). The inflow is a sum of non-negative terms; rounding in the prefix differences can leave
     * −1e-16 where it is 0, so it is floored at 0 (positivity is the stable scheme's guarantee). Reassociated (≤ 1e-13,
     * DenseKernelTest).
     */
    static void fpk(int nT, int d, double dt, double[] u, double[] nu, double[] gamma, double w,
                                        double base, double clip) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] cs = new double[d];
        final double[] pc = new double[d + 1];
        final double[] pcc = new double[d + 1];
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double inv = 1 / (2 * gamma[n] * w);
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o, d, ord, sv, p1, null);
            int k = 0;
            int z = 0;
            double ac = 0, acc = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double dA = (p1[z] - p1[k]) - nA * cx;
                final double zz = dt * ((nA - 1) * base - inv * dA + k * clip);
                final double stay = Math.exp(-zz);
                final double nx = nu[o + x];
                nu[o1 + x] = nx * stay;
                final double ph = zz < 1e-5 ? 1 - zz * (0.5 - zz / 6) : (1 - stay) / zz;
                final double cc = dt * nx * ph;
                cs[i] = cc;
                pc[i] = ac;
                pcc[i] = acc;
                ac += cc;
                acc += cc * cx;
            }
            pc[d] = ac;
            pcc[d] = acc;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cx = sv[i];
                while (lo < d && sv[lo] <= cx - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cx + beta) {
                    hi++;
                }
                final double in = clip * (ac - pc[hi]) + (base - cx * inv) * (pc[hi] - pc[lo])
                        + inv * (pcc[hi] - pcc[lo]) - cs[i] * base;
                nu[o1 + ord[i]] += Math.max(in, 0);
            }
        }
    }

    /**
     * {@link LqDense#fpkVjpStable} in O(d) per step, on the sorted ranges of {@link #hjb} (rates from u_n). With
     * b = ν̄_{n+1} centred and A, K the active and clipped ranges of x: s_x = clip·Σ_K (b_y − b_x) + base·Σ_A (b_y −
     * b_x) − inv·M_x, M_x = Σ_A (b_y − b_x)(c_y − c_x); the active edges' q_xy = (k_x (b_y − b_x) + common_x)·inv go
     * to ū(x) as inv·(k_x Σ_A (b_y − b_x) + (n_A − 1)·common_x), to γ̄ as inv·(k_x M_x + common_x·D_x)/γ, and to ū(y)
     * (minus) summed over the x whose active range holds y (c_y − α &lt; c_x &lt; c_y + β, contiguous) from prefix
     * sums of k, k·b and common. Reassociated (≤ 1e-13, DenseKernelTest).
     */
    static void fpkVjp(int nT, int d, double dt, double[] u, double[] nu, double[] gamma,
                                           double[] nuBar, double[] uBar, double[] gammaBar, double w, double base,
                                           double clip) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] sb = new double[d];
        final double[] pb = new double[d + 1];
        final double[] pcb = new double[d + 1];
        final double[] pk = new double[d + 1];
        final double[] pkb = new double[d + 1];
        final double[] pm = new double[d + 1];
        final double[] cm = new double[d];
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            sortCentred(u, o, d, ord, sv, p1, null);
            double bm = 0;
            for (int x = 0; x < d; x++) {
                bm += nuBar[o1 + x];
            }
            bm /= d;
            double a1 = 0, a2 = 0;
            for (int i = 0; i < d; i++) {
                final double b = nuBar[o1 + ord[i]] - bm;
                sb[i] = b;
                pb[i] = a1;
                pcb[i] = a2;
                a1 += b;
                a2 += b * sv[i];
            }
            pb[d] = a1;
            pcb[d] = a2;
            double gBar = 0;
            double ak = 0, akb = 0, am = 0;
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                final double bx = sb[i];
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double dA = s1 - nA * cx;
                final double sbA = (pb[z] - pb[k]) - nA * bx;
                final double mx = (pcb[z] - pcb[k]) - cx * (pb[z] - pb[k]) - bx * s1 + nA * cx * bx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double sx = clip * (pb[k] - k * bx) + base * sbA - inv * mx;
                final double nux = nu[o + x];
                final double zz = dt * out;
                final double ph = ExitFactor.phi(zz);
                final double common = dt * nux * ExitFactor.dphi(zz) * dt * sx;
                final double kx = dt * nux * ph;
                uBar[o + x] += inv * (kx * sbA + (nA - 1) * common);
                gBar += inv * (kx * mx + common * dA) * invG;
                nuBar[o + x] += nuBar[o1 + x] + dt * ph * sx;
                cm[i] = common;
                pk[i] = ak;
                pkb[i] = akb;
                pm[i] = am;
                ak += kx;
                akb += kx * bx;
                am += common;
            }
            pk[d] = ak;
            pkb[d] = akb;
            pm[d] = am;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cy = sv[i];
                while (lo < d && sv[lo] <= cy - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cy + beta) {
                    hi++;
                }
                uBar[o + ord[i]] -= inv * (sb[i] * (pk[hi] - pk[lo]) - (pkb[hi] - pkb[lo]) + (pm[hi] - pm[lo])
                        - cm[i]);
            }
            gammaBar[n] += gBar;
        }
    }

    /**
     * {@link LqDense#hjbVjp} (stable scheme) in O(d) per step, on the sorted ranges of {@link #hjb} (rates from
     * u_{n+1}). Per x with ū_n(x) ≠ 0 (fb = Δt ū_n(x), dBar = fb φ, common = fb·drift·φ'·Δt): the moves dBar·r_xy
     * sum to dBar·out_x; an active edge's q_xy = inv·(α_x du + common) with α_x = dBar − 2wγ·inv·fb; γ̄ gets
     * fb·w·cost_x + inv·(α_x Q_x + common·D_x)/γ. ū_{n+1}(y) gets Σ_x (move_xy − q_xy) over x with y in their clipped
     * range (c_x ≥ c_y + β: dBar_x·clip) or active range (E_x − c_y·inv·F_x, F = dBar + α, E = dBar·base + inv·c_x·F
     * − inv·common), from prefix sums in the sorted order, minus x = y's own term. Reassociated (≤ 1e-13,
     * DenseKernelTest).
     */
    static void hjbVjp(int nT, int d, double dt, double[] u, double[] gamma, double[] uBar,
                                           double[] muHatBar, double[] gammaBar, double w, double base, double clip,
                                           double c) {
        final int[] ord = identity(d);
        final double[] sv = new double[d];
        final double[] p1 = new double[d + 1];
        final double[] p2 = new double[d + 1];
        final double[] pdb = new double[d + 1];
        final double[] pe = new double[d + 1];
        final double[] pf = new double[d + 1];
        final double[] own = new double[d];
        final double cb2 = (clip - base) * (clip - base);
        final double b2 = base * base;
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            final double g = gamma[n];
            final double inv = 1 / (2 * g * w);
            final double invG = 1 / g;
            final double inv2 = inv * inv;
            final double alpha = base / inv;
            final double beta = (clip - base) / inv;
            final double twoWgInv = 2 * w * g * inv;
            sortCentred(u, o1, d, ord, sv, p1, p2);
            double gBar = 0;
            double adb = 0, ae = 0, af = 0;
            int k = 0;
            int z = 0;
            for (int i = 0; i < d; i++) {
                final int x = ord[i];
                final double cx = sv[i];
                final double bx = uBar[o + x];
                uBar[o1 + x] += bx;
                pdb[i] = adb;
                pe[i] = ae;
                pf[i] = af;
                while (k < d && sv[k] <= cx - beta) {
                    k++;
                }
                while (z < d && sv[z] < cx + alpha) {
                    z++;
                }
                if (bx == 0) {
                    own[i] = 0;
                    continue;
                }
                final int nA = z - k;
                final double s1 = p1[z] - p1[k];
                final double dA = s1 - nA * cx;
                final double qA = (p2[z] - p2[k]) - 2 * cx * s1 + nA * cx * cx;
                final double out = (nA - 1) * base - inv * dA + k * clip;
                final double drift = base * dA - inv * qA + clip * (p1[k] - k * cx);
                final double cost = inv2 * qA + (d - z) * b2 + k * cb2;
                final double fb = dt * bx;
                final double zz = dt * out;
                final double common = fb * drift * ExitFactor.dphi(zz) * dt;
                final double dBar = fb * ExitFactor.phi(zz);
                final double al = dBar - twoWgInv * fb;
                uBar[o1 + x] += inv * (al * dA + (nA - 1) * common) - dBar * out;
                gBar += fb * w * cost + inv * (al * qA + common * dA) * invG;
                muHatBar[o + x] += fb * c;
                final double f = dBar + al;
                own[i] = dBar * base - inv * common;
                adb += dBar;
                ae += dBar * base + inv * cx * f - inv * common;
                af += f;
            }
            pdb[d] = adb;
            pe[d] = ae;
            pf[d] = af;
            int lo = 0;
            int hi = 0;
            for (int i = 0; i < d; i++) {
                final double cy = sv[i];
                while (lo < d && sv[lo] <= cy - alpha) {
                    lo++;
                }
                while (hi < d && sv[hi] < cy + beta) {
                    hi++;
                }
                uBar[o1 + ord[i]] += clip * (adb - pdb[hi]) + (pe[hi] - pe[lo]) - cy * inv * (pf[hi] - pf[lo])
                        - own[i];
            }
            gammaBar[n] += gBar;
        }
    }
}
