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
import org.mfgcal.app.data.Flights;
import org.mfgcal.app.data.Incidence;
import org.mfgcal.app.plot.Plot;
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
        description = "Calibrate a mean field game's parameters (neural, table or constant) to data.")
public final class CalibrateCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
    @Option(names = "--epochs", defaultValue = "-1", description = "Epochs (default 500; 3000 for incidence).")
    int epochs;
    @Option(names = "--batch", defaultValue = "10", description = "Batch size. Default ${DEFAULT-VALUE}.")
    int batch;
    @Option(names = "--lr", defaultValue = "5e-3", description = "Adam learning rate. Default ${DEFAULT-VALUE}.")
    double lr;
    @Option(names = "--window", defaultValue = "-1", description = "Loss window as a fraction of N (default 0.2; 1 for incidence).")
    double window;
    @Option(names = "--seed", defaultValue = "0", description = "First seed. Default ${DEFAULT-VALUE}.")
    long seed;
    @Option(names = "--seeds", defaultValue = "1", description = "Number of seeds (seed, seed+1, ...). Default ${DEFAULT-VALUE}.")
    int seeds;
    @Option(names = "--eval-every", defaultValue = "1", description = "Validate every K epochs. Default ${DEFAULT-VALUE}.")
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
        int ep = epochs > 0 ? epochs : (incidence != null ? 3000 : 500);
        double win = window > 0 ? window : (incidence != null ? 1.0 : 0.2);
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
                blocks.add(rateBlock(kind, e, tb, 0.02));
                if (interaction) {
                    blocks.add(BlockSpec.interaction(e));
                }
            }
            case "lq" -> blocks.add(block(kind, 1, tb, 1.0));
            case "sir" -> blocks.add(block(kind, 2, tb, 0.3));
            case "cybersecurity" -> blocks.add(block(kind, 8, tb, 0.35));
            default -> throw new IllegalArgumentException("--game " + game + ": not calibratable");
        }
        return new ModelSpec(game, gp, ds.stateNames(), ds.horizon(), nT, ds.timeFeatureNames(), blocks, coupled,
                damping, backend);
    }

    private BlockSpec block(String kind, int cols, int tb, double init) {
        return switch (kind) {
            case "constant" -> BlockSpec.constant(cols, init);
            case "table" -> BlockSpec.table(cols, tb, smoothness, init);
            default -> BlockSpec.neural(cols, true, Math.max(init, 0.15));
        };
    }

    private BlockSpec rateBlock(String kind, int cols, int tb, double init) {
        return switch (kind) {
            case "constant" -> BlockSpec.constant(cols, init);
            case "neural", "coupled" -> new BlockSpec("neural", cols, 0, "softplus", 0.0, 0.0, false, 64, new double[] {init});
            default -> BlockSpec.table(cols, tb, smoothness, init);
        };
    }

    private ModelSpec baselineSpec(Dataset ds) {
        int nT = ds.steps();
        int tb = bins > 0 ? Math.min(bins, nT) : nT - 1;
        var graph = "mobility".equals(game) ? org.mfgcal.calibrator.game.Graph.complete(ds.states())
                : Games.create(game, Map.of(), ds.states()).graph();
        int e = graph.edges();
        double init = "mobility".equals(game) ? 0.02 : 0.3;
        return new ModelSpec("kolmogorov", Map.of("graph_of", game), ds.stateNames(), ds.horizon(), nT,
                ds.timeFeatureNames(), List.of(BlockSpec.table(e, tb, smoothness, init)), false, 0.0, backend);
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
            base = Model.create(baselineSpec(data), s);
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
            r.put("incidence", incidenceReport(mfg, base, data));
        }
        if (writeArtifacts) {
            mfg.save(out.resolve("model.json"), tr.adam());
            if (base != null) {
                base.save(out.resolve("baseline-model.json"), br.adam());
            }
            Sample ref = referenceSample(data);
            JSON.writeValue(out.resolve("reference-day.json").toFile(), ref);
            plots(data, mfg, base, tr, br, ref);
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
            base = Model.create(baselineSpec(data), s);
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
            outbreakPlot(mfgE, odeE, bf);
        }
        return r;
    }

    /** S-share metrics of an outbreak fit against the observed S_n = 1 − C_n / population (end of day n). */
    private static Map<String, Object> outbreakMetrics(OutbreakFit.Estimate e, Sample ref, double pop, int days) {
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

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static List<Object> finiteList(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(finite(x));
        }
        return l;
    }

    private static Map<String, Object> estimateJson(OutbreakFit.Estimate e, double pop) {
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

    private void outbreakPlot(OutbreakFit.Estimate mfgE, OutbreakFit.Estimate odeE, double[] baseline) throws IOException {
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

    private static Map<String, List<Sample>> splits(Dataset data) {
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

    private static Sample referenceSample(Dataset data) {
        return data.test().isEmpty() ? data.train().get(0) : data.test().get(0);
    }

    private Map<String, Object> evaluate(Model m, Dataset data, Trainer.Result tr) {
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

    private static Map<String, Object> curves(Trainer.Result tr) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("train_loss", tr.trainLoss());
        c.put("validation_mu_l2", tr.validation());
        c.put("best_epoch", tr.bestEpoch());
        c.put("seconds", tr.seconds());
        c.put("cpu_seconds", tr.cpuSeconds());
        c.put("not_converged_solves", tr.notConverged());
        return c;
    }

    /** γ paths on the reference sample, per-parameter time means, truth and relative errors. */
    private Map<String, Object> gammaReport(Model mfg, Model base, Dataset data) {
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

    private Map<String, Object> incidenceReport(Model mfg, Model base, Dataset data) {
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

    private static double[] cumulative(double[] v) {
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
    private static Map<String, Object> aggregate(List<Map<String, Object>> perSeed) {
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

    @SuppressWarnings("unchecked")
    private void printSummary(Map<String, Object> result) {
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

    // ---------------------------------------------------------------------------------------------- plots

    private void plots(Dataset data, Model mfg, Model base, Trainer.Result tr, Trainer.Result br, Sample ref) throws IOException {
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

    static double[] col(double[] flat, int nT, int w, int c) {
        double[] v = new double[nT];
        for (int n = 0; n < nT; n++) {
            v[n] = flat[n * w + c];
        }
        return v;
    }

    /** The baseline's evaluation, without gamma_l2 (its rates are not the game's parameters). */
    private Map<String, Object> baselineEvaluation(Model base, Dataset data, Trainer.Result br) {
        Map<String, Object> be = evaluate(base, data, br);
        for (Object split : be.values()) {
            if (split instanceof Map<?, ?> sm) {
                sm.remove("gamma_l2");
            }
        }
        return be;
    }
}
