package org.mfgcal.calibrator.calibrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Games;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.neural.JavaMlp;
import org.mfgcal.calibrator.neural.MlpSpec;
import org.mfgcal.calibrator.neural.Nd4jMlp;
import org.mfgcal.calibrator.neural.Network;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;
import org.mfgcal.calibrator.solver.SquaredLoss;
import org.mfgcal.calibrator.optim.Adam;

/**
 * A calibratable model: a game, a parameterisation γθ and its weights θ, and the equilibrium solvers. This is the
 * unit the offline trainer and the online loop share:
 * <pre>
 *   Model m = Model.create(spec, seed);                  // or Model.load(dir.resolve("model.json"))
 *   double loss = m.gradient(batch, windows, thetaGrad);  // dL/dθ through the implicit adjoint
 *   adam.step(m.theta(), thetaGrad);                      // one optimiser step
 *   Solution s = m.predict(sample);                       // μ* from the sample's μ_0
 *   m.save(path);
 * </pre>
 * Pre-evaluated: γ = γθ(t, μ^obs) for the batch in one network call, then one solve + adjoint per trajectory, then
 * one backpropagation of all dL/dγ into θ. Coupled: γ = γθ(t, μ̂) inside the fixed point
 * ({@link EquilibriumSolver#solve(double[], EquilibriumSolver.Field, double[])}), the backpropagation at μ*.
 *
 * <p>Not thread-safe (solvers and networks are per instance): one model per thread, {@link #copy()} for another.
 */
public final class Model {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ModelSpec spec;
    private final Game game;
    private final Parameterisation param;
    private final double[] theta;
    private final SolverOptions options;
    private final EquilibriumSolver solver;
    /** The solver of training and validation: gradients and μ* only (no exploitability sweep, ≈ 2 of 15 CPU s). */
    private final EquilibriumSolver fitSolver;
    private final EquilibriumSolver coupledSolver;
    private final int d, p, nT;

    private Model(ModelSpec spec, Game game, double[] theta) {
        this(spec, game, theta, SolverOptions.DEFAULTS.withDamping(spec.damping()).withMaxIter(2000, 2000));
    }

    private Model(ModelSpec spec, Game game, double[] theta, SolverOptions solverOptions) {
        this.spec = spec;
        this.game = game;
        this.d = spec.states();
        this.nT = spec.steps();
        if (game.states() != d) {
            throw new IllegalArgumentException("game " + game.name() + " has " + game.states() + " states, the model names " + d);
        }
        this.param = buildParameterisation(spec);
        this.p = param.paramsPerStep();
        if (p != game.paramsPerStep()) {
            throw new IllegalArgumentException("parameterisation produces " + p + " columns, game " + game.name()
                    + " takes " + game.paramsPerStep() + " parameters per step");
        }
        if (theta.length != param.size()) {
            throw new IllegalArgumentException("model has " + theta.length + " weights, its parameterisation needs " + param.size());
        }
        this.theta = theta;
        this.options = solverOptions;
        this.solver = new EquilibriumSolver(game, spec.horizon(), nT, options);
        this.fitSolver = new EquilibriumSolver(game, spec.horizon(), nT, options);
        this.fitSolver.setReportExploitability(false);
        this.coupledSolver = new EquilibriumSolver(game, spec.horizon(), nT, options);
    }

    /** A model with seeded initial weights. */
    public static Model create(ModelSpec spec, long seed) {
        Game game = buildGame(spec, null);
        Random rnd = new Random(seed);
        double[] all = new double[0];
        for (BlockSpec b : spec.blocks()) {
            double[] w = initialWeights(spec, b, rnd);
            double[] n = new double[all.length + w.length];
            System.arraycopy(all, 0, n, 0, all.length);
            System.arraycopy(w, 0, n, all.length, w.length);
            all = n;
        }
        return new Model(spec, game, all);
    }

    /** A model with the given weights (e.g. a checkpoint). */
    public static Model of(ModelSpec spec, double[] theta) {
        return new Model(spec, buildGame(spec, null), theta.clone());
    }

    /** The same spec and weights with a zone closed (mobility games only). */
    public Model withClosure(MobilityGame.Closure closure) {
        return new Model(spec, buildGame(spec, closure), theta.clone());
    }

    /** The same model solved with other solver options (e.g. tight tolerances for finite-difference checks). */
    public Model withOptions(SolverOptions o) {
        return new Model(spec, game, theta.clone(), o);
    }

