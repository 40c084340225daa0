package org.mfgcal.app;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mfgcal.app.online.OnlineInput;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.calibrator.online.OnlineCalibrator;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.api.SkillTally;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.Durations;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.publisher.json.OutputJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mfgcal online}: the online calibration loop over a file, without Kafka. Event time comes from the file;
 * bins are processed as fast as possible, in order, with progress on stderr. Writes {@code parameters.jsonl},
 * {@code forecasts.jsonl} and {@code alerts.jsonl} (one JSON record per line, the records the Kafka topics get)
 * under {@code --out}, with {@code observed.jsonl} (every closed bin's observed shares, as the loop receives them:
 * divided by their sum they are the shares every error is measured against) and {@code skill.json} (per region and
 * horizon: MAE of the model, persistence and seasonal naive, skill ratios, band coverage), so that every figure can
 * be recomputed from the files. Deterministic: the same file and flags give byte-identical files except for
 * {@code latencyMillis}.
 *
 * <p>Summary on stderr: rows read, used and rejected (by reason, with the first example), bins, notes on gaps.
 * Exit code (README, "Exit codes"): 0 complete; 2 bad input (nothing written); {@link Main#EXIT_INCOMPLETE} when
 * the outputs were written but rows were rejected or a region never published (its window never filled).
 */
@Command(name = "online", mixinStandardHelpOptions = true,
        description = "Run the online calibration loop over a file: parameters, forecasts, drift alerts and observed"
                + " shares as JSONL, forecast skill against persistence and seasonal naive in skill.json.")
public final class OnlineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Input file (or classpath:NAME).")
    String input;

    @Option(names = "--format", required = true, description = "flights | trips | counts.")
    String format;

    @Option(names = "--region-config", paramLabel = "FILE.yaml", description = "Region config (one or several regions); default: derived from the data.")
    Path regionConfig;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created).")
    Path out;

    @Option(names = "--zones", defaultValue = "10", paramLabel = "K", description = "Busiest zones kept besides External when deriving a region (default: ${DEFAULT-VALUE}).")
    int zones;

    @Option(names = "--bin", paramLabel = "DURATION", description = "Bin width of a region derived from the data (any format): 15m, 1h, 1d, PT1H, P1D...; default: inferred for counts, 1h for flights and trips. Rejected with --region-config (set binWidth there).")
    String bin;

    @Option(names = "--window", paramLabel = "BINS", description = "Window length in bins (default: one day).")
    Integer window;

    @Option(names = "--seed", paramLabel = "SEED", description = "Random seed (default: the config default).")
    Long seed;

    @Option(names = "--limit", paramLabel = "BINS", description = "Stop after this many closed bins.")
    Integer limit;

    @Option(names = "--optimizer", paramLabel = "NAME", description = "lbfgs (default: preconditioned quasi-Newton) or adam.")
    String optimizer;

    @Option(names = "--warm-steps", paramLabel = "N", description = "Budget of a warm update: gradient evaluations (default: the config default).")
    Integer warmSteps;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter err = spec.commandLine().getErr();
        OnlineInput.Format fmt = OnlineInput.Format.parse(format);
        RegionConfigs regions = null;
        if (regionConfig != null) {
            if (!Files.isRegularFile(regionConfig)) {
                throw new IllegalArgumentException("--region-config " + regionConfig + ": no such file");
            }
            regions = RegionConfigs.load(regionConfig);
        }
        Duration width = bin == null ? null : Durations.parsePositive("--bin", bin);
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        OnlineInput.Loaded loaded = OnlineInput.load(input, fmt, regions, zones, width);
        Map<String, OnlineConfig> configs = new LinkedHashMap<>();
        for (RegionConfig region : loaded.regions()) {
            OnlineConfig c = config(region, window, seed);
            if (optimizer != null) {
                c = c.withOptimizer(OnlineConfig.Optimizer.parse(optimizer));
            }
            if (warmSteps != null) {
                c = c.withSteps(c.coldSteps(), warmSteps, c.relativeTolerance());
            }
            configs.put(region.id(), c);
        }
        OnlineInput.Report report = loaded.report();
        List<ClosedBin> bins = OnlineInput.closedBins(loaded.snapshots(), report);
        if (limit != null && bins.size() > limit) {
            bins = bins.subList(0, limit);
        }
        err.printf("online: %d events read, %d used, %d rejected -> %d bins%n", loaded.events(),
                loaded.events() - loaded.rejected(), loaded.rejected(), bins.size());
        report.rejected().forEach((reason, n) -> err.printf("online:   rejected %s: %d (first: %s)%n", reason, n,
                report.examples().get(reason)));
        Map<String, Integer> binsOf = new LinkedHashMap<>();
        for (ClosedBin b : bins) {
            binsOf.merge(b.observation().region(), 1, Integer::sum);
        }
        for (RegionConfig region : loaded.regions()) {
            err.printf("online: region '%s' (%d zones), bins of %s, window %d bins%n", region.id(),
                    region.zoneCount(), region.binWidth(), configs.get(region.id()).windowBins());
        }
        for (String note : report.notes()) {
            err.println("online: note: " + note);
        }
        Files.createDirectories(out);
        OnlineConfig first = configs.values().iterator().next();
        Map<String, Long> failures = new java.util.TreeMap<>();
        org.mfgcal.api.CalibrationListener counting = new org.mfgcal.api.CalibrationListener() {
            @Override
            public void updateFailed(String region, long bin, String reason) {
                failures.merge(reason, 1L, Long::sum);
            }
        };
        OnlineCalibrator calibrator = new OnlineCalibrator(first, configs, counting);
        Map<org.mfgcal.api.Health.State, Long> health = new java.util.EnumMap<>(
                org.mfgcal.api.Health.State.class);
        Map<String, Long> starts = new java.util.TreeMap<>();
        long alerts = 0;
        Map<String, Integer> published = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Map<String, SkillTally> skill = new LinkedHashMap<>();
        for (Map.Entry<String, OnlineConfig> e : configs.entrySet()) {
            skill.put(e.getKey(), new SkillTally(e.getValue().horizon()));
        }
        try (BufferedWriter p = Files.newBufferedWriter(out.resolve("parameters.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter f = Files.newBufferedWriter(out.resolve("forecasts.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter a = Files.newBufferedWriter(out.resolve("alerts.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter o = Files.newBufferedWriter(out.resolve(OBSERVED), StandardCharsets.UTF_8)) {
            int i = 0;
            for (ClosedBin b : bins) {
                o.write(OutputJson.write(b.observation()));
                o.newLine();
                UpdateResult r = calibrator.update(b);
                if (r.published()) {
                    published.merge(b.observation().region(), 1, Integer::sum);
                    health.merge(r.parameters().health().state(), 1L, Long::sum);
                    starts.merge(r.parameters().start().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
                    p.write(OutputJson.write(r.parameters()));
                    p.newLine();
                    Forecast fc = r.forecast();
                    f.write(OutputJson.write(fc));
                    f.newLine();
                    skill.get(fc.region()).add(fc);
                }
                for (DriftAlert al : r.alerts()) {
                    a.write(OutputJson.write(al));
                    a.newLine();
                    alerts++;
                }
                i++;
                if (i % 24 == 0 || i == bins.size()) {
                    err.printf("\ronline: %d/%d bins, %d alerts, %.1f s", i, bins.size(), alerts,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        Files.writeString(out.resolve(SKILL), OutputJson.write(skillSummary(skill)) + "\n", StandardCharsets.UTF_8);
        err.printf("%nonline: wrote %s/{parameters,forecasts,alerts,observed}.jsonl and %s%n", out, SKILL);
        for (Map.Entry<String, SkillTally> e : skill.entrySet()) {
            printSkill(err, e.getKey(), e.getValue());
        }
        // Numerical failures do not abort: each update is checked, rolled back and retried cold, else published
        // degraded (health in the records); the summary says how many and why.
        err.printf("online: updates %s; health %s; failed update checks by reason %s%n", starts, health,
                failures);
        boolean complete = loaded.rejected() == 0;
        for (RegionConfig region : loaded.regions()) {
            int have = binsOf.getOrDefault(region.id(), 0);
            int window = configs.get(region.id()).windowBins();
            if (published.getOrDefault(region.id(), 0) == 0) {
                complete = false;
                err.printf("online: INCOMPLETE: region '%s' has %d bins%s; nothing was published for it%n",
                        region.id(), have, have < window ? ", fewer than its window of " + window
                                + " bins: the window never filled" : "");
            }
        }
        if (!complete) {
            err.printf("online: INCOMPLETE output (exit %d): %d rows rejected%s%n", Main.EXIT_INCOMPLETE,
                    loaded.rejected(), loaded.rejected() > 0 ? " (reasons above)" : "");
            return Main.EXIT_INCOMPLETE;
        }
        err.println("online: complete: every row used");
        return 0;
    }

    /** File of every closed bin's observation under {@code --out}. */
    static final String OBSERVED = "observed.jsonl";
    /** File of the skill summary under {@code --out}. */
    static final String SKILL = "skill.json";

    /**
     * The skill summary: {@code {"regions":[{"region", "coverage", "horizons":[{"horizon", "count", "mae",
     * "persistenceMae", "seasonalCount", "seasonalNaiveMae", "skillVsPersistence", "skillVsSeasonalNaive",
     * "coverage"}]}]}}; an undefined figure (no realised forecast yet, or no seasonal-naive error) is null.
     */
    static Map<String, Object> skillSummary(Map<String, SkillTally> skill) {
        List<Object> regions = new java.util.ArrayList<>();
        for (Map.Entry<String, SkillTally> e : skill.entrySet()) {
            SkillTally t = e.getValue();
            List<Object> hs = new java.util.ArrayList<>();
            for (int h = 1; h <= t.horizon(); h++) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("horizon", h);
                m.put("count", t.count(h));
                m.put("mae", finiteOrNull(t.modelMae(h)));
                m.put("persistenceMae", finiteOrNull(t.persistenceMae(h)));
                m.put("seasonalCount", t.seasonalCount(h));
                m.put("seasonalNaiveMae", finiteOrNull(t.seasonalMae(h)));
                m.put("skillVsPersistence", finiteOrNull(t.persistenceRatio(h)));
                m.put("skillVsSeasonalNaive", finiteOrNull(t.seasonalRatio(h)));
                m.put("coverage", finiteOrNull(t.coverage(h)));
                hs.add(m);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("region", e.getKey());
            r.put("coverage", finiteOrNull(t.coverage()));
            r.put("horizons", hs);
            regions.add(r);
        }
        return Map.of("regions", regions);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static void printSkill(java.io.PrintWriter err, String region, SkillTally t) {
        StringBuilder p = new StringBuilder();
        StringBuilder s = new StringBuilder();
        for (int h = 1; h <= t.horizon(); h++) {
            p.append(String.format(java.util.Locale.ROOT, " %.3f", t.persistenceRatio(h)));
            s.append(String.format(java.util.Locale.ROOT, " %.3f", t.seasonalRatio(h)));
        }
        err.printf(java.util.Locale.ROOT, "online: region '%s' skill (MAE / baseline MAE, h = 1..%d): vs"
                + " persistence%s; vs seasonal naive%s; band coverage %.3f%n", region, t.horizon(), p, s,
                t.coverage());
    }

    /** The loop config for a region: defaults for its bin width, optional window and seed. */
    static OnlineConfig config(RegionConfig region, Integer window, Long seed) {
        double hours = region.binWidth().toMillis() / 3_600_000.0;
        OnlineConfig cfg = OnlineConfig.defaults(hours);
        if (window != null) {
            cfg = cfg.withWindow(window, cfg.seasonBins());
        }
        if (seed != null) {
            cfg = cfg.withSeed(seed);
        }
        return cfg;
    }
}
