package org.mfgcal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * Thread-CPU-time companion of {@link SolverBench} for A/B comparisons on a loaded machine (JMH's wall-clock error bars
 * are wide when other processes share the cores; thread CPU time is not inflated by being descheduled). For each
 * {@link SolverBench#problem} (same setup as the JMH benchmark): warm-up, then {@code rounds} rounds of {@code reps}
 * calls; prints min and median µs per call of solve, solve + exploitability and loss + gradient, with iteration counts.
 *
 * <p>Run: {@code java -Xss8m -cp bench/target/benchmarks.jar org.mfgcal.bench.SolverCpuTime [rounds] [reps] [problems...]}
 * (default 40 rounds of 200 calls; lq_const lq_arc cyber). Results: bench/BENCHMARKS.md.
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
        String[] problems = args.length > 2 ? Arrays.copyOfRange(args, 2, args.length)
                : new String[] {"lq_const", "lq_arc", "cyber"};
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        for (String problem : problems) {
            SolverBench b = new SolverBench();
            b.problem = problem;
            b.solver = "anderson";
            b.setUp();
            Op solve = b::solve;
            Op solveEx = b::solveWithExploitability;
            Op lag = b::lossAndGradient;
            long warm = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < warm) {
                for (int w = 0; w < 100; w++) {
                    solve.run();
                    solveEx.run();
                    lag.run();
                }
            }
            double[] s = measure(bean, solve, rounds, reps);
            double[] se = measure(bean, solveEx, rounds, reps);
            double[] g = measure(bean, lag, rounds, reps);
            System.out.printf("%-13s solve %8.2f / %8.2f  solve+expl %8.2f / %8.2f  loss+grad %8.2f / %8.2f µs"
                            + " (min / median)  it=%d adj=%d%n", problem, s[0], s[1], se[0], se[1], g[0], g[1],
                    b.solve().iterations(), b.lossAndGradient().adjointIterations());
        }
    }
}
