package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.UpdateResult;

/**
 * The loop on synthetic data from a known jump process: four zones (External last), six-hour bins (window 4, a
 * season of 28 bins), rates with a daily cycle, a constant population of 1000 and expected OD counts.
 */
class RegionCalibratorTest {
    static final List<String> ZONES = List.of("A", "B", "C", "External");
    static final double HOURS = 6;

    /** Base rate per hour of x → y. */
    static double rate(int x, int y, long bin, long halveFrom) {
        return rate(x, y, bin, halveFrom, 0.5);
    }

    static double rate(int x, int y, long bin, long halveFrom, double amplitude) {
        double base = 0.02 + 0.01 * ((x + 2 * y) % 3);
        double cycle = 1 + amplitude * Math.sin(2 * Math.PI * bin / 4.0);
        return base * cycle * (x == 0 && bin >= halveFrom ? 0.5 : 1);
    }

    /** Closed bins first..first+n−1; the outgoing rates of zone A are halved from {@code halveFrom}. */
    static List<ClosedBin> simulate(long first, int n, long halveFrom) {
        return simulate(first, n, halveFrom, 0.5);
    }

    static List<ClosedBin> simulate(long first, int n, long halveFrom, double amplitude) {
        int d = ZONES.size();
        double[] stock = {300, 200, 100, 400};
        List<ClosedBin> out = new ArrayList<>();
        for (long b = first; b < first + n; b++) {
            long[] od = new long[d * d];
            double[] next = stock.clone();
            for (int x = 0; x < d; x++) {
                double total = 0;
                for (int y = 0; y < d; y++) {
                    total += y == x ? 0 : rate(x, y, b, halveFrom, amplitude);
                }
                double leave = stock[x] * -Math.expm1(-HOURS * total);
                for (int y = 0; y < d; y++) {
                    if (y != x) {
                        double f = leave * rate(x, y, b, halveFrom, amplitude) / total;
                        od[x * d + y] = Math.round(f);
                        next[x] -= f;
                        next[y] += f;
                    }
                }
            }
            stock = next;
            List<Double> shares = new ArrayList<>();
            double sum = 0;
            for (double s : stock) {
                sum += s;
            }
            for (double s : stock) {
                shares.add(s / sum);
            }
            out.add(new ClosedBin(new Observation("syn", b, ZONES, shares, 1000), od));
        }
        return out;
    }

    static OnlineConfig config() {
        return OnlineConfig.defaults(HOURS);
    }

    @Test
    void update_lifecycle_coldOnFirstFullWindowThenWarm_withProvenanceWindow() {
        RegionCalibrator rc = new RegionCalibrator(config(), "syn", ZONES, CalibrationListener.NONE);
        List<ClosedBin> bins = simulate(1000, 8, Long.MAX_VALUE);
        for (int i = 0; i < 3; i++) {
            assertFalse(rc.update(bins.get(i)).published(), "bin " + i + " fills the window");
        }
        UpdateResult first = rc.update(bins.get(3));
        assertEquals(ParameterUpdate.Start.COLD, first.parameters().start());
        assertEquals(1000, first.parameters().provenance().windowFirstBin());
        assertEquals(1003, first.parameters().provenance().windowLastBin());
        for (int i = 4; i < 8; i++) {
            UpdateResult r = rc.update(bins.get(i));
            assertEquals(ParameterUpdate.Start.WARM, r.parameters().start(), "bin " + i);
            checkForecast(r.forecast(), bins.get(i).observation().bin());
        }
        // one rate per edge and one outRate per zone
        assertEquals(12 + 4, first.parameters().parameters().size());
    }

    static void checkForecast(Forecast f, long bin) {
        assertEquals(12, f.steps().size());
        for (int h = 0; h < f.steps().size(); h++) {
            Forecast.Step s = f.steps().get(h);
            assertEquals(bin + h + 1, s.bin());
            double sum = 0;
            for (int x = 0; x < s.mean().size(); x++) {
                sum += s.mean().get(x);
                assertTrue(s.lower().get(x) <= s.mean().get(x) && s.mean().get(x) <= s.upper().get(x));
                assertTrue(s.mean().get(x) >= 0);
            }
            assertEquals(1.0, sum, 1e-6, "forecast mass at step " + h);
        }
    }

