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
 * <p>Memory: the weights live in one detached float64 buffer (views per layer) refreshed from θ on each call; the
 * forward activations live in detached buffers reused while the row count stays the same (so a backward pass right
 * after a forward pass on the same θ and x — the pre-evaluated training step — does not recompute them); all
 * temporaries of the backward pass and the output activation are allocated in a per-instance ND4J workspace
 * (learning policy: the first call sizes it, later calls reuse it), so a training step allocates no off-heap memory
 * after the first. Java-side, only the copied-out results are allocated.
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
    /** Forward activations of the last {@link #forward} (detached, reused while the row count stays the same). */
    private INDArray cx, cz1, ch1, cz2, ch2, cz3;
    private int cachedRows = -1;
    private final double[] cachedTheta;
    private double[] cachedX = new double[0];
    private boolean cacheValid;

    public Nd4jMlp(MlpSpec spec) {
        this.s = spec;
        this.cachedTheta = new double[spec.size()];
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

    /** Detached activation buffers for {@code rows} rows (allocated when the row count changes). */
    private void ensureCache(int rows) {
        if (rows == cachedRows) {
            return;
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int h = s.hidden();
            cx = Nd4j.create(DataType.DOUBLE, rows, s.inputs());
            cz1 = Nd4j.create(DataType.DOUBLE, rows, h);
            ch1 = Nd4j.create(DataType.DOUBLE, rows, h);
            cz2 = Nd4j.create(DataType.DOUBLE, rows, h);
            ch2 = Nd4j.create(DataType.DOUBLE, rows, h);
            cz3 = Nd4j.create(DataType.DOUBLE, rows, s.outputs());
        }
        cachedRows = rows;
        cacheValid = false;
    }

    /** Runs the layers into the detached cache; one matrix product per layer. */
    private void run(double[] th, double[] x, int rows) {
        load(th);
        ensureCache(rows);
        int n = rows * s.inputs();
        if (x.length < n) {
            throw new IllegalArgumentException("input has " + x.length + " numbers, expected rows·inputs = " + n);
        }
        cx.data().setData(x.length == n ? x : Arrays.copyOf(x, n));
        cx.mmuli(w1, cz1).addiRowVector(b1);
        Transforms.relu(ch1.assign(cz1), false);
        ch1.mmuli(w2, cz2).addiRowVector(b2);
        Transforms.relu(ch2.assign(cz2), false);
        ch2.mmuli(w3, cz3).addiRowVector(b3);
        System.arraycopy(th, 0, cachedTheta, 0, th.length);
        if (cachedX.length != n) {
            cachedX = new double[n];
        }
        System.arraycopy(x, 0, cachedX, 0, n);
        cacheValid = true;
    }

    private boolean cached(double[] th, double[] x, int rows) {
        if (!cacheValid || rows != cachedRows) {
            return false;
        }
        int n = rows * s.inputs();
        return Arrays.equals(th, 0, th.length, cachedTheta, 0, th.length) && Arrays.equals(x, 0, n, cachedX, 0, n);
    }

    @Override
    public void forward(double[] th, double[] x, int rows, double[] out) {
        run(th, x, rows);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
            INDArray y = cz3;
            if (s.output() == MlpSpec.Output.SOFTPLUS) {
                y = Transforms.softPlus(cz3, true).addi(s.floor());
            }
            copyOut(y, out, 0);
        }
    }

    /** Reuses the activations of the preceding {@link #forward} when θ and x are unchanged (checked), else recomputes. */
    @Override
    public void backward(double[] th, double[] x, int rows, double[] outBar, double[] thetaGrad, double[] xBar) {
        if (!cached(th, x, rows)) {
            run(th, x, rows);
        } else {
            load(th);
        }
        int nOut = rows * s.outputs();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS, wsId)) {
            INDArray d3 = Nd4j.create(nOut == outBar.length ? outBar : Arrays.copyOf(outBar, nOut),
                    new long[] {rows, s.outputs()}, DataType.DOUBLE);
            if (s.output() == MlpSpec.Output.SOFTPLUS) {
                d3.muli(Transforms.sigmoid(cz3, true));
            }
            addOut(ch2.transpose().mmul(d3), thetaGrad, s.offW3());
            addOut(d3.sum(0), thetaGrad, s.offB3());
            INDArray d2 = d3.mmul(w3.transpose()).muli(Transforms.step(cz2, true));
            addOut(ch1.transpose().mmul(d2), thetaGrad, s.offW2());
            addOut(d2.sum(0), thetaGrad, s.offB2());
            INDArray d1 = d2.mmul(w2.transpose()).muli(Transforms.step(cz1, true));
            addOut(cx.transpose().mmul(d1), thetaGrad, s.offW1());
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