    public Model copy() {
        return new Model(spec, game, theta.clone());
    }

    static Game buildGame(ModelSpec spec, MobilityGame.Closure closure) {
        int d = spec.states();
        Game g;
        if ("kolmogorov".equals(spec.game())) {
            Map<String, Object> ps = new HashMap<>(spec.gameParams());
            Object of = ps.remove("graph_of");
            var graph = of == null || "mobility".equals(of) ? org.mfgcal.calibrator.game.Graph.complete(d)
                    : Games.create(String.valueOf(of), Map.of(), d).graph();
            g = new MobilityGame(graph, 1.0, 0.0, new double[d]);
        } else {
            g = Games.create(spec.game(), spec.gameParams(), d);
        }
        if (closure != null) {
            if (!(g instanceof MobilityGame mg)) {
                throw new IllegalArgumentException("closures apply to mobility games, not " + g.name());
            }
            g = mg.withClosure(closure);
        }
        return g;
    }

    private static Network network(ModelSpec spec, MlpSpec ms) {
        return "java".equals(spec.backend()) ? new JavaMlp(ms) : new Nd4jMlp(ms);
    }

    private static MlpSpec mlpSpec(ModelSpec spec, BlockSpec b) {
        int in = spec.timeFeatureNames().length + (b.useMu() ? spec.states() : 0);
        return new MlpSpec(in, b.hidden(), b.columns(),
                "softplus".equals(b.output()) ? MlpSpec.Output.SOFTPLUS : MlpSpec.Output.IDENTITY, b.floor());
    }

    private static Parameterisation block(ModelSpec spec, BlockSpec b) {
        if ("table".equals(b.kind())) {
            return new TableParameterisation(b.columns(), spec.steps(), b.bins(), "softplus".equals(b.output()),
                    b.floor(), b.smoothness());
        }
        return new NeuralParameterisation(network(spec, mlpSpec(spec, b)), spec.steps(), spec.timeFeatureNames().length,
                spec.states(), b.useMu());
    }

    private static double[] initialWeights(ModelSpec spec, BlockSpec b, Random rnd) {
        if ("table".equals(b.kind())) {
            double[] v = new double[b.columns()];
            for (int k = 0; k < v.length; k++) {
                v[k] = b.initFor(k);
            }
            return ((TableParameterisation) block(spec, b)).initialWeights(v);
        }
        return mlpSpec(spec, b).initialWeights(rnd, b.initFor(0));
    }

    static Parameterisation buildParameterisation(ModelSpec spec) {
        if (spec.blocks().size() == 1) {
            return block(spec, spec.blocks().get(0));
        }
        List<Parameterisation> ps = new ArrayList<>();
        for (BlockSpec b : spec.blocks()) {
            ps.add(block(spec, b));
        }
        return new StackedParameterisation(ps, spec.steps());
    }

    public ModelSpec spec() {
        return spec;
    }

    public Game game() {
        return game;
    }

    public Parameterisation parameterisation() {
        return param;
    }

    /** The live weights (an optimiser updates them in place). */
    public double[] theta() {
        return theta;
    }

    public void setTheta(double[] th) {
        System.arraycopy(th, 0, theta, 0, theta.length);
    }

    public SolverOptions options() {
        return options;
    }

    /** γθ pre-evaluated on the sample's observed μ (N·p). */
    public double[] gamma(Sample s) {
        double[] g = new double[nT * p];
        param.gamma(theta, new Parameterisation.Inputs[] {new Parameterisation.Inputs(s.time(), s.obs())}, 1, g);
        return g;
    }

    /** The field γθ(t, μ̂) of one trajectory for the coupled solver. */
    public EquilibriumSolver.Field field(double[] time) {
        return new EquilibriumSolver.Field() {
            @Override
            public void gamma(double[] muHat, double[] gamma) {
                param.gamma(theta, new Parameterisation.Inputs[] {new Parameterisation.Inputs(time, muHat)}, 1, gamma);
            }

            @Override
            public void muVjp(double[] muHat, double[] gammaBar, double[] muHatBar) {
                param.muVjp(theta, new Parameterisation.Inputs(time, muHat), gammaBar, muHatBar);
            }
        };
    }

    /** Whether predictions evaluate γ on the solver's iterate (coupled) rather than on observed μ. */
    public boolean isCoupled() {
        return spec.coupled() && param.dependsOnMu();
    }

