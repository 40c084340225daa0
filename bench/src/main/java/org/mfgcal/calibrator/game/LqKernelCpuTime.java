package org.mfgcal.calibrator.game;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import org.mfgcal.calibrator.io.CaseFile;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * Where an LQ d = 3 loss + gradient goes (issue 15): thread CPU time of each d = 3 sweep kernel, standalone, on the
 * lq_const conformance case's equilibrium (u, ν at μ*), both schemes. In the game package (the kernels are
 * package-private); bench only. "rebuild" alternates two linearisation points so that the stable reverse sweeps
 * rebuild their per-step maps ({@link LqAdjoint3}) on every call, as in an optimiser; "memo miss" alternates two μ̂
 * so that the stable HJB computes every φ.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.mfgcal.calibrator.game.LqKernelCpuTime [rounds]}.
 */
public final class LqKernelCpuTime {
    private LqKernelCpuTime() {
    }

    interface Op {
        double run();
    }

    static double sink;

    static void time(ThreadMXBean bean, String name, Op op, int rounds, int reps) {
        for (int i = 0; i < 20_000; i++) {
            sink += op.run();
        }
        double[] t = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = bean.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                sink += op.run();
            }
            t[r] = (bean.getCurrentThreadCpuTime() - t0) / 1e3 / reps;
        }
        Arrays.sort(t);
        System.out.printf(Locale.ROOT, "%-30s %7.3f / %7.3f µs (min / median)%n", name, t[0], t[rounds / 2]);
    }

    public static void main(String[] args) throws Exception {
        final int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        final ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        java.lang.reflect.Method m = Class.forName("org.mfgcal.bench.SolverBench").getDeclaredMethod("conformance",
                String.class);
        m.setAccessible(true);
        final CaseFile c = (CaseFile) m.invoke(null, "lq_const_d3_N100");
        final int nT = c.steps();
        final double dt = c.horizon() / (nT - 1);
        final EquilibriumSolver eq = new EquilibriumSolver(c.game(), c.horizon(), nT, SolverOptions.DEFAULTS);
        eq.setReportExploitability(false);
        final double[] gamma = c.gamma();
        final Solution s = eq.solve(c.mu0(), gamma);
        final double[] mu = s.mu();
        final double[] u0 = s.u();
        final LqGame.Params p = ((LqGame) c.game()).params();
        final double w = p.controlWeight(), base = p.baseTransitionRate(), clip = p.rateClip();
        final double cc = p.congestionWeight();
        final int len = nT * 3;
        final double[] u = u0.clone(), nu = mu.clone(), nuBar = new double[len], uBar = new double[len];
        final double[] gBar = new double[nT], mhb = new double[len], a = new double[6], row = new double[6];
        final double[] wv = new double[len];
        for (int i = 0; i < len; i++) {
            wv[i] = Math.sin(i) * 1e-2;
        }
        final double[] mu2 = mu.clone();
        for (int i = 0; i < len; i++) {
            mu2[i] *= 1.0000001;
        }
        final double[] nu2 = mu.clone();
        nu2[7] *= 1.0000001;
        final double[] u2 = u0.clone();
        u2[7] += 1e-9;
        final int[] k = {0};
        for (boolean stable : new boolean[] {true, false}) {
            String sc = stable ? "stable" : "reference";
            time(bean, "hjb " + sc, () -> {
                System.arraycopy(u0, 0, u, 0, len);
                LqDense.hjb(nT, 3, dt, stable, u, (k[0]++ & 1) == 0 ? mu : mu2, gamma, w, base, clip, cc);
                return u[0];
            }, rounds, 2000);
            time(bean, "fpk " + sc, () -> {
                if (stable) {
                    LqDense.fpkStable(nT, 3, dt, u0, nu, gamma, w, base, clip, a, row);
                } else {
                    LqDense.fpk(nT, 3, dt, u0, nu, gamma, w, base, clip);
                }
                return nu[5];
            }, rounds, 2000);
            time(bean, "fpkVjp " + sc, () -> {
                System.arraycopy(wv, 0, nuBar, 0, len);
                Arrays.fill(uBar, 0);
                if (stable) {
                    LqDense.fpkVjpStable(nT, 3, dt, u0, mu, gamma, nuBar, uBar, gBar, w, base, clip);
                } else {
                    LqDense.fpkVjp(nT, 3, dt, u0, mu, gamma, nuBar, uBar, gBar, w, base, clip);
                }
                return uBar[3];
            }, rounds, 2000);
            time(bean, "hjbVjp " + sc, () -> {
                System.arraycopy(wv, 0, uBar, 0, len);
                LqDense.hjbVjp(nT, 3, dt, stable, u0, gamma, uBar, mhb, gBar, w, base, clip, cc);
                return uBar[3];
            }, rounds, 2000);
            if (stable) {
                time(bean, "fpkVjp stable, rebuild", () -> {
                    System.arraycopy(wv, 0, nuBar, 0, len);
                    Arrays.fill(uBar, 0);
                    LqDense.fpkVjpStable(nT, 3, dt, u0, (k[0]++ & 1) == 0 ? mu : nu2, gamma, nuBar, uBar, gBar, w,
                            base, clip);
                    return uBar[3];
                }, rounds, 2000);
                time(bean, "hjbVjp stable, rebuild", () -> {
                    System.arraycopy(wv, 0, uBar, 0, len);
                    LqDense.hjbVjp(nT, 3, dt, true, (k[0]++ & 1) == 0 ? u0 : u2, gamma, uBar, mhb, gBar, w, base,
                            clip, cc);
                    return uBar[3];
                }, rounds, 2000);
            }
        }
        final double[] zs = new double[297];
        for (int i = 0; i < zs.length; i++) {
            zs[i] = 0.04 + 1e-5 * i;
        }
        time(bean, "297 × φ (expm1)", () -> {
            double t = 0;
            for (double z : zs) {
                t += ExitFactor.phi(z);
            }
            return t;
        }, rounds, 2000);
        time(bean, "297 × φ (series)", () -> {
            double t = 0;
            for (double z : zs) {
                t += ExitFactor.phiPoly(z);
            }
            return t;
        }, rounds, 2000);
        System.out.println(sink == 42 ? "" : "(u_0(0) = " + u0[0] + ")");
    }
}
