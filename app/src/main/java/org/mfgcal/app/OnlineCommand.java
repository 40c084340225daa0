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
import org.mfgcal.calibrator.online.ClosedBin;
import org.mfgcal.calibrator.online.DriftAlert;
import org.mfgcal.calibrator.online.Forecast;
import org.mfgcal.calibrator.online.OnlineCalibrator;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.UpdateResult;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.publisher.json.OutputJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal online}: the online calibration loop over a file, without Kafka. Event time comes from the file;
 * bins are processed as fast as possible, in order, with progress on stderr. Writes {@code parameters.jsonl},
 * {@code forecasts.jsonl} and {@code alerts.jsonl} (one JSON record per line, the records the Kafka topics get)
 * under {@code --out}. Deterministic: the same file and flags give byte-identical files except for
 * {@code latencyMillis}.
 */
@Command(name = "online", mixinStandardHelpOptions = true,
        description = "Run the online calibration loop over a file: parameters, forecasts and drift alerts as JSONL.")
public final class OnlineCommand implements Callable<Integer> {

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

    @Option(names = "--bin", paramLabel = "DURATION", description = "Bin width of a derived counts region, ISO-8601 (e.g. PT1H); default inferred.")
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
        OnlineInput.Format fmt = OnlineInput.Format.parse(format);
        RegionConfigs regions = null;
        if (regionConfig != null) {
            if (!Files.isRegularFile(regionConfig)) {
                throw new IllegalArgumentException("--region-config " + regionConfig + ": no such file");
            }
            regions = RegionConfigs.load(regionConfig);
        }
        Duration width = null;
        if (bin != null) {
            try {
                width = Duration.parse(bin);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--bin '" + bin + "': expected an ISO-8601 duration such as PT1H", e);
            }
        }
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
        List<ClosedBin> bins = OnlineInput.closedBins(loaded.snapshots());
        if (limit != null && bins.size() > limit) {
            bins = bins.subList(0, limit);
        }
        System.err.printf("online: %d events (%d rejected) -> %d bins%n", loaded.events(), loaded.rejected(),
                bins.size());
        for (RegionConfig region : loaded.regions()) {
            System.err.printf("online: region '%s' (%d zones), bins of %s, window %d bins%n", region.id(),
                    region.zoneCount(), region.binWidth(), configs.get(region.id()).windowBins());
        }
        Files.createDirectories(out);
        OnlineConfig first = configs.values().iterator().next();
        Map<String, Long> failures = new java.util.TreeMap<>();
        org.mfgcal.calibrator.online.CalibrationListener counting = new org.mfgcal.calibrator.online.CalibrationListener() {
            @Override
            public void updateFailed(String region, long bin, String reason) {
                failures.merge(reason, 1L, Long::sum);
            }
        };
        OnlineCalibrator calibrator = new OnlineCalibrator(first, configs, counting);
        Map<org.mfgcal.calibrator.online.Health.State, Long> health = new java.util.EnumMap<>(
                org.mfgcal.calibrator.online.Health.State.class);
        Map<String, Long> starts = new java.util.TreeMap<>();
        long alerts = 0;
        long t0 = System.nanoTime();
        try (BufferedWriter p = Files.newBufferedWriter(out.resolve("parameters.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter f = Files.newBufferedWriter(out.resolve("forecasts.jsonl"), StandardCharsets.UTF_8);
             BufferedWriter a = Files.newBufferedWriter(out.resolve("alerts.jsonl"), StandardCharsets.UTF_8)) {
            int i = 0;
            for (ClosedBin b : bins) {
                UpdateResult r = calibrator.update(b);
                if (r.published()) {
                    health.merge(r.parameters().health().state(), 1L, Long::sum);
                    starts.merge(r.parameters().start().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
                    p.write(OutputJson.write(r.parameters()));
                    p.newLine();
                    Forecast fc = r.forecast();
                    f.write(OutputJson.write(fc));
                    f.newLine();
                }
                for (DriftAlert al : r.alerts()) {
                    a.write(OutputJson.write(al));
                    a.newLine();
                    alerts++;
                }
                i++;
                if (i % 24 == 0 || i == bins.size()) {
                    System.err.printf("\ronline: %d/%d bins, %d alerts, %.1f s", i, bins.size(), alerts,
                            (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        System.err.printf("%nonline: wrote %s/{parameters,forecasts,alerts}.jsonl%n", out);
        // Numerical failures do not abort: each update is checked, rolled back and retried cold, else published
        // degraded (health in the records); the summary says how many and why.
        System.err.printf("online: updates %s; health %s; failed update checks by reason %s%n", starts, health,
                failures);
        return 0;
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
