package org.mfgcal.bench;

import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.game.LqGame;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
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
 * A batch of 10 loss + gradients of LQ d = 32, N = 1600 (arc γ, 10 trajectories), one thread, float64.
 * Target (issue 2): ≤ 0.4 s per batch (reference JAX on one CPU thread: 4.28 s).
 * Run: {@code bin/mfgcal bench LqBatchBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m", "--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class LqBatchBench {
    static final int D = 32;
    static final int N = 1600;
    static final int BATCH = 10;

    @Param({"reference", "stable"})
    public String scheme;

    EquilibriumSolver eq;
    double[][] mu0 = new double[BATCH][];
    double[][] obs = new double[BATCH][];
    double[] gamma;
    double[] grad;
    SquaredLoss loss;

    @Setup(Level.Trial)
    public void setUp() {
        eq = new EquilibriumSolver(new LqGame(D), 2.0, N,
                SolverOptions.DEFAULTS.withScheme(Scheme.parse(scheme)).withMethod(Method.ANDERSON));
        gamma = new double[N];
        for (int n = 0; n < N; n++) {
            double t = 2.0 * n / (N - 1);
            gamma[n] = 0.1 + 4 * (3.0 - 0.1) / 4.0 * t * (2.0 - t) + 0.5;
        }
        java.util.Random rnd = new java.util.Random(3);
        for (int b = 0; b < BATCH; b++) {
            double[] m = new double[D];
            double s = 0;
            for (int x = 0; x < D; x++) {
                m[x] = -Math.log(1 - rnd.nextDouble());
                s += m[x];
            }
            for (int x = 0; x < D; x++) {
                m[x] /= s;
            }
            mu0[b] = m;
            double[] sol = eq.solve(m, gamma).mu();
            for (int i = 0; i < sol.length; i++) {
                sol[i] *= 1 + 0.01 * rnd.nextGaussian();
            }
            obs[b] = sol;
        }
        grad = new double[N];
        loss = SquaredLoss.fullHorizon(N, D);
        eq.setReportExploitability(false); // a training batch needs gradients only
    }

    @Benchmark
    public double batchOf10() {
        double total = 0;
        for (int b = 0; b < BATCH; b++) {
            total += eq.lossAndGradient(mu0[b], gamma, null, loss, obs[b], grad).loss();
        }
        return total;
    }
}
