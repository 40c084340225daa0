package org.mfgcal.publisher.web;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.SkillTally;
import org.mfgcal.api.Health;
import org.mfgcal.publisher.json.OutputJson;

/**
 * What the web page shows, kept in memory and fed by the online loop through {@link CalibrationListener}: per
 * region the observed shares, the one-bin-ahead forecasts with bands, the latest forecast, parameter paths,
 * solver health, drift scores and alerts, each over the last {@code maxBins} bins.
 *
 * <p>Contract: {@link #version()} increases on every report; {@link #toJson()} is a consistent JSON view of each
 * region (schema: see {@code app.js}), {@link #toJson(String)} the overview of every region with the details of
 * one. Bins are labelled with times through {@link #describeRegion} (bin k starts at {@code k · binWidth} ms after
 * the Unix epoch; the page shows it in the region's time zone; without a description: UTC and one-hour bins).
 * Memory is bounded by {@code maxBins} per series and
 * {@link #MAX_ALERTS} alerts per region. Thread-safe: reports and reads may come from any thread; each region is
 * guarded by its own lock.
 */
public final class DashboardState implements CalibrationListener {

    /** Default number of bins kept per series (two days of 10-minute bins). */
    public static final int DEFAULT_MAX_BINS = 288;
    /** Alerts kept per region (latest state per alert id, newest first). */
    public static final int MAX_ALERTS = 50;

    private final int maxBins;
    private final AtomicLong version = new AtomicLong();
    private final Map<String, RegionView> regions = new ConcurrentSkipListMap<>();

    /** A state keeping {@link #DEFAULT_MAX_BINS} bins per series. */
    public DashboardState() {
        this(DEFAULT_MAX_BINS);
    }

    /** A state keeping {@code maxBins} bins per series; {@code maxBins} in 1..100000. */
    public DashboardState(int maxBins) {
        if (maxBins < 1 || maxBins > 100_000) {
            throw new IllegalArgumentException("dashboard maxBins must be in 1..100000, got " + maxBins);
        }
        this.maxBins = maxBins;
    }

    /**
     * Declares how {@code region}'s bins map to time, for the page's axes and alert times: bin {@code k} starts
     * {@code k · binWidthMillis} ms after the Unix epoch and is shown in {@code timeZone} (an IANA id such as
     * {@code America/Chicago}, or {@code UTC}).
     *
     * @throws IllegalArgumentException if {@code timeZone} is blank or not a time zone id, or
     *                                  {@code binWidthMillis} is not positive
     */
    public void describeRegion(String region, String timeZone, long binWidthMillis) {
        if (timeZone == null || timeZone.isBlank()) {
            throw new IllegalArgumentException("region '" + region + "': timeZone must be a time zone id, got '"
                    + timeZone + "'");
        }
        try {
            java.time.ZoneId.of(timeZone);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("region '" + region + "': timeZone is not a time zone id, got '"
                    + timeZone + "'", e);
        }
        if (binWidthMillis <= 0) {
            throw new IllegalArgumentException("region '" + region + "': binWidthMillis must be > 0, got "
                    + binWidthMillis);
        }
        RegionView v = view(region);
        synchronized (v) {
            v.timeZone = timeZone;
            v.binMillis = binWidthMillis;
        }
        version.incrementAndGet();
    }

    /** Increases on every report; the page polls with it to skip unchanged states. */
    public long version() {
        return version.get();
    }

    @Override
    public void snapshotClosed(Observation o) {
        RegionView v = view(o.region());
        synchronized (v) {
            v.zones = o.zones();
            v.observed.put(o.bin(), new BinShares(o.bin(), o.shares()));
            trim(v.observed);
        }
        version.incrementAndGet();
    }

    @Override
    public void parametersUpdated(ParameterUpdate u) {
        RegionView v = view(u.region());
        synchronized (v) {
            // one entry per update (the update's own immutable list); the paths are built when the page asks
            v.parameters.put(u.bin(), u.parameters());
            trim(v.parameters);
            v.health.put(u.bin(), new UpdateHealth(u.bin(), u.picardIterations(), u.adjointIterations(),
                    u.optimiserSteps(), u.exploitability(), u.latencyMillis(), u.loss(), u.start().name(),
                    u.health().state().name(), u.health().reason()));
            trim(v.health);
        }
        version.incrementAndGet();
    }

