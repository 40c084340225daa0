package org.mfgcal.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import org.mfgcal.calibrator.discrete.Algorithm;
import org.mfgcal.calibrator.discrete.DiscreteGame;
import org.mfgcal.calibrator.discrete.DiscreteGames;
import org.mfgcal.calibrator.discrete.DiscreteSolver;
import org.mfgcal.calibrator.discrete.SolveResult;
import org.mfgcal.calibrator.discrete.SolverOptions;

/**
 * Thread-CPU-time companion of {@link DiscreteGameBench} (issue 14): on a shared machine the JMH wall time is
 * load-dominated, thread CPU time is not inflated by being descheduled. For each solver: {@code warm} solves, then
 * {@code reps} timed solves of {@link DiscreteSolver#solve} (same setup as the JMH benchmark, exploitability evaluated
 * exactly at every iteration); prints min and median CPU seconds per solve, iterations and final exploitability.
 *
 * <p>Run: {@code java -Xss8m -cp bench/target/benchmarks.jar org.mfgcal.bench.DiscreteCpuTime [game] [reps] [warm]
 * [solvers...]} (defaults four-rooms, 10, 10, newton). Results: bench/BENCHMARKS.md.
 */
public final class DiscreteCpuTime {
    private DiscreteCpuTime() {
    }

    public static void main(String[] args) {
        String game = args.length > 0 ? args[0] : "four-rooms";
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int warm = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        String[] solvers = args.length > 3 ? Arrays.copyOfRange(args, 3, args.length) : new String[] {"newton"};
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        for (String solver : solvers) {
            Algorithm alg = Algorithm.parse(solver);
            DiscreteGame g = DiscreteGames.create(game);
            SolverOptions o = DiscreteGames.options(game, alg).withIterations(300);
            DiscreteSolver s = new DiscreteSolver(g, o);
            SolveResult last = null;
            for (int w = 0; w < warm; w++) {
                last = s.solve(alg);
            }
            double[] t = new double[reps];
            int[] its = new int[reps];
            double worstE = 0;
            for (int r = 0; r < reps; r++) {
                long t0 = bean.getCurrentThreadCpuTime();
                last = s.solve(alg);
                t[r] = (bean.getCurrentThreadCpuTime() - t0) * 1e-9;
                its[r] = last.iterations();
                worstE = Math.max(worstE, last.finalExploitability());
            }
            double[] sorted = t.clone();
            Arrays.sort(sorted);
            System.out.printf("%s %-10s CPU s/solve min %.4f median %.4f  iterations %s  worst final E %.3e"
                    + " reached %s%n", game, solver, sorted[0], sorted[reps / 2], Arrays.toString(its), worstE, last.reachedTarget());
        }
    }
}
