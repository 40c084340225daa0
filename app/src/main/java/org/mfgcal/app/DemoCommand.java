package org.mfgcal.app;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.mfgcal.ingest.Durations;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.mfgcal.app.service.Demo;
import org.mfgcal.app.service.DemoData;
import org.mfgcal.app.service.Service;
import org.mfgcal.app.service.ServiceConfig;
import org.mfgcal.publisher.HttpEndpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal demo}: the whole service on one machine with real data ({@link Demo}): an in-process KRaft broker
 * on 127.0.0.1, the service (ingest → online calibration → transactional outputs, metrics, web page), and the
 * shipped flights week replayed into the input topic at an accelerated clock. Prints the URLs and the time from
 * launch to the first forecast; stops cleanly on Ctrl-C (or after {@code --exit-after-bins} / {@code --duration}).
 *
 * <p>The data is one week, so the demo's loop uses a daily season ({@code --season 24}) for its seasonal forecast
 * and drift reference; {@code --inject-change PHX@96} cancels every second Phoenix departure from the fifth day
 * on, which the drift detector reports.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the service on an embedded Kafka broker with the real flights week replayed at an"
                + " accelerated clock; serves the web page and the metrics. Ctrl-C stops it.",
            "Example: mfgcal demo --speedup 7200 --inject-change PHX@96"})
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--speedup", paramLabel = "X", defaultValue = "3600",
            description = "Event-time seconds per wall-clock second (default ${DEFAULT-VALUE}: one hourly bin per"
                    + " second); 0 replays as fast as possible.")
    double speedup;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the broker's data goes (a fresh subdirectory, deleted at the end unless --keep-data);"
                    + " default: the system temporary directory.")
    Path dataDir;

    @Option(names = "--keep-data", description = "Keep the broker's data directory at the end.")
    boolean keepData;

    @Option(names = "--web-port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the web page on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
    int webPort;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "Port of the Prometheus endpoint on 127.0.0.1 (default ${DEFAULT-VALUE}; 0: any free port).")
    int metricsPort;

    @Option(names = "--season", paramLabel = "BINS", defaultValue = "24",
            description = "Season of the loop's seasonal forecast and drift reference, in bins (default ${DEFAULT-VALUE}).")
    int season;

    @Option(names = "--inject-change", paramLabel = "ZONE[@HOURS]",
            description = "Cancel every second departure from ZONE from HOURS after the start (default 96): a drift"
                    + " to detect. Example: PHX@96.")
    String injectChange;

    @Option(names = "--exit-after-bins", paramLabel = "N", description = "Stop after N closed bins were committed.")
    Long exitAfterBins;

    @Option(names = "--duration", paramLabel = "TIME", description = "Stop after this long (e.g. 90s, 5m, 1h, PT10M).")
    String duration;

    /**
     * The demo replays one week, shorter than the loop's default drift warm-up (a week of bins): the drift channels
     * arm after two days instead, so a change in the replayed data can raise an alert while the demo runs.
     */
    public static final int DEMO_DRIFT_WARMUP_BINS = 48;

    @Override
    public Integer call() throws Exception {
        if (exitAfterBins != null && exitAfterBins < 1) {
            throw new IllegalArgumentException("--exit-after-bins must be >= 1, got " + exitAfterBins);
        }
        Duration limit = duration == null ? null : parseDuration(duration);
        Demo.Options options = new Demo.Options(speedup, dataDir, keepData, HttpEndpoint.loopback(webPort),
                HttpEndpoint.loopback(metricsPort), ServiceConfig.Model.DEFAULTS.with("seasonBins", season)
                        .with("driftWarmupBins", DEMO_DRIFT_WARMUP_BINS),
                injectChange == null ? null : DemoData.Change.parse(injectChange));
        long launched = ManagementFactory.getRuntimeMXBean().getStartTime();
        PrintStream out = System.out;
        Demo demo = Demo.start(options, out);
        Thread hook = new Thread(demo::close, "mfgcal-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return waitUntilDone(demo, out, launched, limit);
        } finally {
            demo.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running already
            }
        }
    }

    /** Blocks until an exit condition; prints the first forecast's time. Returns the exit code. */
    private int waitUntilDone(Demo demo, PrintStream out, long launched, Duration limit) throws InterruptedException {
        long t0 = System.nanoTime();
        boolean firstForecast = false;
        Service s = demo.service();
        while (true) {
            if (!firstForecast && s.pipeline().published() > 0) {
                firstForecast = true;
                var c = s.pipeline().last();
                out.printf(Locale.ROOT, "mfgcal demo: first forecast published %.1f s after launch (bin %s) -> %s%n",
                        (System.currentTimeMillis() - launched) / 1e3, c == null ? "?" : c.snapshot().binStart(),
                        s.webUrl());
            }
            if (s.awaitTermination(Duration.ofMillis(200))) {
                Throwable f = s.failure();
                if (f != null) {
                    out.println("mfgcal demo: pipeline failed: " + f);
                    return 1;
                }
                return 0;
            }
            if (demo.replayFailure() != null) {
                out.println("mfgcal demo: replay failed: " + demo.replayFailure().getMessage());
                return 1;
            }
            if (exitAfterBins != null && s.pipeline().committed() >= exitAfterBins) {
                out.printf("mfgcal demo: %d bins committed, stopping (--exit-after-bins)%n", s.pipeline().committed());
                return 0;
            }
            if (limit != null && System.nanoTime() - t0 >= limit.toNanos()) {
                out.printf("mfgcal demo: %s elapsed, stopping (--duration)%n", limit);
                return 0;
            }
        }
    }

    /** Parses {@code --duration} with the one duration syntax ({@link Durations}); must be positive. */
    static Duration parseDuration(String s) {
        return Durations.parsePositive("--duration", s);
    }
}
