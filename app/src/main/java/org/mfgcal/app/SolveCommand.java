package org.mfgcal.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mfgcal.calibrator.io.CaseFile;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Gradient;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.SquaredLoss;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mfgcal solve}: equilibrium, loss and implicit gradient of one case file (the conformance layout).
 * Exit 0 on success, 2 on bad input (message names the field and value), 1 when the equilibrium or adjoint does
 * not converge within its iteration limit (the output is still written, with {@code converged: false}).
 */
@Command(name = "solve", mixinStandardHelpOptions = true,
        description = "Solve a case: equilibrium mu*, loss to mu_obs and its exact gradient w.r.t. gamma.")
public final class SolveCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "CASE.json", description = "Case file (game, params, d, T, N, mu0, gamma, mu_obs, ...).")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "OUT.json", description = "Where to write the result.")
    Path output;

    @Option(names = "--scheme", defaultValue = "stable", description = "reference | stable (default: ${DEFAULT-VALUE}).")
    String scheme;

    @Option(names = "--solver", defaultValue = "anderson", description = "picard | anderson (default: ${DEFAULT-VALUE}).")
    String solver;

    @Option(names = "--repeat", defaultValue = "0", paramLabel = "R",
            description = "Time R calls after warm-up and report the medians solve_ms and grad_ms.")
    int repeat;

    @Override
    public Integer call() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input " + input + ": no such file");
        }
        if (repeat < 0) {
            throw new IllegalArgumentException("--repeat = " + repeat + ": must be ≥ 0");
        }
        Scheme sc = Scheme.parse(scheme);
        Method me = Method.parse(solver);
        CaseFile c = CaseFile.read(input);
        EquilibriumSolver s = new EquilibriumSolver(c.game(), c.horizon(), c.steps(), c.options(sc, me));
        SquaredLoss loss = SquaredLoss.fullHorizon(c.steps(), c.d());
        double[] grad = new double[c.gamma().length];
        Gradient g = s.lossAndGradient(c.mu0(), c.gamma(), null, loss, c.muObs(), grad);

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("case", c.name());
        out.put("game", c.game().name());
        out.put("scheme", sc.name().toLowerCase());
        out.put("solver", me.name().toLowerCase());
        out.put("mu", rows(g.solution().mu(), c.steps(), c.d()));
        out.put("loss", g.loss());
        out.put("grad", c.gammaIsMatrix() ? rows(grad, c.steps(), c.game().paramsPerStep()) : grad);
        out.put("picard_iterations", g.solution().iterations());
        out.put("adjoint_iterations", g.adjointIterations());
        boolean converged = g.solution().converged() && g.adjointConverged();
        out.put("converged", converged);
        out.put("picard_residual", g.solution().residual());
        out.put("adjoint_residual", g.adjointResidual());
        out.put("min_mu", g.solution().minMu());
        out.put("max_mass_error", g.solution().maxMassError());
        out.put("exploitability", finiteOrNull(g.solution().exploitability()));
        if (repeat > 0 && converged) {
            double[] t = time(s, c, loss);
            out.put("solve_ms", t[0]);
            out.put("grad_ms", t[1]);
            out.put("repeat", repeat);
        }
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        json.writeValue(output.toFile(), out);
        if (!g.solution().converged()) {
            spec.commandLine().getErr().printf("mfgcal solve: equilibrium did not converge: picard_max_iter = %d reached with residual %.3g > picard_tol = %.3g (%s scheme, %s solver)%n",
                    c.picardMaxIter(), g.solution().residual(), c.picardTol(), scheme, solver);
            spec.commandLine().getErr().flush();
            return 1;
        }
        if (!g.adjointConverged()) {
            spec.commandLine().getErr().printf("mfgcal solve: adjoint did not converge: adjoint_max_iter = %d reached with residual %.3g > adjoint_tol = %.3g%n",
                    c.adjointMaxIter(), g.adjointResidual(), c.adjointTol());
            spec.commandLine().getErr().flush();
            return 1;
        }
        return 0;
    }

    private static Object finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Medians (ms) of R solve calls and R loss+gradient calls, after warm-up (≥ R calls and ≥ 0.5 s of each). */
    private double[] time(EquilibriumSolver s, CaseFile c, SquaredLoss loss) {
        double[] grad = new double[c.gamma().length];
        long warmEnd = System.nanoTime() + 500_000_000L;
        for (int i = 0; i < repeat || System.nanoTime() < warmEnd; i++) {
            s.solve(c.mu0(), c.gamma());
            s.lossAndGradient(c.mu0(), c.gamma(), null, loss, c.muObs(), grad);
            if (i > 100_000) {
                break;
            }
        }
        double[] ts = new double[repeat];
        double[] tg = new double[repeat];
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            s.solve(c.mu0(), c.gamma());
            long t1 = System.nanoTime();
            s.lossAndGradient(c.mu0(), c.gamma(), null, loss, c.muObs(), grad);
            long t2 = System.nanoTime();
            ts[i] = (t1 - t0) / 1e6;
            tg[i] = (t2 - t1) / 1e6;
        }
        return new double[] {median(ts), median(tg)};
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }

    static double[][] rows(double[] flat, int nRows, int nCols) {
        double[][] r = new double[nRows][];
        for (int i = 0; i < nRows; i++) {
            r[i] = Arrays.copyOfRange(flat, i * nCols, (i + 1) * nCols);
        }
        return r;
    }
}
