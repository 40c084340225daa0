package org.mfgcal.app;

import static org.mfgcal.app.CalibrationReport.aggregate;
import static org.mfgcal.app.CalibrationReport.baselineEvaluation;
import static org.mfgcal.app.CalibrationReport.cumulative;
import static org.mfgcal.app.CalibrationReport.curves;
import static org.mfgcal.app.CalibrationReport.estimateJson;
import static org.mfgcal.app.CalibrationReport.evaluate;
import static org.mfgcal.app.CalibrationReport.finite;
import static org.mfgcal.app.CalibrationReport.finiteList;
import static org.mfgcal.app.CalibrationReport.gammaReport;
import static org.mfgcal.app.CalibrationReport.incidenceReport;
import static org.mfgcal.app.CalibrationReport.outbreakMetrics;
import static org.mfgcal.app.CalibrationReport.printSummary;
import static org.mfgcal.app.CalibrationReport.referenceSample;
import static org.mfgcal.app.CalibrationReport.splits;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mfgcal.api.Provenance;
import org.mfgcal.app.data.Flights;
import org.mfgcal.app.data.Incidence;
import org.mfgcal.calibrator.calibrate.BlockSpec;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Evaluation;
import org.mfgcal.calibrator.calibrate.Metrics;
import org.mfgcal.calibrator.calibrate.Model;
import org.mfgcal.calibrator.calibrate.ModelSpec;
import org.mfgcal.calibrator.calibrate.OutbreakFit;
import org.mfgcal.calibrator.calibrate.Sample;
import org.mfgcal.calibrator.calibrate.Synthetic;
import org.mfgcal.calibrator.calibrate.Trainer;
import org.mfgcal.calibrator.calibrate.TrainingConfig;
import org.mfgcal.calibrator.game.Games;
import org.mfgcal.ingest.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal calibrate}: fits a game's parameters γθ to trajectories (synthetic recovery, flights, incidence) with
 * the docs/MODEL.md §4 protocol, beside the no-game Kolmogorov baseline (learned per-bin rates, mobility with c = 0,
 * g = 0) and persistence, and writes {@code DIR/result.json}, the models ({@code model.json},
 * {@code baseline-model.json}, {@code reference-day.json} for {@code whatif}) and PNG plots. Exit 0 success, 2 bad
 * usage or input (the message names file, line and field), 1 failure.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = TrainingDefaults.class,
        description = "Calibrate a mean field game's parameters (neural, table or constant) to data.")