    /** Pre-evaluated γ paths of several samples in one batched evaluation (count·N·p). */
    public double[] gammaBatch(List<Sample> samples) {
        Parameterisation.Inputs[] in = new Parameterisation.Inputs[samples.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = new Parameterisation.Inputs(samples.get(i).time(), samples.get(i).obs());
        }
        double[] g = new double[in.length * nT * p];
        param.gamma(theta, in, in.length, g);
        return g;
    }

    /**
     * μ* of a sample for a given pre-evaluated γ path (N·p), as validation during training needs it: the exploitability
     * is not computed (NaN); {@link #predict} reports it.
     */
    public Solution solve(Sample s, double[] gamma, double[] warm) {
        return fitSolver.solve(s.mu0(d), gamma, warm);
    }

    /** Result of a prediction: μ* and the γ path it used. */
    public record Prediction(Solution solution, double[] gamma) {
    }

    /** μ* over the full horizon from the sample's first observed row (coupled or pre-evaluated per the spec). */
    public Prediction predict(Sample s, double[] warm) {
        double[] mu0 = s.mu0(d);
        if (spec.coupled() && param.dependsOnMu()) {
            Solution sol = coupledSolver.solve(mu0, field(s.time()), warm);
            return new Prediction(sol, coupledSolver.lastGamma());
        }
        double[] g = gamma(s);
        return new Prediction(solver.solve(mu0, g, warm), g);
    }

    /** Per-batch outcome. */
    public record BatchResult(double loss, int notConverged, double[][] mu) {
    }

    /**
     * Mean loss over a batch and its gradient: {@code thetaGrad} (modified, overwritten) = d/dθ of
     * (1/B) Σ_i L_i(μ*_i), L_i the squared loss of sample i on {@code losses[i]} (window and mask). {@code warm}
     * (nullable entries) are warm starts, replaced by the new μ* when not null.
     */
    public BatchResult gradient(Sample[] batch, int count, SquaredLoss[] losses, double[][] warm, double[] thetaGrad) {
        java.util.Arrays.fill(thetaGrad, 0);
        Parameterisation.Inputs[] in = new Parameterisation.Inputs[count];
        double[] gBar = new double[count * nT * p];
        double[] grad = new double[nT * p];
        double total = 0;
        int bad = 0;
        double[][] mus = new double[count][];
        boolean coupled = spec.coupled() && param.dependsOnMu();
        double[] gAll = null;
        if (!coupled) {
            for (int i = 0; i < count; i++) {
                in[i] = new Parameterisation.Inputs(batch[i].time(), batch[i].obs());
            }
            gAll = new double[count * nT * p];
            param.gamma(theta, in, count, gAll);
        }
        for (int i = 0; i < count; i++) {
            Sample s = batch[i];
            double[] w = warm == null ? null : warm[i];
            Gradient g;
            if (coupled) {
                g = coupledSolver.lossAndGradient(s.mu0(d), field(s.time()), w, losses[i], s.obs(), grad);
                in[i] = new Parameterisation.Inputs(s.time(), g.solution().mu());
            } else {
                double[] gi = java.util.Arrays.copyOfRange(gAll, i * nT * p, (i + 1) * nT * p);
                g = fitSolver.lossAndGradient(s.mu0(d), gi, w, losses[i], s.obs(), grad);
            }
            if (!g.solution().converged() || !g.adjointConverged() || !Double.isFinite(g.loss())) {
                bad++;
                if (in[i] == null) {
                    in[i] = new Parameterisation.Inputs(s.time(), s.obs());
                }
                continue; // contributes no gradient
            }
            mus[i] = g.solution().mu();
            if (warm != null) {
                warm[i] = mus[i];
            }
            total += g.loss();
            for (int k = 0; k < nT * p; k++) {
                gBar[i * nT * p + k] = grad[k] / count;
            }
        }
        param.backprop(theta, in, count, gBar, thetaGrad);
        return new BatchResult(total / Math.max(1, count - bad), bad, mus);
    }

    /** Saved form: spec and weights. */
    public record Saved(ModelSpec spec, double[] theta, Adam.State adam) {
    }

    public void save(Path file, Adam.State adam) throws IOException {
        JSON.writeValue(file.toFile(), new Saved(spec, theta, adam));
    }

    public static Saved read(Path file) throws IOException {
        try {
            return JSON.readValue(file.toFile(), Saved.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not a saved model (" + e.getOriginalMessage() + ")", e);
        }
    }

    public static Model load(Path file) throws IOException {
        Saved s = read(file);
        return of(s.spec(), s.theta());
    }
}
