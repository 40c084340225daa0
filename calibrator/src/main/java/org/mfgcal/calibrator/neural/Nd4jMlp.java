package org.mfgcal.calibrator.neural;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The {@link MlpSpec} network in ND4J, float64, batched: a call on {@code rows} inputs is one BLAS dgemm per layer
 * ({@code rows × (in+1)}·{@code (in+1) × h}, …) through {@link Nd4j#gemm} with transpose flags and preallocated
 * outputs. Backpropagation is written by hand (no autodiff graph): the upstream ȳ (e.g. dL/dγ from the implicit
 * adjoint) is pulled back through the output activation, the three dense layers and the ReLUs into the weights and,
 * for the coupled variant, into the inputs.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Bias folded into the product: θ stores each layer as {@code W_l} (in×out, row-major) followed by
 *       {@code b_l} (out), i.e. exactly the row-major {@code (in+1) × out} matrix {@code [W_l; b_l]}; activations
 *       are kept as {@code [a | 1]} (a trailing column of ones), so {@code z = [a | 1]·[W; b]} is one dgemm and the
 *       weight gradient {@code [dW; db] = [a | 1]ᵀ·δ} is another — no broadcast add, no column sums.</li>
 *   <li>Layout: activations and deltas are column-major ('f'), so the first {@code h} columns of {@code [a | 1]}
 *       are a contiguous prefix (the dgemm output) and the ones column the last {@code rows} numbers; ReLU runs in
 *       place on the whole {@code [a | 1]} (relu(1) = 1). Weights and weight gradients are row-major ('c'), θ's
 *       layout, so they load and store with one bulk copy per layer.</li>
 *   <li>ReLU' is taken from the activation (z &gt; 0 ⇔ relu(z) &gt; 0), so z1, z2 are not kept. The output
 *       activation (softplus + floor, or the identity) acts on rows·out numbers only and runs in Java on the
 *       copied-out z3, with the same {@link Activations} as {@link JavaMlp}.</li>
 *   <li>Memory: all buffers of a row count are allocated once (detached from any workspace: nothing is
 *       temporary, so no workspace is needed) and reused; every op (products, ReLU, step, multiply) is constructed
 *       once per buffer set and re-executed in place, the custom ops with their native op context. A call
 *       therefore allocates no off-heap memory and runs 5 ND4J ops forward, 9 backward (10 with the input
 *       gradient). Java↔native copies are bulk pointer copies. The last forward pass's activations are reused by a
 *       backward pass on the same θ and x (checked), as in the pre-evaluated training step.</li>
 *   <li>Numbers (one core, thread CPU, CALIBRATION.md "Speed"): forward+backward at 1000 rows ≈ 1.2 ms (the
 *       previous version — mmul, transposed copies, workspace temporaries — ≈ 7.9 ms); a 1000×65×64 dgemm
 *       ≈ 0.28 ms (raw OpenBLAS 0.25 ms), ND4J's per-op cost ≈ 15–35 µs, of which op-context reuse saves
 *       ≈ 25 µs per custom op.</li>
 * </ul>
 *
 * <p>Not thread-safe: one instance per thread.
 */
public final class Nd4jMlp implements Network {
    /** Distinct row counts whose buffers are kept (training batch, validation split, one trajectory, …). */
    private static final int MAX_BUFFER_SETS = 8;

    static {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private final MlpSpec s;
    /** Per layer: [W; b] ((n_in+1) × n_out, 'c'), W alone (its first n_in rows), and the gradient of [W; b]. */
    private final INDArray[] wb = new INDArray[3], w = new INDArray[3], gwb = new INDArray[3];
    private final int[] off = new int[3], len = new int[3];
    private final double[] gScratch;
    private final Map<Integer, Buffers> sets = new HashMap<>();
    /** The buffer set holding the activations of the last forward pass, and what they were computed from. */
    private Buffers last;
    private final double[] cachedTheta;
    private double[] cachedX = new double[0];

    @SuppressWarnings("try") // the workspace scope is a guard: its body allocates outside any workspace
    public Nd4jMlp(MlpSpec spec) {
        this.s = spec;
        this.cachedTheta = new double[spec.size()];
        int in = spec.inputs(), h = spec.hidden(), out = spec.outputs();
        int[][] shape = {{in + 1, h}, {h + 1, h}, {h + 1, out}};
        off[0] = spec.offW1();
        off[1] = spec.offW2();
        off[2] = spec.offW3();
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (int l = 0; l < 3; l++) {
                wb[l] = Nd4j.create(DataType.DOUBLE, new long[] {shape[l][0], shape[l][1]}, 'c');
                w[l] = wb[l].get(NDArrayIndex.interval(0, shape[l][0] - 1), NDArrayIndex.all());
                gwb[l] = Nd4j.create(DataType.DOUBLE, new long[] {shape[l][0], shape[l][1]}, 'c');
                len[l] = shape[l][0] * shape[l][1];
            }
        }
        this.gScratch = new double[Math.max(len[0], Math.max(len[1], len[2]))];
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

    /** Activations, deltas and the in-place ops over them, for one row count. */
    private static final class Buffers {
        final int rows;
        /** [x | 1], [relu(z1) | 1], [relu(z2) | 1]: rows × (n+1), 'f'. */
        final INDArray x1, h1, h2;
        /** The first h columns of h1, h2 (contiguous 'f' prefixes: the dgemm outputs). */
        final INDArray h1v, h2v;
        /**
         * z3 and δ3 (rows × out, 'f'); δ2, δ1 (rows × h, 'f'), each also holding the ReLU' mask of the other layer
         * while it is free (relu'(z2) in δ1 before δ1 is computed, relu'(z1) in δ2 once δ2 is used): one 0.5 MB
         * buffer less to stream per batch; x̄ (rows × in, 'c').
         */
        final INDArray z3, d3, d2, d1, xBar;
        final RectifiedLinear relu1, relu2;
        final Step step1, step2;
        final Reused mul1, mul2;
        /** The layers' products: forward z1, z2, z3; backward g3, δ2, g2, δ1, g1, x̄. */
        final Reused fz1, fz2, fz3, bg3, bd2, bg2, bd1, bg1, bx;
        /** Java-side staging: [x | 1] column-major, z3 and δ3 column-major. */
        final double[] xf, z3j, d3j;

        @SuppressWarnings("try") // as in the constructor above: a scope guard
        Buffers(MlpSpec s, int rows, INDArray[] wb, INDArray[] w, INDArray[] gwb) {
            this.rows = rows;
            int in = s.inputs(), h = s.hidden(), out = s.outputs();
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                x1 = Nd4j.create(DataType.DOUBLE, new long[] {rows, in + 1}, 'f');
                h1 = Nd4j.create(DataType.DOUBLE, new long[] {rows, h + 1}, 'f');
                h2 = Nd4j.create(DataType.DOUBLE, new long[] {rows, h + 1}, 'f');
                h1v = h1.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h));
                h2v = h2.get(NDArrayIndex.all(), NDArrayIndex.interval(0, h));
                h1.getColumn(h).assign(1.0);
                h2.getColumn(h).assign(1.0);
                z3 = Nd4j.create(DataType.DOUBLE, new long[] {rows, out}, 'f');
                d3 = Nd4j.create(DataType.DOUBLE, new long[] {rows, out}, 'f');
                d2 = Nd4j.create(DataType.DOUBLE, new long[] {rows, h}, 'f');
                d1 = Nd4j.create(DataType.DOUBLE, new long[] {rows, h}, 'f');
                xBar = Nd4j.create(DataType.DOUBLE, new long[] {rows, in}, 'c');
            }
            relu1 = new RectifiedLinear(h1, h1, 0.0);
            relu2 = new RectifiedLinear(h2, h2, 0.0);
            step2 = new Step(h2v, d1, 0.0);
            mul2 = new Reused(new MulOp(d2, d1, d2));
            step1 = new Step(h1v, d2, 0.0);
            mul1 = new Reused(new MulOp(d1, d2, d1));
            fz1 = Reused.gemm(x1, wb[0], h1v, false, false);
            fz2 = Reused.gemm(h1, wb[1], h2v, false, false);
            fz3 = Reused.gemm(h2, wb[2], z3, false, false);
            bg3 = Reused.gemm(h2, d3, gwb[2], true, false);
            bd2 = Reused.gemm(d3, w[2], d2, false, true);
            bg2 = Reused.gemm(h1, d2, gwb[1], true, false);
            bd1 = Reused.gemm(d2, w[1], d1, false, true);
            bg1 = Reused.gemm(x1, d1, gwb[0], true, false);
            bx = Reused.gemm(d1, w[0], xBar, false, true);
            xf = new double[rows * (in + 1)];
            Arrays.fill(xf, rows * in, rows * (in + 1), 1.0);
            z3j = new double[rows * out];
            d3j = new double[rows * out];
        }

        void close() {
            for (Reused r : new Reused[] {mul1, mul2, fz1, fz2, fz3, bg3, bd2, bg2, bd1, bg1, bx}) {
                r.close();
            }
        }
    }

    /**
     * A custom op over fixed arrays with its native op context built once and re-executed: ND4J otherwise builds
     * and frees a context per call (≈ 25–35 µs of a 60–100 µs small product, CALIBRATION.md "Speed").
     */
    private static final class Reused {
        final CustomOp op;
        final OpContext ctx;

        Reused(CustomOp op) {
            this.op = op;
            this.ctx = Nd4j.getExecutioner().buildContext();
            ctx.setInputArrays(op.inputArguments());
            ctx.setOutputArrays(op.outputArguments());
            ctx.setIArguments(op.iArgs());
            ctx.setTArguments(op.tArgs());
        }

        /** c = op(a)·op(b) (dgemm, α = 1, β = 0). */
        static Reused gemm(INDArray a, INDArray b, INDArray c, boolean transA, boolean transB) {
            return new Reused(new Mmul(a, b, c, 1.0, 0.0,
                    MMulTranspose.builder().transposeA(transA).transposeB(transB).build()));
        }

        void run() {
            Nd4j.getExecutioner().exec(op, ctx);
        }

        void close() {
            try {
                ctx.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing an ND4J op context", e);
            }
        }
    }

    private Buffers buffers(int rows) {
        Buffers b = sets.get(rows);
        if (b == null) {
            if (sets.size() >= MAX_BUFFER_SETS) {
                for (Buffers old : sets.values()) {
                    old.close();
                }
                sets.clear();
                last = null;
            }
            b = new Buffers(s, rows, wb, w, gwb);
            sets.put(rows, b);
        }
        return b;
    }

    /** Bulk copy of {@code n} numbers from {@code src[from..]} into a detached array's buffer. */
    private static void put(INDArray dst, double[] src, int from, int n) {
        ((DoublePointer) dst.data().addressPointer()).put(src, from, n);
    }

    /** Bulk copy of {@code n} numbers out of a detached array's buffer into {@code dst[0..n)}. */
    private static void get(INDArray src, double[] dst, int n) {
        ((DoublePointer) src.data().addressPointer()).get(dst, 0, n);
    }

    private void load(double[] th) {
        if (th.length != s.size()) {
            throw new IllegalArgumentException("weights have " + th.length + " numbers, the network needs " + s.size());
        }
        for (int l = 0; l < 3; l++) {
            put(wb[l], th, off[l], len[l]);
        }
    }

    /** Runs the three layers into the buffers of {@code rows}; one dgemm per layer. Leaves z3 in b.z3j. */
    private Buffers run(double[] th, double[] x, int rows) {
        final int in = s.inputs();
        final int n = rows * in;
        if (x.length < n) {
            throw new IllegalArgumentException("input has " + x.length + " numbers, expected rows·inputs = " + n);
        }
        load(th);
        Buffers b = buffers(rows);
        last = null;
        for (int r = 0; r < rows; r++) { // row-major x → column-major [x | 1] (the ones column is preset)
            for (int i = 0; i < in; i++) {
                b.xf[i * rows + r] = x[r * in + i];
            }
        }
        put(b.x1, b.xf, 0, b.xf.length);
        b.fz1.run();
        Nd4j.exec(b.relu1);
        b.fz2.run();
        Nd4j.exec(b.relu2);
        b.fz3.run();
        get(b.z3, b.z3j, b.z3j.length);
        System.arraycopy(th, 0, cachedTheta, 0, th.length);
        if (cachedX.length != n) {
            cachedX = new double[n];
        }
        System.arraycopy(x, 0, cachedX, 0, n);
        last = b;
        return b;
    }

    private boolean cached(double[] th, double[] x, int rows) {
        if (last == null || rows != last.rows) {
            return false;
        }
        int n = rows * s.inputs();
        return Arrays.equals(th, 0, th.length, cachedTheta, 0, th.length) && Arrays.equals(x, 0, n, cachedX, 0, n);
    }

    @Override
    public void forward(double[] th, double[] x, int rows, double[] out) {
        Buffers b = run(th, x, rows);
        final int nOut = s.outputs();
        final boolean sp = s.output() == MlpSpec.Output.SOFTPLUS;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nOut; k++) {
                double z = b.z3j[k * rows + r];
                out[r * nOut + k] = sp ? Activations.softplus(z) + s.floor() : z;
            }
        }
    }

    /** Reuses the activations of the preceding {@link #forward} when θ and x are unchanged (checked), else recomputes. */
    @Override
    public void backward(double[] th, double[] x, int rows, double[] outBar, double[] thetaGrad, double[] xBar) {
        Buffers b;
        if (cached(th, x, rows)) {
            b = last;
        } else {
            b = run(th, x, rows);
        }
        final int nOut = s.outputs();
        final boolean sp = s.output() == MlpSpec.Output.SOFTPLUS;
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < nOut; k++) {
                double g = outBar[r * nOut + k];
                b.d3j[k * rows + r] = sp ? g * Activations.sigmoid(b.z3j[k * rows + r]) : g;
            }
        }
        put(b.d3, b.d3j, 0, b.d3j.length);
        b.bg3.run();     // [dW3; db3] = [h2 | 1]ᵀ δ3
        b.bd2.run();     // δ2 = δ3 W3ᵀ ∘ relu'(z2)
        Nd4j.exec(b.step2);
        b.mul2.run();
        b.bg2.run();     // [dW2; db2] = [h1 | 1]ᵀ δ2
        b.bd1.run();     // δ1 = δ2 W2ᵀ ∘ relu'(z1)
        Nd4j.exec(b.step1);
        b.mul1.run();
        b.bg1.run();     // [dW1; db1] = [x | 1]ᵀ δ1
        for (int l = 0; l < 3; l++) {
            get(gwb[l], gScratch, len[l]);
            final int o = off[l];
            for (int i = 0; i < len[l]; i++) {
                thetaGrad[o + i] += gScratch[i];
            }
        }
        if (xBar != null) {
            b.bx.run();   // x̄ = δ1 W1ᵀ
            get(b.xBar, xBar, rows * s.inputs());
        }
    }
}