public final class CalibrateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** Epochs of an incidence fit unless {@code --epochs} says otherwise (the short series needs more passes). */
    static final int INCIDENCE_EPOCHS = 3000;


    @Option(names = "--game", required = true, description = "lq | sir | cybersecurity | mobility | braess")
    String game;
    @Option(names = "--link-counts", paramLabel = "FILE", description = "Observed link counts CSV link,count (braess).")
    Path linkCounts;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Option(names = "--synthetic", description = "Synthetic recovery run (data from a ground truth).")
    boolean synthetic;
    @Option(names = "--truth", defaultValue = "constant", description = "Synthetic truth: constant | arc | mfdep (arc, mfdep: lq). Default ${DEFAULT-VALUE}.")
    String truth;
    @Option(names = "--noise", defaultValue = "0", description = "Synthetic Dirichlet observation noise (κ = 1/noise). Default ${DEFAULT-VALUE}.")
    double noise;
    @Option(names = "--d", defaultValue = "3", description = "States of the LQ game. Default ${DEFAULT-VALUE}.")
    int d;
    @Option(names = "--trajectories", defaultValue = "200,20,20", split = ",", paramLabel = "TRAIN,VAL,TEST",
            description = "Synthetic split sizes. Default ${DEFAULT-VALUE}.")
    int[] counts;

    @Option(names = "--trips", paramLabel = "FILE", description = "Trip file (mobility); classpath:data/flights/flights-3m.csv.gz is the shipped sample.")
    String trips;
    @Option(names = "--format", defaultValue = "flights", description = "Trip file format: flights (vega-datasets flights-3m.csv layout).")
    String format;
    @Option(names = "--airports", paramLabel = "FILE", description = "airports.csv (iata,name,city,state,country,latitude,longitude). Default: airports.csv beside --trips, else the shipped vega-datasets airports.")
    String airports;
    @Option(names = "--zones", defaultValue = "10", description = "Busiest airports kept as zones (+ External). Default ${DEFAULT-VALUE}.")
    int zones;
    @Option(names = "--bin", defaultValue = "60m", description = "Bin width, e.g. 60m, 15m, 1h, PT1H. Default ${DEFAULT-VALUE}.")
    String bin;
    @Option(names = "--hours", defaultValue = "6,22", split = ",", paramLabel = "FROM,TO", description = "Daily window (US Central). Default ${DEFAULT-VALUE}.")
    int[] hours;
    @Option(names = "--b", defaultValue = "1.0", description = "Mobility MFG control cost b. Default ${DEFAULT-VALUE}.")
    double mobilityB;
    @Option(names = "--c", defaultValue = "0.1", description = "Mobility MFG congestion c. Default ${DEFAULT-VALUE}.")
    double mobilityC;
    @Option(names = "--interaction", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Mobility: learn the interaction reward C(t, mu) with a network. Default ${DEFAULT-VALUE}.")
    boolean interaction;

    @Option(names = "--incidence", paramLabel = "FILE", description = "Daily incidence CSV day,incidence (SIR).")
    Path incidence;
    @Option(names = "--population", defaultValue = "0", description = "Population behind --incidence.")
    double population;
    @Option(names = "--substeps", defaultValue = "" + OutbreakFit.DEFAULT_SUBSTEPS,
            description = "SIR --incidence: sub-steps per day of the outbreak fits. Default ${DEFAULT-VALUE}.")
    int substeps;

    @Option(names = "--param", description = "constant | table | neural | coupled. Default: constant (synthetic constant truth, incidence), neural (arc, mfdep), table (mobility rates).")
    String param;
    @Option(names = "--bins", defaultValue = "0", description = "Table bins (0 = one per grid interval).")
    int bins;
    @Option(names = "--smoothness", defaultValue = "1e-3", description = "Table smoothness penalty λ. Default ${DEFAULT-VALUE}.")
    double smoothness;
    @Option(names = "--epochs", defaultValue = "-1", description = "Epochs (default: the training protocol's; "
            + INCIDENCE_EPOCHS + " for incidence).")
    int epochs;
    @Option(names = "--batch", description = "Batch size. Default ${DEFAULT-VALUE}.")
    int batch;
    @Option(names = "--lr", description = "Adam learning rate. Default ${DEFAULT-VALUE}.")
    double lr;
    @Option(names = "--window", defaultValue = "-1", description = "Loss window as a fraction of N (default: the training"
            + " protocol's; 1 for incidence).")
    double window;
    @Option(names = "--seed", description = "First seed. Default ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--seeds", defaultValue = "1", description = "Number of seeds (seed, seed+1, ...). Default ${DEFAULT-VALUE}.")
    int seeds;
    @Option(names = "--eval-every", description = "Validate every K epochs. Default ${DEFAULT-VALUE}.")
    int evalEvery;
    @Option(names = "--backend", defaultValue = "nd4j", description = "Network backend: nd4j | java. Default ${DEFAULT-VALUE}.")
    String backend;
    @Option(names = "--no-baseline", description = "Skip the no-game Kolmogorov baseline.")
    boolean noBaseline;
    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

    private Map<String, Object> summary = new LinkedHashMap<>();
    private Incidence.Data incData;
    private String dataHash;

    @Override
    public Integer call() throws IOException {
        if ("braess".equals(game)) {
            return new RoutingCalibration(linkCounts, out).call();
        }
        if (!Games.NAMES.contains(game)) {
            throw new IllegalArgumentException("--game " + game + ": expected lq, sir, cybersecurity or mobility");
        }
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds " + seeds + ": must be ≥ 1");
        }
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw new IllegalArgumentException("--noise must be finite and >= 0, got " + noise);
        }
        int modes = (synthetic ? 1 : 0) + (trips != null ? 1 : 0) + (incidence != null ? 1 : 0);
        if (modes != 1) {
            throw new IllegalArgumentException("give exactly one data source: --synthetic, --trips FILE or --incidence FILE");
        }
        if (trips != null && !"mobility".equals(game)) {
            throw new IllegalArgumentException("--trips needs --game mobility");
        }
        if (incidence != null && !"sir".equals(game)) {
            throw new IllegalArgumentException("--incidence needs --game sir");
        }
        if (trips != null && !"flights".equals(format)) {
            throw new IllegalArgumentException("--format " + format + ": supported: flights");
        }
        if (hours.length != 2) {
            throw new IllegalArgumentException("--hours FROM,TO: two hours expected");
        }
        int ep = epochs > 0 ? epochs : (incidence != null ? INCIDENCE_EPOCHS : TrainingConfig.DEFAULTS.epochs());
        double win = window > 0 ? window : (incidence != null ? 1.0 : TrainingConfig.DEFAULTS.windowFraction());
        TrainingConfig base = new TrainingConfig(ep, batch, lr, seed, win, evalEvery);
        Files.createDirectories(out);

        List<Map<String, Object>> perSeed = new ArrayList<>();
        List<Long> seedList = new ArrayList<>();
        Map<String, Object> first = null;
        for (int k = 0; k < seeds; k++) {
            long s = seed + k;
            seedList.add(s);
            Dataset data = dataset(s);
            Map<String, Object> r = outbreakFit() ? runOutbreak(data, base.withSeed(s), s, k == 0)
                    : runSeed(data, base.withSeed(s), s, k == 0);
            perSeed.add(r);
            if (first == null) {
                first = r;
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("command", "calibrate");
        result.put("game", game);
        result.put("provenance", Provenance.ofRun(config(base), seedList, dataHash));
        result.put("data", summary);
        result.put("models", first.get("models"));
        result.put("gamma", first.get("gamma"));
        if (first.containsKey("incidence")) {
            result.put("incidence", first.get("incidence"));
        }
        result.put("training", first.get("training"));
        result.put("seeds", perSeed);
        result.put("summary", aggregate(perSeed));
        JSON.writeValue(out.resolve("result.json").toFile(), result);
        System.err.println("mfgcal calibrate: wrote " + out.resolve("result.json"));
        printSummary(result);
        return 0;
    }

    private Map<String, Object> config(TrainingConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("game", game);
        m.put("synthetic", synthetic);
        if (synthetic) {
            m.put("truth", truth);
            m.put("noise", noise);
            m.put("d", d);
            m.put("trajectories", counts);
        }
        if (trips != null) {
            m.put("trips", trips);
            m.put("airports", airportsFile());
            m.put("zones", zones);
            m.put("bin", bin);
            m.put("hours", hours);
            m.put("b", mobilityB);
            m.put("c", mobilityC);
            m.put("interaction", interaction);
        }
        if (incidence != null) {
            m.put("incidence", incidence.toString());
            m.put("population", population);
            if (outbreakFit()) {
                m.put("substeps", substeps);
                m.put("fit", "least squares of daily incidence: sir_ode (beta, gamma_rec, I0) and mfg (+ kappa = c_I/c_alpha)");
            }
        }
        m.put("param", paramKind());
        m.put("bins", bins);
        m.put("smoothness", smoothness);
        m.put("training", c);
        m.put("backend", backend);
        return m;
    }

    private String airportsFile() {
        if (airports != null) {
            return airports;
        }
        if (trips.startsWith("classpath:")) {
            return org.mfgcal.ingest.flights.FlightsData.AIRPORTS;
        }
        Path sibling = Path.of(trips).toAbsolutePath().resolveSibling("airports.csv");
        // No airports.csv beside the trips: the shipped vega-datasets airports (all 59 airports of flights-3m).
        return Files.isRegularFile(sibling) ? sibling.toString() : org.mfgcal.ingest.flights.FlightsData.AIRPORTS;
    }

    private String paramKind() {
        if (param != null) {
            if (!List.of("constant", "table", "neural", "coupled").contains(param)) {
                throw new IllegalArgumentException("--param " + param + ": expected constant, table, neural or coupled");
            }
            return param;
        }
        if (trips != null) {
            return "table";
        }
        return synthetic && !"constant".equals(truth) ? "neural" : "constant";
    }

    /** {@code --bin} in whole minutes, parsed with the one duration syntax ({@link Durations}). */
    static int binMinutes(String s) {
        java.time.Duration d = Durations.parsePositive("--bin", s);
        if (d.toMillis() % 60_000 != 0 || d.toMinutes() > 24 * 60) {
            throw new IllegalArgumentException("--bin " + s + ": must be a whole number of minutes up to one day, got " + d);
        }
        return (int) d.toMinutes();
    }

    private Dataset dataset(long s) throws IOException {
        if (synthetic) {
            int dd = "lq".equals(game) ? d : Synthetic.defaultStates(game);
            if (counts.length != 3) {
                throw new IllegalArgumentException("--trajectories TRAIN,VAL,TEST: three numbers expected");
            }
            Dataset ds = Synthetic.generate(game, dd, truth, noise, counts, 1000 + s);
            dataHash = DataHash.sha256(ds);
            summary.put("name", ds.name());
            summary.put("steps", ds.steps());
            summary.put("horizon", ds.horizon());
            return ds;
        }
        if (trips != null) {
            Flights.Data fd = Flights.read(trips, airportsFile(), zones, binMinutes(bin), hours[0], hours[1], 0.15);
            dataHash = DataHash.sha256(Flights.bytes(trips), Flights.bytes(airportsFile()));
            summary = fd.summary();
            return fd.dataset();
        }
        incData = Incidence.read(incidence, population);
        dataHash = DataHash.sha256(incidence);
        summary.put("days", incData.days().length);
        summary.put("population", population);
        summary.put("total_incidence", java.util.Arrays.stream(incData.incidence()).sum());
        summary.put("observation", outbreakFit()
                ? "daily incidence fitted directly (sir_ode, mfg: " + substeps + " sub-steps per day); baseline_ode: S = 1 - cumulative incidence / population, 1 grid step = 1 day"
                : "S = 1 - cumulative incidence / population (I, R unobserved); 1 grid step = 1 day");
        return incData.dataset();
    }

    private ModelSpec mfgSpec(Dataset ds) {
        String kind = paramKind();
        int nT = ds.steps();
        int tb = bins > 0 ? Math.min(bins, nT) : nT - 1;
        boolean coupled = "coupled".equals(kind);
        double damping = "cybersecurity".equals(game) ? 0.5 : 0.0;
        List<BlockSpec> blocks = new ArrayList<>();
        Map<String, Object> gp = new LinkedHashMap<>();
        switch (game) {
            case "mobility" -> {
                int dd = ds.states();
                int e = dd * (dd - 1);
                gp.put("b", mobilityB);
                gp.put("c", mobilityC);
                gp.put("interaction", interaction);
                blocks.add(CalibrationSpecs.rateBlock(smoothness, kind, e, tb, 0.02));
                if (interaction) {
                    blocks.add(BlockSpec.interaction(e));
                }
            }
            case "lq" -> blocks.add(CalibrationSpecs.block(smoothness, kind, 1, tb, 1.0));
            case "sir" -> blocks.add(CalibrationSpecs.block(smoothness, kind, 2, tb, 0.3));
            case "cybersecurity" -> blocks.add(CalibrationSpecs.block(smoothness, kind, 8, tb, 0.35));
            default -> throw new IllegalArgumentException("--game " + game + ": not calibratable");
        }
        return new ModelSpec(game, gp, ds.stateNames(), ds.horizon(), nT, ds.timeFeatureNames(), blocks, coupled,
                damping, backend);
    }

    private Map<String, Object> runSeed(Dataset data, TrainingConfig cfg, long s, boolean writeArtifacts) throws IOException {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seed", s);
        Map<String, Object> models = new LinkedHashMap<>();
        Map<String, Object> training = new LinkedHashMap<>();

        ModelSpec spec = mfgSpec(data);
        Model mfg = Model.create(spec, s);
        Trainer.Result tr = new Trainer(cfg, new Progress(System.err, "mfg s" + s, !quiet)).train(mfg, data);
        models.put("mfg", evaluate(mfg, data, tr));
        training.put("mfg", curves(tr));

        Model base = null;
        Trainer.Result br = null;
        if (!noBaseline) {
            base = Model.create(CalibrationSpecs.baselineSpec(data, game, bins, smoothness, backend), s);
            br = new Trainer(cfg, new Progress(System.err, "baseline s" + s, !quiet)).train(base, data);
            models.put("baseline_ode", baselineEvaluation(base, data, br));
            training.put("baseline_ode", curves(br));
        }
        Map<String, Object> pers = new LinkedHashMap<>();
        for (var sp : splits(data).entrySet()) {
            Evaluation.SplitMetrics m = Evaluation.evaluatePersistence(sp.getValue(), data.steps(), data.states(), data.observed());
            pers.put(sp.getKey(), Map.of("mu_l2", m.muL2(), "rel_l2", m.relL2()));
        }
        models.put("persistence", pers);
        r.put("models", models);
        r.put("training", training);
        r.put("gamma", gammaReport(mfg, base, data));
        if (incData != null) {
            r.put("incidence", incidenceReport(mfg, base, data, incData, substeps));
        }
        if (writeArtifacts) {
            mfg.save(out.resolve("model.json"), tr.adam());
            if (base != null) {
                base.save(out.resolve("baseline-model.json"), br.adam());
            }
            Sample ref = referenceSample(data);
            JSON.writeValue(out.resolve("reference-day.json").toFile(), ref);
            new CalibrationPlots(out, game, incData, incidence).plots(data, mfg, base, tr, br, ref);
        }
        return r;
    }

    /** SIR on incidence with constant parameters (the default): the outbreak fits of {@link OutbreakFit}. */
    private boolean outbreakFit() {
        return incidence != null && "sir".equals(game) && "constant".equals(paramKind());
    }

    /**
     * The outbreak path (docs: calibrator/CALIBRATION.md "Outbreak fits"): least squares of the daily incidence by the
     * plain SIR ODE ({@code sir_ode}) and the SIR MFG ({@code mfg}, which contains it), beside the no-game Kolmogorov
     * per-day rate table ({@code baseline_ode}, trained as before) and persistence.
     */
    private Map<String, Object> runOutbreak(Dataset data, TrainingConfig cfg, long s, boolean writeArtifacts) throws IOException {
        if (substeps < 1 || substeps > 10_000) {
            throw new IllegalArgumentException("--substeps " + substeps + ": must be in 1..10000");
        }
        double pop = incData.population();
        double[] obs = incData.incidence();
        int days = obs.length;
        OutbreakFit.Result fit = new OutbreakFit(obs, pop,
                new OutbreakFit.Options(substeps, OutbreakFit.DEFAULT_MAX_ITERATIONS, true)).fit();
        OutbreakFit.Estimate mfgE = fit.mfg(), odeE = fit.sirOde();

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("seed", s);
        Map<String, Object> models = new LinkedHashMap<>();
        Map<String, Object> training = new LinkedHashMap<>();
        Sample ref = data.train().get(0);
        models.put("mfg", outbreakMetrics(mfgE, ref, pop, days));
        models.put("sir_ode", outbreakMetrics(odeE, ref, pop, days));
        training.put("mfg", Map.of("loss_path_1_minus_r2", finiteList(mfgE.lossPath()), "evaluations", mfgE.evaluations(),
                "seconds", mfgE.seconds()));
        training.put("sir_ode", Map.of("loss_path_1_minus_r2", finiteList(odeE.lossPath()), "evaluations", odeE.evaluations(),
                "seconds", odeE.seconds()));
        Model base = null;
        Trainer.Result br = null;
        if (!noBaseline) {
            base = Model.create(CalibrationSpecs.baselineSpec(data, game, bins, smoothness, backend), s);
            br = new Trainer(cfg, new Progress(System.err, "baseline s" + s, !quiet)).train(base, data);
            models.put("baseline_ode", baselineEvaluation(base, data, br));
            training.put("baseline_ode", curves(br));
        }
        Map<String, Object> pers = new LinkedHashMap<>();
        Evaluation.SplitMetrics pm = Evaluation.evaluatePersistence(data.train(), data.steps(), data.states(), data.observed());
        pers.put("train", Map.of("mu_l2", pm.muL2(), "rel_l2", pm.relL2()));
        models.put("persistence", pers);
        r.put("models", models);
        r.put("training", training);

        Map<String, Object> g = new LinkedHashMap<>();
        g.put("names", new String[] {"beta", "gamma_rec", "c_alpha", "c_I"});
        g.put("mfg_mean", new double[] {mfgE.beta(), mfgE.gammaRec(), 1.0, mfgE.kappa()});
        g.put("sir_ode", new double[] {odeE.beta(), odeE.gammaRec()});
        r.put("gamma", g);

        Map<String, Object> m = new LinkedHashMap<>();
        m.put("day", incData.days());
        m.put("observed", obs);
        m.put("observation", "day d = the interval [d, d+1); model incidence of day d = population·(S(d) − S(d+1)), "
                + "the S→I flow integrated over the day on " + substeps + " sub-steps; S(0) = 1 − I0, I(0) = I0 (fitted)");
        m.put("mfg", mfgE.fitted());
        m.put("mfg_r2", mfgE.r2());
        m.put("mfg_r2_cumulative", Metrics.rSquared(cumulative(mfgE.fitted()), cumulative(obs)));
        m.put("sir_ode", odeE.fitted());
        m.put("sir_ode_r2", odeE.r2());
        double[] bf = null;
        if (base != null) {
            bf = Incidence.modelIncidence(base.predict(ref, null).solution().mu(), data.steps(), pop, obs[0]);
            m.put("baseline_ode", bf);
            m.put("baseline_ode_r2", Metrics.rSquared(bf, obs));
            m.put("baseline_ode_note", "per-day rate table on one grid step per day; day 0 is the observed value (not fitted)");
        }
        Map<String, Object> fits = new LinkedHashMap<>();
        fits.put("mfg", estimateJson(mfgE, pop));
        fits.put("sir_ode", estimateJson(odeE, pop));
        m.put("fits", fits);
        List<Object[]> profile = new ArrayList<>();
        for (double[] kp : fit.kappaProfile()) {
            profile.add(new Object[] {kp[0], finite(kp[1])}); // null: the game could not be evaluated at that κ
        }
        m.put("kappa_profile", profile);
        m.put("kappa_profile_note", "[kappa, 1 - R²] of the game at each kappa of the search grid (coarser sub-steps)");
        Map<String, Object> meaning = new LinkedHashMap<>();
        meaning.put("beta", mfgE.beta() + " per day: infection rate of a susceptible at full contact (alpha = 1) per unit infected share");
        meaning.put("gamma_rec", mfgE.gammaRec() + " per day: recovery rate; mean infectious period 1/gamma_rec = "
                + mfgE.infectiousPeriod() + " days");
        meaning.put("R0_full_contact", mfgE.r0() + " = beta / gamma_rec (basic reproduction number without distancing)");
        meaning.put("kappa", mfgE.kappa() + " = c_I / c_alpha: cost of a day infected relative to the cost of full distancing"
                + " (0: nobody distances and the game is the plain SIR ODE)");
        meaning.put("i0", mfgE.i0() + ": infected share at the start of day 0 (" + mfgE.i0() * pop + " persons)");
        m.put("parameters", meaning);
        r.put("incidence", m);
        if (writeArtifacts) {
            JSON.writeValue(out.resolve("reference-day.json").toFile(), ref);
            new CalibrationPlots(out, game, incData, incidence).outbreakPlot(mfgE, odeE, bf);
        }
        return r;
    }

}
