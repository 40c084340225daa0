package org.mfgcal.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mfgcal.api.Provenance;
import org.mfgcal.app.plot.HeatMap;
import org.mfgcal.app.plot.NetworkPlot;
import org.mfgcal.app.plot.Plot;
import org.mfgcal.calibrator.discrete.Algorithm;
import org.mfgcal.calibrator.discrete.CrowdModelling2d;
import org.mfgcal.calibrator.discrete.DiscreteGame;
import org.mfgcal.calibrator.discrete.DiscreteGames;
import org.mfgcal.calibrator.discrete.DiscreteSolver;
import org.mfgcal.calibrator.discrete.Evaluator;
import org.mfgcal.calibrator.discrete.RoutingGame;
import org.mfgcal.calibrator.discrete.SolveResult;
import org.mfgcal.calibrator.discrete.SolverOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal equilibrium}: solves a discrete-time mean field game (docs/DISCRETE_GAMES.md) with one of the six
 * solvers and writes {@code DIR/exploitability.csv} (iteration, exploitability, seconds), {@code DIR/mu.csv},
 * {@code DIR/result.json} (settings, exploitability and elapsed time per iteration, final exploitability,
 * game-specific summaries) and PNG pictures: the
 * exploitability curve, heat maps of μ_t (grid and line games) or link flows (routing). Exit 0 when the target
 * exploitability was reached, 1 when the budget ran out first (outputs still written), 2 on bad usage.
 */
