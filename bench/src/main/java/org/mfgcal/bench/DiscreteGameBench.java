package org.mfgcal.bench;

import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.discrete.Algorithm;
import org.mfgcal.calibrator.discrete.DiscreteGame;
import org.mfgcal.calibrator.discrete.DiscreteGames;
import org.mfgcal.calibrator.discrete.DiscreteSolver;
import org.mfgcal.calibrator.discrete.Evaluator;
import org.mfgcal.calibrator.discrete.SolveResult;
import org.mfgcal.calibrator.discrete.SolverOptions;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Discrete-time MFG solvers, one thread (docs/DISCRETE_GAMES.md §6).
 *
 * <p>{@code solve}: a full solve from the uniform policy until exploitability ≤ 1e-3 or the iteration budget, with
 * the exploitability evaluated exactly at every iteration (the reported time includes it). {@code evaluation}: one
 * exploitability evaluation (forward sweep, policy evaluation, best response), the per-iteration floor.
 * Run: {@code bin/mfgcal bench DiscreteGameBench}; four-rooms only:
 * {@code bin/mfgcal bench DiscreteGameBench -p game=four-rooms}. The tear-down prints iterations and final
 * exploitability of the last solve. Issue-14 target: four-rooms 13×13, T = 40, exploitability &lt; 1e-3 in ≤ 0.15 s;
 * {@code -p game=four-rooms -p solver=newton-windows,newton,flow-shift} times the three solvers that reach it
 * (docs/DISCRETE_GAMES.md §6). flow-shift and newton on a game that is not a crowd potential game (braess), and
 * newton-windows on a game without time windows (crowd-ring, braess), are no-ops, reported as such.
 * Thread CPU time of the same solves (load-independent): {@link DiscreteCpuTime}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m", "--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class DiscreteGameBench {

    @Param({"four-rooms", "crowd-ring", "braess"})
    public String game;

    @Param({"fp", "omd", "anderson", "flow-shift", "newton", "newton-windows"})
    public String solver;

    /** Iteration budget of one solve. */
    @Param({"300"})
    public int iterations;

    DiscreteSolver s;
    Algorithm alg;
    Evaluator ev;
    double[] uniform;
    SolveResult last;
    /** flow-shift, newton (crowd potential games) and newton-windows (four-rooms): elsewhere a no-op (reported). */
    boolean unsupported;

    @Setup(Level.Trial)
    public void setUp() {
        alg = Algorithm.parse(solver);
        DiscreteGame g = DiscreteGames.create(game);
        unsupported = !DiscreteSolver.supports(g, alg);
        SolverOptions o = DiscreteGames.options(game, alg).withIterations(iterations);
        s = new DiscreteSolver(g, o);
        ev = new Evaluator(g);
        uniform = ev.uniformPolicy();
    }

    @Benchmark
    public SolveResult solve() {
        if (unsupported) {
            return null;
        }
        last = s.solve(alg);
        return last;
    }

    @Benchmark
    public double evaluation() {
        return ev.exploitability(uniform);
    }

    @TearDown(Level.Trial)
    public void report() {
        if (unsupported) {
            System.out.printf("%n[%s %s] not supported by this game: no-op%n", game, solver);
        }
        if (last != null) {
            System.out.printf("%n[%s %s] iterations %d, final exploitability %.3e, reached 1e-3: %s%n", game, solver,
                    last.iterations(), last.finalExploitability(), last.reachedTarget());
        }
    }
}
