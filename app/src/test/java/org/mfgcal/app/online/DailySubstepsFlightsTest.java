package org.mfgcal.app.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Health;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Daily bins of the shipped Jan–Mar flights (region of src/test/resources/repro/numerics/region-flights-daily.yaml):
 * with one 24 h solver step per bin the equilibrium mostly had no fixed point (83 of 85 updates of the whole file
 * published DEGRADED); with the default sub-steps (k = 8, 3 h steps; RegionCalibrator, "Sub-steps") most updates of
 * a four-week slice are OK, and every published number is finite. The same slice with k = 1 is the baseline.
 */
class DailySubstepsFlightsTest {
    /** First bin of the slice (day 40 of the file; the first weeks have the fewest flights and fail most). */
    static final int FROM = 40;
    static final int BINS = 28;

    @Test
    void dailyFlights_defaultSubsteps_mostUpdatesOk_finiteOutputs() {
        List<ClosedBin> all = OnlineInput.closedBins(Binning.snapshots(FlightsCsv.readShipped(FlightsData.FULL),
                RegionConfigs.loadSpec("classpath:repro/numerics/region-flights-daily.yaml").single()));
        List<ClosedBin> bins = all.subList(FROM, FROM + BINS);
        OnlineConfig cfg = OnlineConfig.defaults(24);
        assertEquals(8, cfg.substeps());
        long t0 = System.nanoTime();
        Map<Health.State, Integer> sub = run(cfg, bins, true);
        long t1 = System.nanoTime();
        Map<Health.State, Integer> one = run(cfg.withSubsteps(1), bins, false);
        long t2 = System.nanoTime();
        int published = BINS - cfg.windowBins() + 1;
        int ok = sub.getOrDefault(Health.State.OK, 0);
        System.out.printf("daily flights bins %d..%d: k = 8 %s (%.1f s); k = 1 %s (%.1f s)%n", FROM, FROM + BINS - 1,
                sub, (t1 - t0) / 1e9, one, (t2 - t1) / 1e9);
        assertTrue(ok >= 0.75 * published, "OK updates with sub-steps: " + sub + " of " + published);
        assertTrue(ok > one.getOrDefault(Health.State.OK, 0), "sub-steps " + sub + " vs one step per bin " + one);
    }

    /** Runs the bins; health counts of the published updates; with {@code check}, every output number finite. */
    private static Map<Health.State, Integer> run(OnlineConfig cfg, List<ClosedBin> bins, boolean check) {
        RegionCalibrator rc = new RegionCalibrator(cfg, "flights", bins.get(0).observation().zones(),
                CalibrationListener.NONE);
        Map<Health.State, Integer> counts = new EnumMap<>(Health.State.class);
        for (ClosedBin b : bins) {
            UpdateResult r = rc.update(b);
            if (!r.published()) {
                continue;
            }
            counts.merge(r.parameters().health().state(), 1, Integer::sum);
            if (!check) {
                continue;
            }
            String at = "bin " + b.observation().bin();
            assertTrue(Double.isFinite(r.parameters().loss()) && Double.isFinite(r.parameters().exploitability()), at);
            for (ParameterValue v : r.parameters().parameters()) {
                assertTrue(Double.isFinite(v.value()) && v.value() >= 0, at + ": " + v);
            }
            for (Forecast.Step s : r.forecast().steps()) {
                double sum = 0;
                for (int x = 0; x < s.mean().size(); x++) {
                    double m = s.mean().get(x);
                    assertTrue(Double.isFinite(m) && s.lower().get(x) <= m && m <= s.upper().get(x), at + ": " + s);
                    sum += m;
                }
                assertEquals(1.0, sum, 1e-6, at + ": forecast means sum to 1");
            }
        }
        return counts;
    }
}
