package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.LqGame;

/**
 * The LQ game's whole-sweep dense kernels (complete graph, including the unrolled d = 3 kernels) against the generic
 * sweeps built from its local maps (≤ 1e-13), on random inputs that reach both rate clips. (Until the kernels moved
 * behind {@code SweepKernels} they were also compared bit for bit with per-step fused kernels, which were removed: no
 * benchmarked game used them.)
 */
class DenseKernelTest {
    static final double GENERIC_TOL = 1e-13;
    static final int N = 60;

    /**
     * u, ν of one HJB + FPK on the given inputs, and μ̂bar, γbar of the VJP at {@code at} (u, ν of a reference run, so
     * that the adjoint kernels are compared on identical inputs), or at its own u, ν when {@code at} is null.
     */
    static double[][] sweeps(Game game, boolean stable, double dt, double[] muHat, double[] gamma, double[] w,
                             double[][] at) {
        int d = game.states();
        int len = N * d;
        Sweeps.Buffers b = new Sweeps.Buffers(game);
        double[] u = new double[len];
        double[] nu = new double[len];
        Sweeps.hjb(game, N, dt, stable, muHat, gamma, u, b);
        double[] mu0 = java.util.Arrays.copyOfRange(muHat, 0, d);
        Sweeps.fpk(game, N, dt, stable, mu0, gamma, u, nu, b);
        double[] muHatBar = new double[len];
        double[] gammaBar = new double[N];
        double[] uAt = at == null ? u : at[0];
        double[] nuAt = at == null ? nu : at[1];
        Sweeps.vjp(game, N, dt, stable, muHat, gamma, uAt, nuAt, w, muHatBar, gammaBar, new double[len], new double[len],
                b);
        return new double[][] {u, nu, muHatBar, gammaBar};
    }

