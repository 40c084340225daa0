package org.mfgcal.app;

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
 * The JSON pieces of {@code calibrate}'s report (metrics of an outbreak fit, estimates, training curves, the
 * aggregate over seeds) and the array helpers they share with {@link CalibrationPlots}. Stateless.
 */
final class CalibrationReport {
    private CalibrationReport() {
    }

    /** S-share metrics of an outbreak fit against the observed S_n = 1 − C_n / population (end of day n). */
    static Map<String, Object> outbreakMetrics(OutbreakFit.Estimate e, Sample ref, double pop, int days) {
        double[] pred = new double[days];
        double[] o = new double[days];
        double s = 1 - e.i0();
        for (int n = 0; n < days; n++) {
            s -= e.fitted()[n] / pop;
            pred[n] = s;
            o[n] = ref.obs()[n * 3];
        }
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("mu_l2", Metrics.muL2(pred, o, days, 1, null));
        x.put("rel_l2", Metrics.relL2(pred, o, days, 1, null));
        x.put("r2_incidence", e.r2());
        return Map.of("train", x);
    }

    static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    static List<Object> finiteList(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(finite(x));
        }
        return l;
    }

    static Map<String, Object> estimateJson(OutbreakFit.Estimate e, double pop) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("r2", e.r2());
        f.put("sse", e.sse());
        f.put("beta", e.beta());
        f.put("beta_se", finite(e.betaSe()));
        f.put("gamma_rec", e.gammaRec());
        f.put("gamma_rec_se", finite(e.gammaRecSe()));
        f.put("i0", e.i0());
        f.put("i0_se", finite(e.i0Se()));
        f.put("initial_infected", e.i0() * pop);
        f.put("kappa", e.kappa());
        f.put("r0", e.r0());
        f.put("r0_se", finite(e.r0Se()));
        f.put("infectious_period_days", e.infectiousPeriod());
        f.put("infectious_period_se", finite(e.infectiousPeriodSe()));
        f.put("identified", e.identified());
        List<String> bound = new ArrayList<>();
        if (e.beta() <= OutbreakFit.RATE_MIN * 1.01 || e.beta() >= OutbreakFit.BETA_MAX * 0.99) {
            bound.add("beta");
        }
        if (e.gammaRec() <= OutbreakFit.RATE_MIN * 1.01 || e.gammaRec() >= OutbreakFit.GAMMA_MAX * 0.99) {
            bound.add("gamma_rec");
        }
        f.put("at_bound", bound);
        f.put("standard_errors", "Gauss-Newton (Laplace): s²(JᵀJ)⁻¹, s² = SSE/(days − 3); R0 and 1/gamma_rec by the delta method"
                + (e.kappa() > 0 ? "; conditional on kappa" : "") + "; null = not identified by these data");
        f.put("contact_min", java.util.Arrays.stream(e.contact()).min().orElse(1.0));
        f.put("contact", e.contact());
        f.put("evaluations", e.evaluations());
        f.put("seconds", e.seconds());
        return f;
    }

    static Map<String, Object> curves(Trainer.Result tr) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("train_loss", tr.trainLoss());
        c.put("validation_mu_l2", tr.validation());
        c.put("best_epoch", tr.bestEpoch());
        c.put("seconds", tr.seconds());
        c.put("cpu_seconds", tr.cpuSeconds());
        c.put("not_converged_solves", tr.notConverged());
        return c;
    }

    static double[] cumulative(double[] v) {
        double[] c = new double[v.length];
        double s = 0;
        for (int i = 0; i < v.length; i++) {
            s += v[i];
            c[i] = s;
        }
        return c;
    }

    static double[] colMeans(double[] flat, int nT, int p) {
        double[] m = new double[p];
        for (int n = 0; n < nT; n++) {
            for (int k = 0; k < p; k++) {
                m[k] += flat[n * p + k] / nT;
            }
        }
        return m;
    }

    static double[][] rows(double[] flat, int nRows, int nCols) {
        double[][] r = new double[nRows][];
        for (int i = 0; i < nRows; i++) {
            r[i] = java.util.Arrays.copyOfRange(flat, i * nCols, (i + 1) * nCols);
        }
        return r;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> aggregate(List<Map<String, Object>> perSeed) {
        Map<String, Object> agg = new LinkedHashMap<>();
        Map<String, Object> first = (Map<String, Object>) perSeed.get(0).get("models");
        for (String model : first.keySet()) {
            Map<String, Object> mm = new LinkedHashMap<>();
            Map<String, Object> m0 = (Map<String, Object>) first.get(model);
            for (String split : m0.keySet()) {
                if (!(m0.get(split) instanceof Map)) {
                    continue;
                }
                Map<String, Object> sm = new LinkedHashMap<>();
                for (String metric : ((Map<String, Object>) m0.get(split)).keySet()) {
                    double[] v = new double[perSeed.size()];
                    for (int i = 0; i < v.length; i++) {
                        Map<String, Object> ms = (Map<String, Object>) ((Map<String, Object>) perSeed.get(i).get("models")).get(model);
                        Object x = ((Map<String, Object>) ms.get(split)).get(metric);
                        v[i] = x instanceof Number n ? n.doubleValue() : Double.NaN;
                    }
                    double[] ms = Metrics.meanSe(v);
                    sm.put(metric, Map.of("mean", ms[0], "se", ms[1]));
                }
                mm.put(split, sm);
            }
            agg.put(model, mm);
        }
        double[] rel = new double[perSeed.size()];
        boolean has = true;
        for (int i = 0; i < rel.length; i++) {
            Object x = ((Map<String, Object>) perSeed.get(i).get("gamma")).get("max_rel_err");
            has &= x instanceof Number;
            rel[i] = x instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        if (has) {
            double[] ms = Metrics.meanSe(rel);
            agg.put("gamma_max_rel_err", Map.of("mean", ms[0], "se", ms[1]));
        }
        agg.put("seeds", perSeed.size());
        return agg;
    }

    static double[] col(double[] flat, int nT, int w, int c) {
        double[] v = new double[nT];
        for (int n = 0; n < nT; n++) {
            v[n] = flat[n * w + c];
        }
        return v;
    }

    static Map<String, List<Sample>> splits(Dataset data) {
        Map<String, List<Sample>> m = new LinkedHashMap<>();
        m.put("train", data.train());
        if (!data.validation().isEmpty()) {
            m.put("validation", data.validation());
        }
        if (!data.test().isEmpty()) {
            m.put("test", data.test());
        }
        if (!data.testOod().isEmpty()) {
            m.put("test_ood", data.testOod());
        }
        return m;
    }

    static Sample referenceSample(Dataset data) {
        return data.test().isEmpty() ? data.train().get(0) : data.test().get(0);
    }

    static Map<String, Object> evaluate(Model m, Dataset data, Trainer.Result tr) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (var sp : splits(data).entrySet()) {
            Evaluation.SplitMetrics e = Evaluation.evaluate(m, sp.getValue(), data.observed());
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("mu_l2", e.muL2());
            x.put("rel_l2", e.relL2());
            if (!Double.isNaN(e.gammaL2())) {
                x.put("gamma_l2", e.gammaL2());
            }
            if (!Double.isNaN(e.truthMuL2())) {
                x.put("truth_mu_l2", e.truthMuL2());
                if (e.truthMuL2() > 0) {
                    x.put("mu_l2_over_truth", e.muL2() / e.truthMuL2());
                }
            }
            x.put("not_converged", e.notConverged());
            o.put(sp.getKey(), x);
        }
        o.put("best_epoch", tr.bestEpoch());
        o.put("train_seconds", tr.seconds());
        o.put("train_cpu_seconds", tr.cpuSeconds());
        o.put("weights", m.theta().length);
        return o;
    }

    /** γ paths on the reference sample, per-parameter time means, truth and relative errors. */
    static Map<String, Object> gammaReport(Model mfg, Model base, Dataset data) {
        Map<String, Object> g = new LinkedHashMap<>();
        Sample ref = referenceSample(data);
        int nT = data.steps();
        int p = mfg.game().paramsPerStep();
        double[] path = mfg.predict(ref, null).gamma();
        String[] names = mfg.game().parameterNames();
        g.put("names", names);
        g.put("sample", ref.label());
        g.put("mfg", rows(path, nT, p));
        double[] mean = colMeans(path, nT, p);
        g.put("mfg_mean", mean);
        if (ref.trueGamma() != null) {
            g.put("truth", rows(ref.trueGamma(), nT, p));
            double[] tm = colMeans(ref.trueGamma(), nT, p);
            g.put("truth_mean", tm);
            // relative error of the fitted γ averaged over the test split (constant truth: the recovery error)
            List<Sample> split = data.test().isEmpty() ? data.train() : data.test();
            double[] rel = new double[p];
            for (Sample s : split) {
                double[] gp = mfg.predict(s, null).gamma();
                for (int k = 0; k < p; k++) {
                    double e = 0;
                    for (int n = 0; n < nT; n++) {
                        e += Math.abs(gp[n * p + k] - s.trueGamma()[n * p + k]) / Math.abs(s.trueGamma()[n * p + k]);
                    }
                    rel[k] += e / nT / split.size();
                }
            }
            g.put("rel_err", rel);
            g.put("max_rel_err", java.util.Arrays.stream(rel).max().orElse(Double.NaN));
        }
        if (base != null) {
            double[] bp = base.predict(ref, null).gamma();
            g.put("baseline_ode_names", base.game().parameterNames());
            g.put("baseline_ode", rows(bp, nT, base.game().paramsPerStep()));
        }
        return g;
    }

    static Map<String, Object> incidenceReport(Model mfg, Model base, Dataset data, Incidence.Data incData,
                                               int substeps) {
        Sample s = data.train().get(0);
        int nT = data.steps();
        double pop = incData.population();
        double[] fit = Incidence.modelIncidence(mfg.predict(s, null).solution().mu(), nT, pop, incData.incidence()[0]);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("day", incData.days());
        m.put("observed", incData.incidence());
        m.put("mfg", fit);
        m.put("mfg_r2", Metrics.rSquared(fit, incData.incidence()));
        double[] cumObs = cumulative(incData.incidence()), cumFit = cumulative(fit);
        m.put("mfg_r2_cumulative", Metrics.rSquared(cumFit, cumObs));
        if (base != null) {
            double[] bf = Incidence.modelIncidence(base.predict(s, null).solution().mu(), nT, pop, incData.incidence()[0]);
            m.put("baseline_ode", bf);
            m.put("baseline_ode_r2", Metrics.rSquared(bf, incData.incidence()));
        }
        double[] g = mfg.predict(s, null).gamma();
        int p = mfg.game().paramsPerStep();
        double[] mean = colMeans(g, nT, p);
        Map<String, Object> meaning = new LinkedHashMap<>();
        meaning.put("beta", mean[0] + " per day: infection rate of a susceptible at full contact (alpha = 1) per unit infected share");
        meaning.put("gamma_rec", mean[1] + " per day: recovery rate; mean infectious period 1/gamma_rec = " + (1 / mean[1]) + " days");
        meaning.put("R0_full_contact", mean[0] / mean[1] + " = beta / gamma_rec (basic reproduction number without distancing)");
        m.put("parameters", meaning);
        // the plain SIR ODE least squares on the same days (sub-stepped), beside the time-varying fits
        OutbreakFit.Estimate ode = new OutbreakFit(incData.incidence(), pop,
                new OutbreakFit.Options(substeps, OutbreakFit.DEFAULT_MAX_ITERATIONS, false)).fit().sirOde();
        m.put("sir_ode", ode.fitted());
        m.put("sir_ode_r2", ode.r2());
        m.put("fits", Map.of("sir_ode", estimateJson(ode, pop)));
        return m;
    }

    @SuppressWarnings("unchecked")
    static void printSummary(Map<String, Object> result) {
        Map<String, Object> s = (Map<String, Object>) result.get("summary");
        StringBuilder sb = new StringBuilder();
        for (var e : s.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> m)) {
                continue;
            }
            if (m.containsKey("mean")) {
                sb.append(String.format("%-14s %s %.4g ± %.2g%n", e.getKey(), "", (Double) m.get("mean"), (Double) m.get("se")));
                continue;
            }
            for (var sp : m.entrySet()) {
                Map<String, Object> mm = (Map<String, Object>) sp.getValue();
                Map<String, Object> mu = (Map<String, Object>) mm.get("mu_l2");
                Map<String, Object> rel = (Map<String, Object>) mm.get("rel_l2");
                if (mu != null) {
                    sb.append(String.format("%-14s %-10s mu_l2 %.4e ± %.1e   rel_l2 %.4e%n", e.getKey(), sp.getKey(),
                            (Double) mu.get("mean"), (Double) mu.get("se"), (Double) rel.get("mean")));
                }
            }
        }
        System.out.print(sb);
    }

    /** The baseline's evaluation, without gamma_l2 (its rates are not the game's parameters). */
    static Map<String, Object> baselineEvaluation(Model base, Dataset data, Trainer.Result br) {
        Map<String, Object> be = evaluate(base, data, br);
        for (Object split : be.values()) {
            if (split instanceof Map<?, ?> sm) {
                sm.remove("gamma_l2");
            }
        }
        return be;
    }
}