    @Override
    public void forecastIssued(Forecast f) {
        RegionView v = view(f.region());
        synchronized (v) {
            v.zones = f.zones();
            v.latest = f;
            if (!f.steps().isEmpty()) {
                Forecast.Step first = f.steps().get(0);
                v.oneAhead.put(first.bin(), first);
                trim(v.oneAhead);
            }
            if (v.skill == null) {
                v.skill = new SkillTally(Math.max(1, f.steps().size()));
            }
            v.skill.add(f);
            for (Forecast.RealisedError r : f.realised()) {
                if (r.horizon() == 1) {
                    v.errors.put(r.bin(), r);
                    trim(v.errors);
                }
            }
        }
        version.incrementAndGet();
    }

    @Override
    public void driftScore(String region, long bin, double score) {
        RegionView v = view(region);
        synchronized (v) {
            v.drift.put(bin, Double.isFinite(score) ? score : 0.0);
            trim(v.drift);
        }
        version.incrementAndGet();
    }

    @Override
    public void driftAlert(DriftAlert a) {
        RegionView v = view(a.region());
        synchronized (v) {
            v.alerts.remove(a.id());
            v.alerts.put(a.id(), a);
            while (v.alerts.size() > MAX_ALERTS) {
                Iterator<String> it = v.alerts.keySet().iterator();
                it.next();
                it.remove();
            }
        }
        version.incrementAndGet();
    }

    /** The regions seen so far, sorted. */
    public List<String> regions() {
        return List.copyOf(regions.keySet());
    }

    /**
     * The whole state as JSON: {@code {"version":N,"overview":[summary per region],"regions":[details per
     * region]}}.
     */
    public String toJson() {
        return toJson(null, true);
    }

    /**
     * The overview of every region and the details of {@code region} only (none when it is null, blank or
     * unknown): what the page needs for one view, a bounded answer however many regions there are.
     */
    public String toJson(String region) {
        return toJson(region, false);
    }

