package org.mfgcal.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.mfgcal.calibrator.optim.Adam;
import org.mfgcal.calibrator.calibrate.BlockSpec;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Model;
import org.mfgcal.calibrator.calibrate.ModelSpec;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.calibrator.calibrate.Synthetic;
import org.mfgcal.calibrator.solver.SquaredLoss;
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
 * One Adam step of LQ d = 3, N = 100, batch 10 (10 equilibria + adjoints, network forward/backward, Adam): the unit
 * of the "500 epochs × 20 batches" speed target. {@code param}: constant (solver only) or neural (the §4 network).
 *
 * <p>Run: {@code OMP_NUM_THREADS=1 taskset -c 0 bin/mfgcal bench TrainingStepBenchmark -f 1 -wi 3 -i 5}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss8m", "--add-modules=jdk.incubator.vector"})
public class TrainingStepBenchmark {
    @Param({"constant", "neural"})
    public String param;

    @Param({"nd4j", "java"})
    public String backend;

    private Model model;
    private Adam adam;
    private Sample[] batch;
    private SquaredLoss[] losses;
    private double[][] warm;
    private double[] grad;

    @Setup
    public void setup() {
        Dataset ds = Synthetic.generate("lq", 3, "arc", 0, new int[] {10, 0, 0}, 1);
        BlockSpec b = "neural".equals(param) ? BlockSpec.neural(1, true, 1.0) : BlockSpec.constant(1, 1.0);
        ModelSpec spec = new ModelSpec("lq", Map.of(), ds.stateNames(), ds.horizon(), ds.steps(), new String[] {"t"},
                List.of(b), false, 0.0, backend);
        model = Model.create(spec, 1);
        adam = new Adam(model.theta().length);
        batch = ds.train().toArray(new Sample[0]);
        losses = new SquaredLoss[batch.length];
        for (int i = 0; i < batch.length; i++) {
            losses[i] = SquaredLoss.fullHorizon(ds.steps(), 3).window(10 + 5 * i, 20);
        }
        warm = new double[batch.length][];
        grad = new double[model.theta().length];
    }

    @Benchmark
    public double step() {
        Model.BatchResult r = model.gradient(batch, batch.length, losses, warm, grad);
        adam.step(model.theta(), grad);
        return r.loss();
    }
}