    @ParameterizedTest
    @EnumSource(Scheme.class)
    void lqDenseSweeps_equalGenericSweeps(Scheme scheme) {
        boolean stable = scheme == Scheme.STABLE;
        // Defaults (clip 100: only the clip at 0 is reached) and a low clip of 3 (both clips reached).
        LqGame.Params lowClip = new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, 3.0);
        for (LqGame.Params params : new LqGame.Params[] {LqGame.Params.DEFAULTS, lowClip}) {
            for (int d : new int[] {2, 3, 4, 5, 8}) {
                Random rnd = new Random(100 + d);
                LqGame game = new LqGame(Graph.complete(d), params);
                double[] muHat = new double[N * d];
                for (int n = 0; n < N; n++) {
                    double[] m = TestGames.dirichletOnes(rnd, d);
                    System.arraycopy(m, 0, muHat, n * d, d);
                }
                double[] gamma = new double[N];
                for (int n = 0; n < N; n++) {
                    gamma[n] = 0.3 + 2 * rnd.nextDouble();
                }
                double[] w = new double[N * d];
                for (int i = 0; i < w.length; i++) {
                    w[i] = rnd.nextGaussian();
                }
                double dt = stable ? 0.05 : 0.01;
                assertTrue(game.kernels() != null, "dense path not taken");
                double[][] generic = sweeps(new Generic(game), stable, dt, muHat, gamma, w, null);
                double[][] dense = sweeps(game, stable, dt, muHat, gamma, w, generic);
                String[] what = {"u", "nu", "muHatBar", "gammaBar"};
                for (int k = 0; k < 4; k++) {
                    String ctx = scheme + " d=" + d + " clip=" + params.rateClip() + " " + what[k];
                    double e = Invariants.relErr(dense[k], generic[k]);
                    assertTrue(e <= GENERIC_TOL, ctx + ": rel err to the generic sweeps " + e);
                }
            }
        }
    }

    /**
     * The sorted O(d) stable sweeps (LqDense, d ≥ 4) against the generic sweeps where they are used: every step's
     * spread·inv within 4·clip (checked here on the generic run's u, so the test cannot pass on the per-pair fallback),
     * with both clips reached (clip 3, base 2) and with clip 100; both equal to ≤ 1e-13 and ν stays non-negative.
     */
    @org.junit.jupiter.api.Test
    void lqSortedStableSweeps_equalGenericSweeps_whereUsed() {
        for (double clip : new double[] {3.0, 100.0}) {
            LqGame.Params params = new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, clip);
            for (int d : clip < 10 ? new int[] {4, 7, 12} : new int[] {4, 7}) { // d = 12, clip 100: u grows too far
                Random rnd = new Random(300 + d);
                LqGame game = new LqGame(Graph.complete(d), params);
                double[] muHat = new double[N * d];
                for (int n = 0; n < N; n++) {
                    System.arraycopy(TestGames.dirichletOnes(rnd, d), 0, muHat, n * d, d);
                }
                double[] gamma = new double[N];
                for (int n = 0; n < N; n++) {
                    gamma[n] = 2 + 2 * rnd.nextDouble();
                }
                double[] w = new double[N * d];
                for (int i = 0; i < w.length; i++) {
                    w[i] = rnd.nextGaussian();
                }
                double[][] generic = sweeps(new Generic(game), true, 0.05, muHat, gamma, w, null);
                double[][] dense = sweeps(game, true, 0.05, muHat, gamma, w, generic);
                int clippedLow = 0;
                int clippedHigh = 0;
                for (int n = 0; n < N - 1; n++) {
                    for (int row = n; row <= n + 1; row++) {
                        double lo = Double.POSITIVE_INFINITY;
                        double hi = Double.NEGATIVE_INFINITY;
                        for (int x = 0; x < d; x++) {
                            lo = Math.min(lo, generic[0][row * d + x]);
                            hi = Math.max(hi, generic[0][row * d + x]);
                        }
                        double spreadInv = (hi - lo) / (2 * gamma[n]);
                        assertTrue(spreadInv <= 4 * clip, "step " + n + " outside the sorted sweeps' range");
                        clippedLow += 2 - spreadInv < 0 ? 1 : 0;
                        clippedHigh += 2 + spreadInv > clip ? 1 : 0;
                    }
                }
                assertTrue(clippedLow > 0, "clip at 0 not reached, d=" + d);
                assertTrue(clip > 10 || clippedHigh > 0, "clip " + clip + " not reached, d=" + d);
                String[] what = {"u", "nu", "muHatBar", "gammaBar"};
                for (int k = 0; k < 4; k++) {
                    double e = Invariants.relErr(dense[k], generic[k]);
                    assertTrue(e <= GENERIC_TOL, "d=" + d + " clip=" + clip + " " + what[k] + ": rel err " + e);
                }
                for (double v : dense[1]) {
                    assertTrue(v >= 0, "negative mass " + v);
                }
            }
        }
    }

    /** The dense exploitability pass equals the generic one exactly (same u, ν; both schemes, both clips). */
    @ParameterizedTest
    @EnumSource(Scheme.class)
    void lqDenseExploitability_equalsGenericPassExactly(Scheme scheme) {
        boolean stable = scheme == Scheme.STABLE;
        LqGame.Params lowClip = new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, 3.0);
        for (LqGame.Params params : new LqGame.Params[] {LqGame.Params.DEFAULTS, lowClip}) {
            for (int d : new int[] {2, 3, 4, 8}) {
                Random rnd = new Random(200 + d);
                LqGame game = new LqGame(Graph.complete(d), params);
                double[] gamma = new double[N];
                for (int n = 0; n < N; n++) {
                    gamma[n] = 0.3 + 2 * rnd.nextDouble();
                }
                double[] nu = new double[N * d];
                double[] u = new double[N * d];
                for (int n = 0; n < N; n++) {
                    System.arraycopy(TestGames.dirichletOnes(rnd, d), 0, nu, n * d, d);
                    for (int x = 0; x < d; x++) {
                        u[n * d + x] = 5 * (d - 1 - x) * (1 - n / (double) N) + rnd.nextGaussian();
                    }
                }
                double dt = stable ? 0.05 : 0.01;
                double dense = Sweeps.exploitability(game, N, dt, stable, gamma, u, nu, new Sweeps.Buffers(game),
                        new double[d], new double[d], new double[d], new double[d]);
                Game generic = new Generic(game);
                double ref = Sweeps.exploitability(generic, N, dt, stable, gamma, u, nu, new Sweeps.Buffers(generic),
                        new double[d], new double[d], new double[d], new double[d]);
                assertEquals(ref, dense, 0.0, scheme + " d=" + d + " clip=" + params.rateClip());
                assertTrue(ref > 0, "the random control is not a best response: " + ref);
            }
        }
    }

    /** The low clip is really reached in both directions (otherwise the test above would not cover it). */
    @org.junit.jupiter.api.Test
    void lowClipInstance_reachesBothClips() {
        LqGame game = new LqGame(Graph.complete(3), new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, 3.0));
        double[] muHat = new double[N * 3];
        java.util.Arrays.fill(muHat, 1.0 / 3);
        double[] gamma = new double[N];
        java.util.Arrays.fill(gamma, 0.5);
        double[] u = new double[N * 3];
        Sweeps.hjb(game, N, 0.01, false, muHat, gamma, u, new Sweeps.Buffers(game));
        double[] a = new double[6];
        int low = 0, high = 0;
        for (int n = 0; n < N; n++) {
            game.local(n, u, n * 3, muHat, n * 3, gamma, n, a, null, null);
            for (double r : a) {
                low += r == 0 ? 1 : 0;
                high += r == 3.0 ? 1 : 0;
            }
        }
        assertTrue(low > 0 && high > 0, "clipped low " + low + ", high " + high);
        assertEquals(N, gamma.length);
    }

    /**
     * The d = 3 stable kernels keep per-thread caches (exit factors by argument, the adjoint's per-step maps by
     * linearisation point). Whatever ran before on the thread, a call gives bit for bit what it gives on a fresh thread:
     * a sequence of VJPs at two points, a point mixing one's u with the other's ν, and a changed cotangent, each
     * against the same call alone on a new thread.
     */
    @org.junit.jupiter.api.Test
    void lqD3StableSweeps_sameBitsWhateverRanBeforeOnTheThread() throws Exception {
        LqGame.Params lowClip = new LqGame.Params(5.0, 0.1, 1, 1.0, 1.0, 0.0, 2.0, 3.0);
        for (LqGame.Params params : new LqGame.Params[] {LqGame.Params.DEFAULTS, lowClip}) {
            LqGame game = new LqGame(Graph.complete(3), params);
            Random rnd = new Random(15);
            double[][] muHat = new double[2][N * 3];
            double[][] gamma = new double[2][N];
            double[][] w = new double[2][N * 3];
            for (int k = 0; k < 2; k++) {
                for (int n = 0; n < N; n++) {
                    System.arraycopy(TestGames.dirichletOnes(rnd, 3), 0, muHat[k], n * 3, 3);
                    gamma[k][n] = 0.3 + 2 * rnd.nextDouble();
                }
                for (int i = 0; i < N * 3; i++) {
                    w[k][i] = rnd.nextGaussian();
                }
            }
            double[][] a = sweeps(game, true, 0.05, muHat[0], gamma[0], w[0], null);
            double[][] b = sweeps(game, true, 0.05, muHat[1], gamma[1], w[1], null);
            double[][] mixed = {a[0], b[1]};
            // (muHat, gamma, w, linearisation point) of each call, in order
            Object[][] calls = {
                {0, 0, a}, {0, 0, a}, {1, 1, b}, {0, 0, mixed}, {0, 1, a}, {1, 1, b}, {0, 0, a},
            };
            for (Object[] c : calls) {
                int k = (Integer) c[0];
                int kw = (Integer) c[1];
                double[][] at = (double[][]) c[2];
                double[][] here = sweeps(game, true, 0.05, muHat[k], gamma[k], w[kw], at);
                double[][][] fresh = new double[1][][];
                Thread t = new Thread(() -> fresh[0] = sweeps(game, true, 0.05, muHat[k], gamma[k], w[kw], at));
                t.start();
                t.join();
                for (int i = 0; i < 4; i++) {
                    assertArrayEquals(fresh[0][i], here[i], "clip=" + params.rateClip() + " output " + i);
                }
            }
        }
    }
}