    private String toJson(String selected, boolean all) {
        long ver = version.get();
        List<Map<String, Object>> overview = new ArrayList<>();
        List<Map<String, Object>> out = new ArrayList<>();
        for (RegionView v : regions.values()) {
            synchronized (v) {
                overview.add(v.summary());
                if (all || v.region.equals(selected)) {
                    out.add(v.toMap());
                }
            }
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", ver);
        root.put("overview", overview);
        root.put("regions", out);
        return OutputJson.write(root);
    }

    private RegionView view(String region) {
        return regions.computeIfAbsent(region, RegionView::new);
    }

    private void trim(TreeMap<Long, ?> series) {
        while (series.size() > maxBins) {
            series.pollFirstEntry();
        }
    }

    private record BinShares(long bin, List<Double> shares) {
    }

    private record UpdateHealth(long bin, int picard, int adjoint, int steps, double exploitability,
                                double latencyMillis, double loss, String start, String state, String reason) {
    }

    /** Everything shown for one region; guarded by its own monitor. */
    private static final class RegionView {
        final String region;
        List<String> zones = List.of();
        final TreeMap<Long, BinShares> observed = new TreeMap<>();
        final TreeMap<Long, Forecast.Step> oneAhead = new TreeMap<>();
        final TreeMap<Long, Forecast.RealisedError> errors = new TreeMap<>();
        Forecast latest;
        SkillTally skill;
        /** Parameter values per bin (as updated); {@link #toMap} turns them into a path per name and target. */
        final TreeMap<Long, List<ParameterValue>> parameters = new TreeMap<>();
        final TreeMap<Long, UpdateHealth> health = new TreeMap<>();
        String timeZone = "UTC";
        long binMillis = 3_600_000L;
        final TreeMap<Long, Double> drift = new TreeMap<>();
        final LinkedHashMap<String, DriftAlert> alerts = new LinkedHashMap<>();

        RegionView(String region) {
            this.region = region;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("region", region);
            m.put("timeZone", timeZone);
            m.put("binMillis", binMillis);
            m.put("zones", zones);
            m.put("observed", new ArrayList<>(observed.values()));
            m.put("oneAhead", new ArrayList<>(oneAhead.values()));
            m.put("errors", new ArrayList<>(errors.values()));
            m.put("forecast", latest == null ? null : Map.of("issuedAtBin", latest.issuedAtBin(),
                    "bandLevel", latest.bandLevel(), "steps", latest.steps()));
            Map<String, Map<String, List<double[]>>> params = new TreeMap<>();
            parameters.forEach((bin, values) -> {
                for (ParameterValue p : values) {
                    params.computeIfAbsent(p.name(), k -> new TreeMap<>())
                            .computeIfAbsent(p.target(), k -> new ArrayList<>()).add(new double[] {bin, p.value()});
                }
            });
            m.put("parameters", params);
            m.put("skill", skillMap());
            m.put("health", new ArrayList<>(health.values()));
            m.put("drift", points(drift));
            List<DriftAlert> newestFirst = new ArrayList<>(alerts.values());
            java.util.Collections.reverse(newestFirst);
            m.put("alerts", newestFirst);
            return m;
        }

        /**
         * One overview row: {@code {region, timeZone, binMillis, lastBin, health (OK|RECOVERED|DEGRADED|null),
         * degradedBins (among the kept ones), drift (latest score|null), skill (1-bin MAE / persistence MAE|null),
         * activeAlerts}}; lastBin is the latest bin observed or updated, null before any.
         */
        Map<String, Object> summary() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("region", region);
            m.put("timeZone", timeZone);
            m.put("binMillis", binMillis);
            Long last = null;
            if (!observed.isEmpty()) {
                last = observed.lastKey();
            }
            if (!health.isEmpty() && (last == null || health.lastKey() > last)) {
                last = health.lastKey();
            }
            m.put("lastBin", last);
            m.put("health", health.isEmpty() ? null : health.lastEntry().getValue().state());
            m.put("degradedBins", health.values().stream()
                    .filter(h -> Health.State.DEGRADED.name().equals(h.state())).count());
            m.put("drift", drift.isEmpty() ? null : drift.lastEntry().getValue());
            double ratio = skill == null ? Double.NaN : skill.persistenceRatio(1);
            m.put("skill", Double.isFinite(ratio) ? ratio : null);
            m.put("activeAlerts", alerts.values().stream().filter(a -> a.state() == DriftAlert.State.RAISED).count());
            return m;
        }

        /**
         * Forecast skill since start: {@code {"horizons":[1..H], "persistence":[ratio|null], "seasonalNaive":
         * [ratio|null], "count":[realised forecasts]}}, ratio = model MAE / baseline MAE; null before any.
         */
        private Map<String, Object> skillMap() {
            if (skill == null) {
                return null;
            }
            List<Integer> horizons = new ArrayList<>();
            List<Double> persistence = new ArrayList<>();
            List<Double> seasonal = new ArrayList<>();
            List<Long> count = new ArrayList<>();
            for (int h = 1; h <= skill.horizon(); h++) {
                horizons.add(h);
                double p = skill.persistenceRatio(h);
                double s = skill.seasonalRatio(h);
                persistence.add(Double.isFinite(p) ? p : null);
                seasonal.add(Double.isFinite(s) ? s : null);
                count.add(skill.count(h));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("horizons", horizons);
            m.put("persistence", persistence);
            m.put("seasonalNaive", seasonal);
            m.put("count", count);
            return m;
        }

        private static List<double[]> points(TreeMap<Long, Double> path) {
            List<double[]> pts = new ArrayList<>(path.size());
            path.forEach((bin, value) -> pts.add(new double[] {bin, value}));
            return pts;
        }
    }

    /** For tests: the length of the longest series kept. */
    int sizeOfLargestSeries() {
        int max = 0;
        for (RegionView v : regions.values()) {
            synchronized (v) {
                max = Math.max(max, Math.max(v.observed.size(), Math.max(v.health.size(), v.drift.size())));
                max = Math.max(max, v.parameters.size());
            }
        }
        return max;
    }
}