    @Test
    void update_sameInputs_bitIdenticalOutputs() {
        List<ClosedBin> bins = simulate(500, 40, Long.MAX_VALUE);
        List<UpdateResult> a = run(bins);
        List<UpdateResult> b = run(bins);
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).published()) {
                continue;
            }
            assertEquals(a.get(i).parameters().parameters(), b.get(i).parameters().parameters(), "bin " + i);
            assertEquals(a.get(i).parameters().loss(), b.get(i).parameters().loss(), 0.0);
            assertEquals(a.get(i).forecast(), b.get(i).forecast(), "bin " + i);
        }
    }

    private static List<UpdateResult> run(List<ClosedBin> bins) {
        RegionCalibrator rc = new RegionCalibrator(config(), "syn", ZONES, CalibrationListener.NONE);
        List<UpdateResult> out = new ArrayList<>();
        for (ClosedBin b : bins) {
            out.add(rc.update(b));
        }
        return out;
    }

    @Test
    void update_knownProcess_recoversRatesAndForecastsTheNextBin() {
        long first = 0;
        List<ClosedBin> bins = simulate(first, 61, Long.MAX_VALUE);
        // The process's rates change by up to a factor 2 from one 6-hour bin to the next, so the smoothness prior is
        // relaxed from its default (λ_s = 4, tuned to hourly data), which would pull the newest row 25–31% towards
        // the previous bin's rates at the optimum (the optimiser converges: 10 and 100 evaluations agree).
        RegionCalibrator rc = new RegionCalibrator(config().withRegularisation(0.5, 1.0), "syn", ZONES,
                CalibrationListener.NONE);
        UpdateResult last = null;
        for (int i = 0; i < 60; i++) {
            last = rc.update(bins.get(i));
        }
        long b = last.observation().bin();
        // rates during the newest bin, against the truth (the game's congestion term makes a* a little below q)
        for (ParameterValue v : last.parameters().parameters()) {
            if (v.name().equals(RegionCalibrator.RATE)) {
                String[] xy = v.target().split(ParameterValue.EDGE);
                double truth = rate(ZONES.indexOf(xy[0]), ZONES.indexOf(xy[1]), b, Long.MAX_VALUE);
                assertEquals(truth, v.value(), 0.15 * truth, "rate " + v.target());
            }
        }
        Forecast.Step next = last.forecast().steps().get(0);
        List<Double> actual = bins.get(60).observation().shares();
        for (int x = 0; x < ZONES.size(); x++) {
            assertEquals(actual.get(x), next.mean().get(x), 0.01, "one-bin forecast of " + ZONES.get(x));
        }
    }

    @Test
    void update_outgoingRatesOfOneZoneHalved_alertNamesTheZoneWithinFourBins() {
        long halveFrom = 100;
        List<ClosedBin> bins = simulate(0, 110, halveFrom, 0.0);
        // Default detector: the rate channels arm after two seasons of references (bin 60) plus a warm-up of 28.
        OnlineConfig cfg = config();
        RegionCalibrator rc = new RegionCalibrator(cfg, "syn", ZONES, CalibrationListener.NONE);
        DriftAlert firstAlert = null;
        for (ClosedBin bin : bins) {
            UpdateResult r = rc.update(bin);
            if (bin.observation().bin() < halveFrom) {
                assertEquals(List.of(), r.alerts(), "alert before the change");
            }
            for (DriftAlert a : r.alerts()) {
                if (a.state() == DriftAlert.State.RAISED && firstAlert == null) {
                    firstAlert = a;
                }
            }
        }
        assertNotNull(firstAlert, "no alert after the change at bin " + halveFrom);
        assertTrue(firstAlert.bin() >= halveFrom && firstAlert.bin() <= halveFrom + 4, firstAlert.toString());
        assertEquals("A", firstAlert.target());
        assertTrue(firstAlert.parameter().equals(RegionCalibrator.OUT_RATE)
                && firstAlert.direction() == DriftAlert.Direction.DOWN
                || firstAlert.parameter().equals(DriftAlert.RESIDUAL)
                && firstAlert.direction() == DriftAlert.Direction.UP, firstAlert.toString());
    }

    @Test
    void update_badInput_clearErrors() {
        RegionCalibrator rc = new RegionCalibrator(config(), "syn", ZONES, CalibrationListener.NONE);
        List<ClosedBin> bins = simulate(10, 3, Long.MAX_VALUE);
        rc.update(bins.get(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rc.update(bins.get(0)));
        assertTrue(e.getMessage().contains("bin 10 is not after the last bin 11"), e.getMessage());
        Observation other = new Observation("elsewhere", 12, ZONES, bins.get(2).observation().shares(), 1000);
        e = assertThrows(IllegalArgumentException.class, () -> rc.update(ClosedBin.sharesOnly(other)));
        assertTrue(e.getMessage().contains("'elsewhere'"), e.getMessage());
        Observation zones = new Observation("syn", 12, List.of("A", "B", "X", "External"),
                bins.get(2).observation().shares(), 1000);
        e = assertThrows(IllegalArgumentException.class, () -> rc.update(ClosedBin.sharesOnly(zones)));
        assertTrue(e.getMessage().contains("[A, B, X, External]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ClosedBin(bins.get(2).observation(), new long[5]));
        assertTrue(e.getMessage().contains("got 5"), e.getMessage());
    }
}
