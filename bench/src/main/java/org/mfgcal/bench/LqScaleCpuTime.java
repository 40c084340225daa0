package org.mfgcal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.io.CaseFile;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.SolverOptions;
import org.mfgcal.calibrator.solver.SquaredLoss;

/**
 * Issue 15, "must show" 3: LQ loss + gradient in thread CPU time, (a) d = 3, N = 100 (the lq_const conformance
 * case) with {@link SolverOptions#DEFAULTS} and other scheme/method pairs, (b) d = 32, N = 1,600 (LqBatchBench's
 * problem, one trajectory) with the defaults. Prints min / median per call.
 *
 * <p>Run: {@code java -Xss8m -cp bench/target/benchmarks.jar org.mfgcal.bench.LqScaleCpuTime [rounds]}.
 */
public final class LqScaleCpuTime {
    private LqScaleCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        CaseFile c = SolverBench.conformance("lq_const_d3_N100");
        SquaredLoss loss3 = SquaredLoss.fullHorizon(c.steps(), 3);
        double[] g3 = new double[c.gamma().length];
        Object[][] cases = {
            {"defaults", SolverOptions.DEFAULTS},
            {"stable/picard", SolverOptions.DEFAULTS.withMethod(Method.PICARD)},
            {"reference/picard", SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE).withMethod(Method.PICARD)},
            {"reference/anderson", SolverOptions.DEFAULTS.withScheme(Scheme.REFERENCE)},
        };
        // The per-thread caches of the d = 3 stable kernels (exit factors by argument, the adjoint's per-step maps by
        // linearisation point) also hit across calls when every call repeats the same γ; an optimiser changes γ between
        // calls. "fresh γ" alternates γ and γ·(1 + 1e-9) so that nothing is reused from the previous call.
        double[] gammaB = c.gamma().clone();
        for (int i = 0; i < gammaB.length; i++) {
            gammaB[i] *= 1 + 1e-9;
        }
        for (Object[] k : cases) {
            EquilibriumSolver eq = new EquilibriumSolver(c.game(), c.horizon(), c.steps(), (SolverOptions) k[1]);
            eq.setReportExploitability(false);
            SolverCpuTime.Op op = () -> eq.lossAndGradient(c.mu0(), c.gamma(), null, loss3, c.muObs(), g3);
            int[] calls = {0};
            SolverCpuTime.Op fresh = () -> eq.lossAndGradient(c.mu0(), (calls[0]++ & 1) == 0 ? c.gamma() : gammaB, null,
                    loss3, c.muObs(), g3);
            long warm = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warm) {
                op.run();
                fresh.run();
            }
            double[] t = SolverCpuTime.measure(bean, op, rounds * 2, 500);
            double[] tf = SolverCpuTime.measure(bean, fresh, rounds * 2, 500);
            Gradient g = eq.lossAndGradient(c.mu0(), c.gamma(), null, loss3, c.muObs(), g3);
            Gradient gb = eq.lossAndGradient(c.mu0(), gammaB, null, loss3, c.muObs(), g3);
            System.out.printf(Locale.ROOT, "LQ d=3 N=100 %-19s loss+grad %7.2f / %7.2f µs (min / median), fresh γ %7.2f / %7.2f µs"
                    + " it=%d adj=%d (γ·(1+1e-9): it=%d adj=%d)%n", k[0], t[0], t[1], tf[0], tf[1],
                    g.solution().iterations(), g.adjointIterations(), gb.solution().iterations(), gb.adjointIterations());
        }
        LqBatchBench b = new LqBatchBench();
        for (String scheme : new String[] {"stable", "reference"}) {
            b.scheme = scheme;
            b.setUp();
            SolverCpuTime.Op op = () -> b.eq.lossAndGradient(b.mu0[0], b.gamma, null, b.loss, b.obs[0], b.grad);
            for (int i = 0; i < 20; i++) {
                op.run();
            }
            double[] t = SolverCpuTime.measure(bean, op, rounds, 5);
            Gradient g = b.eq.lossAndGradient(b.mu0[0], b.gamma, null, b.loss, b.obs[0], b.grad);
            System.out.printf(Locale.ROOT, "LQ d=32 N=1600 %-9s/anderson loss+grad %7.2f / %7.2f ms (min / median) it=%d adj=%d%n",
                    scheme, t[0] / 1e3, t[1] / 1e3, g.solution().iterations(), g.adjointIterations());
        }
    }
}
