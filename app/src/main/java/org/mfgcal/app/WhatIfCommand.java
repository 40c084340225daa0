package org.mfgcal.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mfgcal.api.Provenance;
import org.mfgcal.app.plot.Plot;
import org.mfgcal.calibrator.calibrate.Model;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.calibrator.game.MobilityGame;
import org.mfgcal.calibrator.solver.EquilibriumSolver;
import org.mfgcal.calibrator.solver.Solution;
import org.mfgcal.calibrator.solver.SolverOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal whatif}: closes a zone of a calibrated mobility model during bins [FROM, TO] (rates into it 0, running
 * penalty 1000 for being there), solves the equilibrium with the calibrated parameters from the model's reference
 * day, and reports the shift of the population per zone ({@code DIR2/result.json}, {@code DIR2/whatif.png}).
 */
@Command(name = "whatif", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Counterfactual: close a zone during bins [FROM, TO] and re-solve the calibrated equilibrium.")
public final class WhatIfCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Output directory of a mobility calibrate run.")
    Path model;
    @Option(names = "--close", required = true, paramLabel = "ZONE", description = "Zone name (e.g. PHX) or index.")
    String zone;
    @Option(names = "--from", required = true, paramLabel = "BIN", description = "First closed grid step.")
    int from;
    @Option(names = "--to", required = true, paramLabel = "BIN", description = "Last closed grid step (inclusive).")
    int to;
    @Option(names = "--penalty", defaultValue = "1000", description = "Running penalty for being in the closed zone. Default ${DEFAULT-VALUE}.")
    double penalty;
    @Option(names = "--substeps", defaultValue = "64", description = "Fine steps per calibration step for the stiff closed game (refined ×4 up to twice if needed). Default ${DEFAULT-VALUE}.")
    int substeps;
    @Option(names = "--out", required = true, paramLabel = "DIR2")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (substeps < 1 || substeps > 1 << 16) {
            throw new IllegalArgumentException("--substeps must be in 1..65536, got " + substeps);
        }
        if (!(penalty >= 0) || Double.isInfinite(penalty)) {
            throw new IllegalArgumentException("--penalty must be finite and >= 0, got " + penalty);
        }
        Path mf = model.resolve("model.json");
        Path rf = model.resolve("reference-day.json");
        if (!Files.isRegularFile(mf) || !Files.isRegularFile(rf)) {
            throw new IllegalArgumentException("--model " + model + ": expected model.json and reference-day.json (a calibrate output directory)");
        }
        Model m = Model.load(mf);
        if (!"mobility".equals(m.spec().game())) {
            throw new IllegalArgumentException(mf + ": game " + m.spec().game() + " has no zones to close (mobility only)");
        }
        Sample ref;
        try {
            ref = JSON.readValue(rf.toFile(), Sample.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(rf + ": not a reference day (" + e.getOriginalMessage() + ")");
        }
        if (ref == null) {
            throw new IllegalArgumentException(rf + ": not a reference day (empty JSON)");
        }
        String[] names = m.spec().stateNames();
        int z = -1;
        for (int i = 0; i < names.length; i++) {
            if (names[i].equalsIgnoreCase(zone)) {
                z = i;
            }
        }
        if (z < 0) {
            try {
                z = Integer.parseInt(zone);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--close " + zone + ": unknown zone (zones: " + String.join(", ", names) + ")");
            }
        }
        int nT = m.spec().steps(), d = names.length;
        checkReference(rf, ref, nT, d);
        if (z < 0 || z >= d) {
            throw new IllegalArgumentException("--close " + zone + ": zone index must be in 0.." + (d - 1));
        }
        if (from < 0 || to < from || to >= nT) {
            throw new IllegalArgumentException("--from " + from + " --to " + to + ": need 0 ≤ FROM ≤ TO ≤ " + (nT - 1));
        }
        // The closure (penalty 1000 per unit time) makes the HJB stiff: explicit steps of the calibration grid blow up.
        // Solve both scenarios on a grid refined k-fold (γ piecewise constant per calibration step, the closure on the
        // fine steps of bins FROM..TO), refining further until the closed equilibrium converges; report on the
        // calibration grid.
        double[] gamma = m.predict(ref, null).gamma();
        int p = m.game().paramsPerStep();
        Solution before = null, after = null;
        int k = substeps;
        for (int attempt = 0; attempt < 3; attempt++, k *= 4) {
            int fine = (nT - 1) * k + 1;
            double[] gf = new double[fine * p];
            for (int n = 0; n < fine; n++) {
                System.arraycopy(gamma, Math.min(nT - 1, n / k) * p, gf, n * p, p);
            }
            MobilityGame calibrated = (MobilityGame) m.game();
            MobilityGame shut = calibrated.withClosure(new MobilityGame.Closure(z, from * k, Math.min(fine - 1, (to + 1) * k - 1), penalty));
            SolverOptions o = m.options().withMaxIter(20000, 20000);
            double[] mu0 = ref.mu0(d);
            Solution b = new EquilibriumSolver(calibrated, m.spec().horizon(), fine, o).solve(mu0, gf);
            Solution a = new EquilibriumSolver(shut, m.spec().horizon(), fine, o).solve(mu0, gf, b.mu());
            if (!a.converged()) {
                a = new EquilibriumSolver(shut, m.spec().horizon(), fine, o.withDamping(0.5)).solve(mu0, gf, b.mu());
            }
            before = coarse(b, k, nT, d);
            after = coarse(a, k, nT, d);
            if (b.converged() && a.converged()) {
                break;
            }
        }
        if (!before.converged() || !after.converged()) {
            throw new IllegalStateException("equilibrium did not converge (calibrated: " + before.converged()
                    + ", closed: " + after.converged() + ", residual " + after.residual() + ", " + k / 4 + " substeps)");
        }
        final int usedSubsteps = k;
        Files.createDirectories(out);
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("command", "whatif");
        res.put("model", mf.toString());
        res.put("reference_day", ref.label());
        res.put("closed_zone", names[z]);
        res.put("from_bin", from);
        res.put("to_bin", to);
        res.put("penalty", penalty);
        res.put("substeps", usedSubsteps);
        Map<String, Object> perZone = new LinkedHashMap<>();
        double displaced = 0;
        for (int x = 0; x < d; x++) {
            double mb = 0, ma = 0, wb = 0, wa = 0;
            for (int n = from; n <= to; n++) {
                wb += before.mu()[n * d + x] / (to - from + 1);
                wa += after.mu()[n * d + x] / (to - from + 1);
            }
            for (int n = 0; n < nT; n++) {
                mb += before.mu()[n * d + x] / nT;
                ma += after.mu()[n * d + x] / nT;
            }
            Map<String, Object> zm = new LinkedHashMap<>();
            zm.put("share_during_closure_before", wb);
            zm.put("share_during_closure_after", wa);
            zm.put("shift_during_closure", wa - wb);
            zm.put("shift_mean_over_day", ma - mb);
            zm.put("shift_at_end", after.mu()[(nT - 1) * d + x] - before.mu()[(nT - 1) * d + x]);
            perZone.put(names[x], zm);
            displaced += Math.abs(wa - wb) / 2;
        }
        res.put("shift", perZone);
        res.put("displaced_share_during_closure", displaced);
        res.put("mu_before", CalibrationReport.rows(before.mu(), nT, d));
        res.put("mu_after", CalibrationReport.rows(after.mu(), nT, d));
        res.put("provenance", Provenance.ofRun(Map.of("model", mf.toString(), "close", zone, "from", from, "to", to,
                "penalty", penalty), List.of(), DataHash.sha256(mf, rf)));
        JSON.writeValue(out.resolve("result.json").toFile(), res);
        List<Plot.Panel> panels = new ArrayList<>();
        double[] x = Plot.range(nT);
        for (int zz = 0; zz < d; zz++) {
            Plot.Panel pn = new Plot.Panel(names[zz] + (zz == z ? " (closed " + from + "–" + to + ")" : ""), "bin", "share");
            pn.line("calibrated", x, CalibrationReport.col(before.mu(), nT, d, zz), Plot.PALETTE[0]);
            pn.line("closed", x, CalibrationReport.col(after.mu(), nT, d, zz), Plot.PALETTE[3]);
            panels.add(pn);
        }
        Plot.write(out.resolve("whatif.png"), "What-if: close " + names[z] + " during bins " + from + "–" + to, panels, 4);
        System.out.printf("closed %s during bins %d–%d: %.4f of the population displaced on average; shifts during closure:%n",
                names[z], from, to, displaced);
        for (var e : perZone.entrySet()) {
            System.out.printf("  %-9s %+.4f%n", e.getKey(), (Double) ((Map<?, ?>) e.getValue()).get("shift_during_closure"));
        }
        System.err.println("mfgcal whatif: wrote " + out.resolve("result.json"));
        return 0;
    }

    /** The solution on every k-th step of the fine grid (the calibration grid); u is not carried over. */
    static Solution coarse(Solution s, int k, int nT, int d) {
        double[] mu = new double[nT * d];
        for (int n = 0; n < nT; n++) {
            System.arraycopy(s.mu(), n * k * d, mu, n * d, d);
        }
        return new Solution(mu, null, nT, d, s.iterations(), s.converged(), s.residual(), s.minMu(), s.maxMassError(),
                s.exploitability());
    }

    /** The reference day must be what {@code calibrate} writes: N×d shares in [0, 1] and N rows of finite features. */
    static void checkReference(Path rf, Sample ref, int nT, int d) {
        double[] obs = ref.obs();
        if (obs == null || obs.length != nT * d) {
            throw new IllegalArgumentException(rf + ": field 'obs' must hold N×d = " + nT + "×" + d + " shares, got "
                    + (obs == null ? "none" : obs.length + " numbers"));
        }
        for (int i = 0; i < obs.length; i++) {
            if (!(obs[i] >= 0 && obs[i] <= 1)) {
                throw new IllegalArgumentException(rf + ": field 'obs[" + i + "]' must be a share in [0, 1], got " + obs[i]);
            }
        }
        double[] time = ref.time();
        if (time == null || time.length == 0 || time.length % nT != 0) {
            throw new IllegalArgumentException(rf + ": field 'time' must hold N = " + nT + " rows of time features, got "
                    + (time == null ? "none" : time.length + " numbers"));
        }
        for (int i = 0; i < time.length; i++) {
            if (!Double.isFinite(time[i])) {
                throw new IllegalArgumentException(rf + ": field 'time[" + i + "]' must be finite, got " + time[i]);
            }
        }
    }
}
