package org.mfgcal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.mfgcal.calibrator.io.CaseFile;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SquaredLoss;

/**
 * Thread-CPU-time companion of {@link SolverBench} for A/B comparisons on a loaded machine (JMH's wall-clock error bars
 * are wide when other processes share the cores; thread CPU time is not inflated by being descheduled).
 * For each conformance case: warm-up, then {@code rounds} rounds of {@code reps} calls each; reports min and median
 * µs per call of solve, solve + exploitability and loss + gradient, with iteration counts.
 *
 * <p>Run: {@code java -Xss8m -cp bench/target/benchmarks.jar org.mfgcal.bench.SolverCpuTime [rounds] [reps] [cases...]}.
 */
public final class SolverCpuTime {
    private SolverCpuTime() {
    }

    interface Op {
        Object run();
    }

    static Object sink;

    static double[] measure(ThreadMXBean bean, Op op, int rounds, int reps) {
        double[] t = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = bean.getCurrentThreadCpuTime();
            for (int i = 0; i < reps; i++) {
                sink = op.run();
            }
            t[r] = (bean.getCurrentThreadCpuTime() - t0) / 1e3 / reps;
        }
        Arrays.sort(t);
        return new double[] {t[0], t[rounds / 2]};
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String[] cases = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"lq_const_d3_N100", "lq_arc_d3_N100", "cyber_const"};
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        for (String name : cases) {
            CaseFile c = SolverBench.conformance(name);
            EquilibriumSolver eq = new EquilibriumSolver(c.game(), c.horizon(), c.steps(),
                    c.options(Scheme.REFERENCE, Method.ANDERSON));
            eq.setReportExploitability(false);
            EquilibriumSolver ex = new EquilibriumSolver(c.game(), c.horizon(), c.steps(), eq.options());
            double[] mu0 = c.mu0();
            double[] gamma = c.gamma();
            double[] obs = c.muObs();
            double[] grad = new double[gamma.length];
            SquaredLoss loss = SquaredLoss.fullHorizon(c.steps(), c.d());
            Op solve = () -> eq.solve(mu0, gamma);
            Op solveEx = () -> ex.solve(mu0, gamma);
            Op lag = () -> eq.lossAndGradient(mu0, gamma, null, loss, obs, grad);
            for (int w = 0; w < 20000; w++) {
                solve.run();
                solveEx.run();
                lag.run();
            }
            double[] s = measure(bean, solve, rounds, reps);
            double[] se = measure(bean, solveEx, rounds, reps);
            double[] g = measure(bean, lag, rounds, reps);
            Solution sol = eq.solve(mu0, gamma);
            Gradient gr = eq.lossAndGradient(mu0, gamma, null, loss, obs, grad);
            System.out.printf("%-18s solve %7.2f / %7.2f  solve+expl %7.2f / %7.2f  loss+grad %7.2f / %7.2f µs"
                            + " (min / median)  it=%d adj=%d%n", name, s[0], s[1], se[0], se[1], g[0], g[1],
                    sol.iterations(), gr.adjointIterations());
        }
    }
}
