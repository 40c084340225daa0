package org.mfgcal.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mfgcal.api.Provenance;
import org.mfgcal.app.data.BadInputException;
import org.mfgcal.app.plot.NetworkPlot;
import org.mfgcal.app.plot.Plot;
import org.mfgcal.calibrator.discrete.RoutingGame;
import org.mfgcal.calibrator.discrete.SoftCalibration;
import org.mfgcal.calibrator.discrete.SoftEquilibrium;

/**
 * {@code mfgcal calibrate --game braess --link-counts FILE --out DIR}: fits the free-flow time of B→C and the capacity
 * of A→B of the Braess routing game (docs/DISCRETE_GAMES.md §4) to observed link counts only, through the implicit
 * gradient of the regularised equilibrium (τ = 0.1), and writes {@code DIR/result.json} and
 * {@code DIR/link-counts.png}. The counts file is CSV with header {@code link,count}, one row per observed link
 * ({@code A->B}); any subset of links may be given. Bad input: exit 2 with file, line and field.
 */
final class RoutingCalibration {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final double[] START = {0.5, 8.0};
    static final int MAX_ITER = 50;

    private final Path file;
    private final Path out;

    RoutingCalibration(Path file, Path out) {
        this.file = file;
        this.out = out;
    }

    /** Parsed counts: link indices and values, in file order. */
    record Counts(int[] links, double[] values) {
    }

    static Counts read(Path file, RoutingGame g) throws IOException {
        if (file == null) {
            throw new IllegalArgumentException("--link-counts FILE is required for --game braess");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--link-counts " + file + ": no such file");
        }
        List<Integer> idx = new ArrayList<>();
        List<Double> val = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file)) {
            String header = r.readLine();
            if (header == null || !header.trim().replace(" ", "").equalsIgnoreCase("link,count")) {
                throw new BadInputException(file, 1, null, "header must be 'link,count', got '" + header + "'");
            }
            String line;
            int n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != 2) {
                    throw new BadInputException(file, n, null, "expected 2 fields link,count, got " + f.length);
                }
                String id = f[0].trim();
                int e = g.linkIndex(id);
                if (e < 0) {
                    throw new BadInputException(file, n, "link", "'" + id + "' is not a link of the Braess network "
                            + "(O->A, A->B, A->C, B->C, B->D, C->D, D->E)");
                }
                if (idx.contains(e)) {
                    throw new BadInputException(file, n, "link", "'" + id + "' given twice");
                }
                double c;
                try {
                    c = Double.parseDouble(f[1].trim());
                } catch (NumberFormatException ex) {
                    throw new BadInputException(file, n, "count", "'" + f[1].trim() + "' is not a number");
                }
                if (!(c >= 0) || Double.isInfinite(c)) {
                    throw new BadInputException(file, n, "count", c + " must be finite and ≥ 0");
                }
                idx.add(e);
                val.add(c);
            }
        }
        if (idx.isEmpty()) {
            throw new BadInputException(file, 0, null, "no link counts");
        }
        int[] links = new int[idx.size()];
        double[] values = new double[idx.size()];
        for (int i = 0; i < links.length; i++) {
            links[i] = idx.get(i);
            values[i] = val.get(i);
        }
        return new Counts(links, values);
    }

    Integer call() throws IOException {
        RoutingGame g = RoutingGame.braess();
        Counts c = read(file, g);
        Files.createDirectories(out);
        double tau = SoftCalibration.defaultTemperature("braess");
        SoftCalibration cal = new SoftCalibration(g, tau, SoftCalibration.linkCounts(c.links()), c.values());
        long t0 = System.nanoTime();
        SoftCalibration.Fit fit = cal.fit(START, MAX_ITER);
        double secs = (System.nanoTime() - t0) * 1e-9;
        RoutingGame fitted = g.withParameters(fit.theta());
        SoftEquilibrium eq = new SoftEquilibrium(fitted, tau);
        eq.solve(null);
        double[] flows = fitted.linkFlows(eq.stateAction());

        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "calibrate");
        res.put("game", "braess");
        Map<String, Object> params = new LinkedHashMap<>();
        String[] names = g.parameterNames();
        for (int j = 0; j < names.length; j++) {
            params.put(names[j], fit.theta()[j]);
        }
        res.put("parameters", params);
        res.put("start", START);
        res.put("temperature", tau);
        res.put("loss", fit.loss());
        res.put("iterations", fit.iterations());
        res.put("seconds", secs);
        res.put("loss_history", fit.lossHistory());
        Map<String, Object> obs = new LinkedHashMap<>();
        for (int i = 0; i < c.links().length; i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("observed", c.values()[i]);
            m.put("fitted", fit.observed()[i]);
            obs.put(g.links().get(c.links()[i]).id(), m);
        }
        res.put("link_counts", obs);
        Map<String, Object> all = new LinkedHashMap<>();
        for (int e = 0; e < flows.length; e++) {
            all.put(g.links().get(e).id(), flows[e]);
        }
        res.put("fitted_link_flows", all);
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("game", "braess");
        cfg.put("link_counts", file.toString());
        cfg.put("temperature", tau);
        res.put("provenance", Provenance.ofRun(cfg, List.of(), null));
        JSON.writeValue(out.resolve("result.json").toFile(), res);

        List<NetworkPlot.Edge> edges = new ArrayList<>();
        for (int e = 0; e < flows.length; e++) {
            int k = -1;
            for (int i = 0; i < c.links().length; i++) {
                if (c.links()[i] == e) {
                    k = i;
                }
            }
            String label = k >= 0 ? String.format(Locale.ROOT, "obs %.3f / fit %.3f", c.values()[k], flows[e])
                    : String.format(Locale.ROOT, "fit %.3f", flows[e]);
            edges.add(new NetworkPlot.Edge(g.links().get(e).from(), g.links().get(e).to(), flows[e], label));
        }
        NetworkPlot.write(out.resolve("link-counts.png"), "Braess: observed vs fitted link counts",
                RoutingGame.braessPositions(), edges);
        double[] it = new double[fit.lossHistory().size()];
        double[] ls = new double[it.length];
        for (int i = 0; i < it.length; i++) {
            it[i] = i;
            ls[i] = Math.max(fit.lossHistory().get(i), 1e-32);
        }
        Plot.write(out.resolve("loss.png"), "Braess calibration (Levenberg–Marquardt on implicit gradients)",
                List.of(new Plot.Panel("loss", "iteration", "squared error").line("loss", it, ls, Plot.PALETTE[0]).logY()), 1);
        System.err.printf(Locale.ROOT, "mfgcal calibrate: braess: %s = %.6g, %s = %.6g, loss %.3e after %d iterations -> %s%n",
                names[0], fit.theta()[0], names[1], fit.theta()[1], fit.loss(), fit.iterations(), out);
        return 0;
    }
}
