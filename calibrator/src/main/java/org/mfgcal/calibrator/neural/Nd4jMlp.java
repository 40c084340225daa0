package org.mfgcal.calibrator.neural;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The {@link MlpSpec} network in ND4J, float64, batched: a call on {@code rows} inputs is one matrix product per
 * layer ({@code rows × in}·{@code in × h}, …). Backpropagation is written by hand (no autodiff graph): the upstream
 * ȳ (e.g. dL/dγ from the implicit adjoint) is pulled back through softplus, the three dense layers and the ReLUs
 * into the weights and, for the coupled variant, into the inputs.
 *
 * <p>Memory: the weights live in one detached float64 buffer (views per layer) refreshed from θ on each call; all
 * activations and temporaries of a call are allocated in a per-instance ND4J workspace (learning policy: the first
 * call sizes it, later calls of the same shape reuse it), so a training step allocates no off-heap memory after
 * the first. Java-side, only the copied-out results are allocated.
 *
 * <p>Not thread-safe: one instance per thread (ND4J workspaces are per thread too).
 */
public final class Nd4jMlp implements Network {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final WorkspaceConfiguration WS = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();

    static {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private final MlpSpec s;
    private final String wsId;
    private final INDArray theta;
    private final INDArray w1, b1, w2, b2, w3, b3;

    public Nd4jMlp(MlpSpec spec) {
        this.s = spec;
        this.wsId = "mfgcal-mlp-" + IDS.incrementAndGet();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            theta = Nd4j.create(DataType.DOUBLE, spec.size());
            int in = spec.inputs(), h = spec.hidden(), out = spec.outputs();
            w1 = view(spec.offW1(), in, h);
            b1 = view(spec.offB1(), 1, h);
            w2 = view(spec.offW2(), h, h);
            b2 = view(spec.offB2(), 1, h);
            w3 = view(spec.offW3(), h, out);
            b3 = view(spec.offB3(), 1, out);
        }
    }

    private INDArray view(int off, int r, int c) {
        return theta.get(NDArrayIndex.interval(off, off + r * c)).reshape('c', r, c);
    }

    public MlpSpec spec() {
        return s;
    }

    @Override
    public int inputs() {
        return s.inputs();
    }

    @Override
    public int outputs() {
        return s.outputs();
    }

    @Override
    public int size() {
        return s.size();
    }

    private void load(double[] th) {
        if (th.length != s.size()) {
            throw new IllegalArgumentException("weights have " + th.length + " numbers, the network needs " + s.size());
        }
        theta.data().setData(th);
    }

    private INDArray input(double[] x, int rows) {
        int n = rows * s.inputs();
        if (x.length < n) {
            throw new IllegalArgumentException("input has " + x.length + " numbers, expected rows·inputs = " + n);
        }
        return Nd4j.create(x.length == n ? x : Arrays.copyOf(x, n), new long[] {rows, s.inputs()}, DataType.DOUBLE);
    }

    @Override
    public void forward(double[] th, double[] x, int rows, double[] out) {
        load(th);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
            INDArray xs = input(x, rows);
            INDArray h1 = Transforms.relu(xs.mmul(w1).addiRowVector(b1), false);
            INDArray h2 = Transforms.relu(h1.mmul(w2).addiRowVector(b2), false);
            INDArray z3 = h2.mmul(w3).addiRowVector(b3);
            if (s.output() == MlpSpec.Output.SOFTPLUS) {
                Transforms.softPlus(z3, false).addi(s.floor());
            }
            copyOut(z3, out, 0);
        }
    }

    @Override
    public void backward(double[] th, double[] x, int rows, double[] outBar, double[] thetaGrad, double[] xBar) {
        load(th);
        int nOut = rows * s.outputs();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
            INDArray xs = input(x, rows);
            INDArray z1 = xs.mmul(w1).addiRowVector(b1);
            INDArray h1 = Transforms.relu(z1, true);
            INDArray z2 = h1.mmul(w2).addiRowVector(b2);
            INDArray h2 = Transforms.relu(z2, true);
            INDArray d3 = Nd4j.create(nOut == outBar.length ? outBar : Arrays.copyOf(outBar, nOut),
                    new long[] {rows, s.outputs()}, DataType.DOUBLE);
            if (s.output() == MlpSpec.Output.SOFTPLUS) {
                INDArray z3 = h2.mmul(w3).addiRowVector(b3);
                d3.muli(Transforms.sigmoid(z3, false));
            }
            addOut(h2.transpose().mmul(d3), thetaGrad, s.offW3());
            addOut(d3.sum(0), thetaGrad, s.offB3());
            INDArray d2 = d3.mmul(w3.transpose()).muli(Transforms.step(z2, false));
            addOut(h1.transpose().mmul(d2), thetaGrad, s.offW2());
            addOut(d2.sum(0), thetaGrad, s.offB2());
            INDArray d1 = d2.mmul(w2.transpose()).muli(Transforms.step(z1, false));
            addOut(xs.transpose().mmul(d1), thetaGrad, s.offW1());
            addOut(d1.sum(0), thetaGrad, s.offB1());
            if (xBar != null) {
                copyOut(d1.mmul(w1.transpose()), xBar, 0);
            }
        }
    }

    private static void copyOut(INDArray a, double[] out, int off) {
        double[] v = a.dup('c').reshape('c', new long[] {a.length()}).toDoubleVector();
        System.arraycopy(v, 0, out, off, v.length);
    }

    private static void addOut(INDArray a, double[] out, int off) {
        double[] v = a.dup('c').reshape('c', new long[] {a.length()}).toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            out[off + i] += v[i];
        }
    }
}
