package org.mfgcal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.io.CaseFile;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Generic;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;
import org.mfgcal.calibrator.solver.SquaredLoss;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Equilibrium solve and loss + implicit gradient, one thread, float64.
 *
 * <p>Run all: {@code bin/mfgcal bench SolverBench}; one case: {@code bin/mfgcal bench SolverBench -p problem=cyber}.
 * Targets (issue 2; reference JAX on one CPU thread in brackets): LQ d=3 N=100 solve ≤ 15 µs (92 µs), loss+gradient
 * ≤ 65 µs (647 µs); cybersecurity solve ≤ 0.3 ms with ≤ 8 Anderson iterations (7.97 ms). On a shared machine compare
 * builds with {@link SolverCpuTime} (thread CPU time) as well; results in bench/BENCHMARKS.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m", "--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SolverBench {

    /**
     * {@code lq_const}, {@code lq_arc}, {@code cyber}: the conformance cases (reference scheme as in the reference,
     * Anderson); {@code mobility_d21}: 20 zones + External, N = 96, dense, stable scheme; {@code ring_d100/500/2000}:
     * sparse mobility, 8 neighbours, N = 96, stable scheme; {@code mobility_d59}: dense, 59 states, N = 24 (the 59-airport
     * region's window); {@code city_d263}: the 263-zone synthetic city's k = 8 graph, N = 96.
     */
    @Param({"lq_const", "lq_arc", "cyber", "mobility_d21", "mobility_d59", "city_d263", "ring_d100", "ring_d500", "ring_d2000"})
    public String problem;

    @Param({"anderson"})
    public String solver;

    EquilibriumSolver eq;
    EquilibriumSolver withExploitability;
    double[] mu0;
    double[] gamma;
    double[] obs;
    double[] grad;
    SquaredLoss loss;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Method m = Method.parse(solver);
        // "<case>_generic": the same case with the game's SweepKernels hidden (what the kernels pay, issue 13/15)
        final boolean generic = problem.endsWith("_generic");
        final String problem = generic ? this.problem.substring(0, this.problem.length() - "_generic".length()) : this.problem;
        switch (problem) {
            case "lq_const", "lq_arc", "cyber" -> {
                String file = switch (problem) {
                    case "lq_const" -> "lq_const_d3_N100";
                    case "lq_arc" -> "lq_arc_d3_N100";
                    default -> "cyber_const";
                };
                CaseFile c = conformance(file);
                eq = new EquilibriumSolver(c.game(), c.horizon(), c.steps(), c.options(Scheme.REFERENCE, m));
                mu0 = c.mu0();
                gamma = c.gamma();
                obs = c.muObs();
            }
            case "mobility_d21" -> mobility(Graph.complete(21), m);
            case "mobility_d59" -> mobility(Graph.complete(59), m, 24);
            case "city_d263" -> mobility(org.mfgcal.calibrator.synthetic.SyntheticCity.generate(263, 8, 2026).graph(), m, 96);
            case "ring_d100" -> mobility(Graph.ring(100, 8), m);
            case "ring_d500" -> mobility(Graph.ring(500, 8), m);
            case "ring_d2000" -> mobility(Graph.ring(2000, 8), m);
            default -> throw new IllegalArgumentException("problem = " + problem);
        }
        if (generic) {
            eq = new EquilibriumSolver(new Generic(eq.game()), eq.horizon(), eq.steps(), eq.options());
        }
        grad = new double[gamma.length];
        loss = SquaredLoss.fullHorizon(eq.steps(), mu0.length);
        eq.setReportExploitability(false); // the reference's timings have no exploitability pass
        withExploitability = new EquilibriumSolver(eq.game(), eq.horizon(), eq.steps(), eq.options());
        Solution s = eq.solve(mu0, gamma);
        if (!s.converged()) {
            throw new IllegalStateException(problem + ": does not converge");
        }
    }

    static CaseFile conformance(String name) throws IOException {
        try (InputStream in = SolverBench.class.getResourceAsStream("/conformance/" + name + ".json")) {
            return CaseFile.parse(new ObjectMapper().readTree(in), name);
        }
    }

    /** A mobility model with seeded base rates around 1/(degree) per hour-bin and observations near its solution. */
    void mobility(Graph g, Method m) {
        mobility(g, m, 96);
    }

    void mobility(Graph g, Method m, int steps) {
        int d = g.states();
        Random rnd = new Random(7);
        MobilityGame game = new MobilityGame(g, 1.0, 0.5, new double[d]);
        int e = g.edges();
        gamma = new double[steps * e];
        for (int n = 0; n < steps; n++) {
            for (int k = 0; k < e; k++) {
                gamma[n * e + k] = (0.5 + rnd.nextDouble()) / g.maxDegree();
            }
        }
        mu0 = new double[d];
        for (int x = 0; x < d; x++) {
            mu0[x] = 1.0 / d;
        }
        eq = new EquilibriumSolver(game, 1.0, steps, SolverOptions.DEFAULTS.withMethod(m));
        Solution s = eq.solve(mu0, gamma);
        obs = s.mu().clone();
        for (int i = 0; i < obs.length; i++) {
            obs[i] *= 1 + 0.05 * rnd.nextGaussian();
        }
    }

    @Benchmark
    public Solution solve() {
        return eq.solve(mu0, gamma);
    }

    /** The same solve plus the exploitability pass that {@code mfgcal solve} reports. */
    @Benchmark
    public Solution solveWithExploitability() {
        return withExploitability.solve(mu0, gamma);
    }

    @Benchmark
    public Gradient lossAndGradient() {
        return eq.lossAndGradient(mu0, gamma, null, loss, obs, grad);
    }
}
