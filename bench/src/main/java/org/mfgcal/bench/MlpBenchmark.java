package org.mfgcal.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.neural.JavaMlp;
import org.mfgcal.calibrator.neural.MlpSpec;
import org.mfgcal.calibrator.neural.Nd4jMlp;
import org.mfgcal.calibrator.neural.Network;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ND4J vs plain Java for the parameter network of docs/MODEL.md §4 ([t, μ] (4) → 64 → ReLU → 64 → ReLU → 1 →
 * softplus + 0.1, float64): one forward + one backward (weights and inputs) on a batch of {@code rows} rows —
 * 1000 = a training batch (10 trajectories × N = 100), 100 = one trajectory (validation, coupled solver).
 *
 * <p>Run on one core: {@code OMP_NUM_THREADS=1 taskset -c 0 bin/mfgcal bench MlpBenchmark -f 1 -wi 3 -i 5}.
 * Results are in calibrator/CALIBRATION.md ("Why ND4J").
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m", "--add-modules=jdk.incubator.vector"})
public class MlpBenchmark {
    @Param({"nd4j", "java"})
    public String backend;

    @Param({"1000", "100"})
    public int rows;

    private Network net;
    private double[] theta, x, y, yBar, grad, xBar;

    @Setup
    public void setup() {
        MlpSpec spec = new MlpSpec(4, MlpSpec.DEFAULT_HIDDEN, 1, MlpSpec.Output.SOFTPLUS, MlpSpec.DEFAULT_FLOOR);
        net = "nd4j".equals(backend) ? new Nd4jMlp(spec) : new JavaMlp(spec);
        Random r = new Random(1);
        theta = spec.initialWeights(r, 1.0);
        x = new double[rows * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        y = new double[rows];
        yBar = new double[rows];
        for (int i = 0; i < rows; i++) {
            yBar[i] = r.nextGaussian();
        }
        grad = new double[spec.size()];
        xBar = new double[rows * 4];
    }

    /** The pre-evaluated training step: forward, then backward into the weights (activations reused). */
    @Benchmark
    public double forwardBackward() {
        net.forward(theta, x, rows, y);
        net.backward(theta, x, rows, yBar, grad, null);
        return grad[0] + y[0];
    }

    /** The coupled solver's per-iteration work: forward, and backward into the inputs. */
    @Benchmark
    public double forwardInputVjp() {
        net.forward(theta, x, rows, y);
        net.backward(theta, x, rows, yBar, grad, xBar);
        return xBar[0] + y[0];
    }
}
