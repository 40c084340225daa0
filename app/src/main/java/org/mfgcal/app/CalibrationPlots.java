package org.mfgcal.app;

import static org.mfgcal.app.CalibrationReport.col;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mfgcal.app.data.Incidence;
import org.mfgcal.app.plot.Plot;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Evaluation;
import org.mfgcal.calibrator.calibrate.Metrics;
import org.mfgcal.calibrator.calibrate.Model;
import org.mfgcal.calibrator.calibrate.OutbreakFit;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.calibrator.calibrate.Trainer;

/**
 * The PNG figures of {@code calibrate} (observed vs fitted shares, γ paths, training loss, incidence) written into
 * the output directory. Not thread-safe.
 */
final class CalibrationPlots {
    private final Path out;
    private final String game;
    private final Incidence.Data incData;
    private final Path incidence;

    /**
     * @param out       output directory
     * @param game      the game's name ({@code --game})
     * @param incData   the incidence data (outbreak fits; null otherwise)
     * @param incidence the incidence file (outbreak fits; null otherwise)
     */
    CalibrationPlots(Path out, String game, Incidence.Data incData, Path incidence) {
        this.out = out;
        this.game = game;
        this.incData = incData;
        this.incidence = incidence;
    }

    void plots(Dataset data, Model mfg, Model base, Trainer.Result tr, Trainer.Result br, Sample ref) throws IOException {
        int nT = data.steps(), dd = data.states();
        double[] x = new double[nT];
        for (int n = 0; n < nT; n++) {
            x[n] = n * data.dt();
        }
        double[] muM = mfg.predict(ref, null).solution().mu();
        double[] muB = base == null ? null : base.predict(ref, null).solution().mu();
        double[] muP = Evaluation.persistence(ref, nT, dd);
        List<Plot.Panel> panels = new ArrayList<>();
        for (int z = 0; z < dd; z++) {
            if (data.observed() != null && !data.observed()[z]) {
                continue;
            }
            Plot.Panel p = new Plot.Panel(data.stateNames()[z] + " (" + ref.label() + ")", "t", "share");
            p.points("observed", x, col(ref.obs(), nT, dd, z), Color.BLACK);
            p.line("mfg", x, col(muM, nT, dd, z), Plot.PALETTE[0]);
            if (muB != null) {
                p.dashed("no-game ODE", x, col(muB, nT, dd, z), Plot.PALETTE[1]);
            }
            p.dashed("persistence", x, col(muP, nT, dd, z), Plot.PALETTE[7]);
            panels.add(p);
        }
        Plot.write(out.resolve("shares.png"), "Observed vs fitted share per state — " + data.name(), panels, Math.min(4, panels.size()));

        // γ paths
        List<Plot.Panel> gp = new ArrayList<>();
        double[] g = mfg.predict(ref, null).gamma();
        int p = mfg.game().paramsPerStep();
        String[] names = mfg.game().parameterNames();
        if ("mobility".equals(game)) {
            var graph = mfg.game().graph();
            int e = graph.edges();
            double[] bg = base == null ? null : base.predict(ref, null).gamma();
            for (int z = 0; z < dd; z++) {
                double[] outM = new double[nT], outB = new double[nT], cM = new double[nT];
                for (int n = 0; n < nT; n++) {
                    for (int k = graph.rowStart(z); k < graph.rowEnd(z); k++) {
                        outM[n] += g[n * p + k];
                        if (bg != null) {
                            outB[n] += bg[n * e + k];
                        }
                        if (p > e) {
                            cM[n] += g[n * p + e + k];
                        }
                    }
                }
                Plot.Panel pn = new Plot.Panel("out-rate of " + data.stateNames()[z], "t", "Σ_y q_xy");
                pn.line("mfg q", x, outM, Plot.PALETTE[0]);
                if (bg != null) {
                    pn.dashed("no-game ODE", x, outB, Plot.PALETTE[1]);
                }
                if (p > e) {
                    pn.line("mfg Σ C", x, cM, Plot.PALETTE[2]);
                }
                gp.add(pn);
            }
        } else {
            for (int k = 0; k < p; k++) {
                Plot.Panel pn = new Plot.Panel(names[k], "t", names[k]);
                pn.line("fitted", x, col(g, nT, p, k), Plot.PALETTE[0]);
                if (ref.trueGamma() != null) {
                    pn.dashed("truth", x, col(ref.trueGamma(), nT, p, k), Color.BLACK);
                }
                gp.add(pn);
            }
        }
        Plot.write(out.resolve("gamma.png"), "γ(t) paths (" + ref.label() + ")", gp, Math.min(4, gp.size()));

        Plot.Panel lp = new Plot.Panel("training", "epoch", "loss (log)").logY();
        lp.line("mfg train", Plot.range(tr.trainLoss().length), tr.trainLoss(), Plot.PALETTE[0]);
        lp.dashed("mfg validation Mu L2", Plot.range(tr.validation().length), tr.validation(), Plot.PALETTE[0]);
        if (br != null) {
            lp.line("ODE train", Plot.range(br.trainLoss().length), br.trainLoss(), Plot.PALETTE[1]);
            lp.dashed("ODE validation Mu L2", Plot.range(br.validation().length), br.validation(), Plot.PALETTE[1]);
        }
        Plot.write(out.resolve("loss.png"), "Training loss", List.of(lp), 1);

        if (incData != null) {
            int days = incData.days().length;
            double[] fit = Incidence.modelIncidence(muM, nT, incData.population(), incData.incidence()[0]);
            Plot.Panel ip = new Plot.Panel("daily incidence", "day", "cases");
            ip.points("observed", incData.days(), incData.incidence(), Color.BLACK);
            ip.line("SIR MFG", incData.days(), java.util.Arrays.copyOf(fit, days), Plot.PALETTE[0]);
            if (muB != null) {
                ip.dashed("no-game ODE", incData.days(), Incidence.modelIncidence(muB, nT, incData.population(), incData.incidence()[0]), Plot.PALETTE[1]);
            }
            Plot.Panel sp = new Plot.Panel("compartments (MFG)", "day", "share");
            for (int z = 0; z < 3; z++) {
                sp.line(data.stateNames()[z], incData.days(), col(muM, nT, 3, z), Plot.PALETTE[z]);
            }
            sp.points("S observed", incData.days(), col(ref.obs(), nT, 3, 0), Color.BLACK);
            Plot.write(out.resolve("incidence.png"), "Hagelloch-style incidence fit", List.of(ip, sp), 2);
        }
    }

    void outbreakPlot(OutbreakFit.Estimate mfgE, OutbreakFit.Estimate odeE, double[] baseline) throws IOException {
        double[] x = incData.days();
        Plot.Panel ip = new Plot.Panel("daily incidence", "day", "cases");
        ip.points("observed", x, incData.incidence(), Color.BLACK);
        ip.line(String.format("SIR MFG (R² %.3f)", mfgE.r2()), x, mfgE.fitted(), Plot.PALETTE[0]);
        ip.dashed(String.format("SIR ODE (R² %.3f)", odeE.r2()), x, odeE.fitted(), Plot.PALETTE[2]);
        if (baseline != null) {
            ip.dashed("no-game rate table", x, baseline, Plot.PALETTE[1]);
        }
        Plot.Panel cp = new Plot.Panel("contact level alpha of susceptibles (MFG)", "day", "alpha");
        cp.line("alpha", x, mfgE.contact(), Plot.PALETTE[0]);
        Plot.write(out.resolve("incidence.png"), "Outbreak fit — " + incidence.getFileName(), List.of(ip, cp), 2);
    }
}