@Command(name = "equilibrium", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Solve a discrete-time mean field game and record exploitability per iteration.")
public final class EquilibriumCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--game", required = true, description = "four-rooms | crowd-ring | braess | sioux-falls | beach-bar | sis | lq")
    String game;
    @Option(names = "--solver", required = true, description = "fp | omd | fixed-point | anderson | flow-shift | newton | newton-windows (flow-shift, newton: crowd-ring and four-rooms only; newton-windows: four-rooms only)")
    String solver;
    @Option(names = "--iterations", defaultValue = "2000", paramLabel = "K", description = "Iteration budget. Default ${DEFAULT-VALUE}.")
    int iterations;
    @Option(names = "--target", defaultValue = "1e-3", description = "Stop at this exploitability (0: run K iterations). Default ${DEFAULT-VALUE}.")
    double target;
    @Option(names = "--learning-rate", description = "OMD step η (default per game, docs/DISCRETE_GAMES.md).")
    Double learningRate;
    @Option(names = "--temperature", description = "Softmax temperature τ of fixed-point / Anderson (default 1e-3).")
    Double temperature;
    @Option(names = "--damping", description = "Fixed-point damping δ / Anderson mixing (defaults 0.1 / 1).")
    Double damping;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!DiscreteGames.NAMES.contains(game)) {
            throw new IllegalArgumentException("--game " + game + ": expected one of " + String.join(", ", DiscreteGames.NAMES));
        }
        Algorithm alg = Algorithm.parse(solver);
        if (iterations < 1) {
            throw new IllegalArgumentException("--iterations " + iterations + ": must be ≥ 1");
        }
        if (!(target >= 0) || Double.isInfinite(target)) {
            throw new IllegalArgumentException("--target " + target + ": must be finite and ≥ 0");
        }
        if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
            throw new IllegalArgumentException("--learning-rate " + learningRate + ": must be finite and > 0");
        }
        if (temperature != null && !(temperature > 0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException("--temperature " + temperature + ": must be finite and > 0");
        }
        if (damping != null && !(damping > 0 && damping <= 1)) {
            throw new IllegalArgumentException("--damping " + damping + ": must be in (0, 1]");
        }
        SolverOptions opt = DiscreteGames.options(game, alg).withIterations(iterations).withTarget(target);
        if (learningRate != null) {
            opt = opt.withLearningRate(learningRate);
        }
        if (temperature != null) {
            opt = opt.withTemperature(temperature);
        }
        if (damping != null) {
            opt = opt.withDamping(damping);
        }
        DiscreteGame g = DiscreteGames.create(game);
        if (!DiscreteSolver.supports(g, alg)) {
            throw new IllegalArgumentException("--solver " + alg.cliName() + ": not available for --game " + game
                    + (alg == Algorithm.NEWTON_WINDOWS ? " (needs a crowd potential game with time windows: four-rooms)"
                    : " (needs a crowd potential game: crowd-ring, four-rooms)"));
        }
        Files.createDirectories(out);
        DiscreteSolver s = new DiscreteSolver(g, opt);
        SolveResult r = s.solve(alg);

        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("exploitability.csv")))) {
            w.println("iteration,exploitability,seconds");
            for (int k = 0; k < r.iterations(); k++) {
                w.printf(Locale.ROOT, "%d,%.17g,%.6f%n", k + 1, r.exploitability()[k], r.seconds()[k]);
            }
        }
        int nS = g.states();
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("mu.csv")))) {
            w.println("t,state,mu");
            for (int t = 0; t < g.steps(); t++) {
                for (int x = 0; x < nS; x++) {
                    w.printf(Locale.ROOT, "%d,%d,%.17g%n", t, x, r.mu()[t * nS + x]);
                }
            }
        }
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "equilibrium");
        res.put("game", game);
        res.put("solver", alg.cliName());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("iterations", opt.maxIterations());
        o.put("target", opt.target());
        o.put("learning_rate", opt.learningRate());
        o.put("temperature", opt.temperature());
        o.put("damping", opt.damping());
        o.put("memory", opt.memory());
        o.put("start_temperature", opt.startTemperature());
        o.put("cooling", opt.cooling());
        res.put("options", o);
        res.put("states", nS);
        res.put("actions", g.actions());
        res.put("steps", g.steps());
        res.put("iterations", r.iterations());
        res.put("reached_target", r.reachedTarget());
        res.put("final_exploitability", r.finalExploitability());
        res.put("seconds", r.seconds()[r.iterations() - 1]);
        res.put("seconds_per_iteration", r.seconds()[r.iterations() - 1] / r.iterations());
        res.put("iterations_to_1e-3", r.iterationsTo(1e-3));
        if (alg == Algorithm.NEWTON_WINDOWS) {
            res.put("window_iterations", s.windowIterations());
        }
        res.put("exploitability", r.exploitability());
        res.put("elapsed_seconds", r.seconds());
        Evaluator ev = new Evaluator(g);
        ev.exploitability(r.policy());
        double v0 = 0;
        double[] mu0 = g.initialDistribution();
        for (int x = 0; x < nS; x++) {
            v0 += mu0[x] * ev.value()[x];
        }
        res.put("value", v0);
        List<Plot.Panel> curve = List.of(new Plot.Panel(game + " — " + alg.cliName(), "iteration", "exploitability")
                .line("exploitability", range1(r.iterations()), positive(r.exploitability()), Plot.PALETTE[0]).logY());
        Plot.write(out.resolve("exploitability.png"), "Exploitability per iteration", curve, 1);
        if (g instanceof RoutingGame rg) {
            double[] f = rg.linkFlows(r.stateAction());
            Map<String, Object> flows = new LinkedHashMap<>();
            List<NetworkPlot.Edge> edges = new ArrayList<>();
            for (int e = 0; e < f.length; e++) {
                String id = rg.links().get(e).id();
                flows.put(id, f[e]);
                edges.add(new NetworkPlot.Edge(rg.links().get(e).from(), rg.links().get(e).to(), f[e],
                        rg.links().size() > 20 ? (f[e] >= 0.5 ? String.format(Locale.ROOT, "%.0f", f[e]) : "")
                                : String.format(Locale.ROOT, "%.3f", f[e])));
            }
            res.put("link_flows", flows);
            res.put("travel_time", -v0);
            NetworkPlot.write(out.resolve("link-flows.png"), game + " network: equilibrium link volumes (vehicles)",
                    rg.positions(), edges);
        } else if (g instanceof CrowdModelling2d grid) {
            int size = grid.size();
            List<HeatMap.Panel> panels = new ArrayList<>();
            int[] times = {0, 1, 2, 5, 10, 20, 30, g.steps() - 1};
            for (int t : times) {
                if (t >= g.steps()) {
                    continue;
                }
                double[] v = new double[size * size];
                for (int x = 0; x < size; x++) {
                    for (int y = 0; y < size; y++) {
                        int st = x * size + y;
                        v[y * size + x] = grid.isWall(st) ? Double.NaN : r.mu()[t * nS + st];
                    }
                }
                panels.add(new HeatMap.Panel("t = " + t, size, size, v, "y", "x"));
            }
            HeatMap.write(out.resolve("mu-heatmap.png"), game + ": mean field μ_t (" + alg.cliName() + ")", panels, 4);
        } else {
            double[] v = new double[g.steps() * nS];
            System.arraycopy(r.mu(), 0, v, 0, v.length);
            HeatMap.write(out.resolve("mu-heatmap.png"), game + ": mean field μ_t(x) (" + alg.cliName() + ")",
                    List.of(new HeatMap.Panel("rows t = 0.." + (g.steps() - 1) + ", columns state", g.steps(), nS, v,
                            "t", "state")), 1);
        }
        res.put("provenance", Provenance.ofRun(o, List.of(), null));
        JSON.writeValue(out.resolve("result.json").toFile(), res);
        System.err.printf(Locale.ROOT, "mfgcal equilibrium: %s %s: %d iterations, exploitability %.3e, %.3f s -> %s%n",
                game, alg.cliName(), r.iterations(), r.finalExploitability(), r.seconds()[r.iterations() - 1], out);
        return r.reachedTarget() || target == 0 ? 0 : 1;
    }

    private static double[] range1(int n) {
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
        }
        return x;
    }

    private static double[] positive(double[] e) {
        double[] y = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            y[i] = Math.max(e[i], 1e-16);
        }
        return y;
    }
}
