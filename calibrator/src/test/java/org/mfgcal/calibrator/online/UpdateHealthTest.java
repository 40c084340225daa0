package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Health;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.UpdateResult;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * The update checks, rollback and degraded publication of {@link RegionCalibrator} (issue 11, item 1), on the
 * synthetic region of {@link RegionCalibratorTest}.
 */
class UpdateHealthTest {

    /** Collects the failed checks the loop reports. */
    static final class Failures implements CalibrationListener {
        final List<String> reasons = new ArrayList<>();

        @Override
        public synchronized void updateFailed(String region, long bin, String reason) {
            reasons.add(bin + ":" + reason);
        }
    }

    @Test
    void healthyData_everyUpdatePassesItsChecks() {
        Failures f = new Failures();
        RegionCalibrator rc = new RegionCalibrator(RegionCalibratorTest.config(), "syn", RegionCalibratorTest.ZONES, f);
        int published = 0;
        for (ClosedBin b : RegionCalibratorTest.simulate(0, 40, Long.MAX_VALUE)) {
            UpdateResult r = rc.update(b);
            if (r.published()) {
                published++;
                assertEquals(Health.ok(b.observation().bin()), r.parameters().health());
                assertEquals(r.parameters().health(), r.forecast().health());
            }
        }
        assertTrue(published > 30, "published " + published);
        assertEquals(List.of(), f.reasons, "no spurious failures on data the model fits");
    }

    @Test
    void noEquilibriumEver_everyBinPublishedDegraded_withPersistenceForecastAndItsReason() {
        // One fixed-point iteration: no solve converges, neither the calibration's nor the forecast's. (Without
        // congestion: with it the prior's rates are all clipped to 0 here, a static equilibrium found at once.)
        OnlineConfig cfg = RegionCalibratorTest.config().withGame(1.0, 0.0)
                .withSolver(SolverOptions.DEFAULTS.withMaxIter(1, 1));
        Failures f = new Failures();
        RegionCalibrator rc = new RegionCalibrator(cfg, "syn", RegionCalibratorTest.ZONES, f);
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 20, Long.MAX_VALUE);
        int published = 0;
        for (ClosedBin b : bins) {
            UpdateResult r = rc.update(b);
            if (!r.published()) {
                continue;
            }
            published++;
            long bin = b.observation().bin();
            Health h = r.parameters().health();
            assertEquals(Health.State.DEGRADED, h.state());
            assertEquals(Health.REASON_NO_EQUILIBRIUM, h.reasonLabel(), h.reason());
            assertTrue(h.reason().contains(Health.REASON_FORECAST), h.reason());
            assertNull(h.parametersFromBin(), "no good update yet: the prior rates");
            assertEquals(h, r.forecast().health());
            assertEquals(ParameterUpdate.Start.COLD, r.parameters().start(), "never warm without a good update");
            assertTrue(Double.isFinite(r.parameters().loss()) && Double.isFinite(r.parameters().exploitability()));
            // the forecast holds the bin's observed shares at every horizon (persistence), with a band around them
            for (Forecast.Step s : r.forecast().steps()) {
                for (int x = 0; x < RegionCalibratorTest.ZONES.size(); x++) {
                    assertEquals(b.observation().shares().get(x), s.mean().get(x), 1e-12, "bin " + bin + " zone " + x);
                    assertTrue(s.lower().get(x) < s.mean().get(x) && s.mean().get(x) < s.upper().get(x));
                }
            }
            // the cold attempt and the forecast failed; no warm attempt to retry
            assertEquals(List.of(bin + ":" + Health.REASON_NO_EQUILIBRIUM, bin + ":" + Health.REASON_FORECAST),
                    f.reasons.subList(f.reasons.size() - 2, f.reasons.size()));
        }
        assertEquals(bins.size() - cfg.windowBins() + 1, published, "every bin after the window filled is published");
        assertEquals(2 * published, f.reasons.size());
    }
}
