package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Observation;
import org.mfgcal.api.UpdateResult;

/**
 * Issue 11 item 5: an alert's direction is the sign of the change of the named quantity against its reference, with
 * the observed change beside the model's. Generated data: a jump process of 2000 individuals over four zones and
 * External, hourly bins, outgoing rates with a daily cycle, departures drawn per individual (binomial) and sent to
 * a destination drawn in proportion to the edge rates; the detector configured as the demo's (season one day,
 * warm-up 48 inputs). A closure (95% of a zone's departures cancelled for 24 h) must raise an outRate alert DOWN
 * whose observed change is about −95%; a surge (rates ×3 for 24 h) an alert UP with the generator's expected change
 * of departures per individual (about +150%: the departure probability 1 − e^{−3r} is less than three times
 * 1 − e^{−r}).
 */
class AlertDirectionTest {
    static final List<String> ZONES = List.of("A", "B", "C", "D", "External");
    static final long CHANGE = 170;

    static double rate(int x, int y, long bin) {
        double base = 0.02 + 0.01 * ((x + 2 * y) % 3);
        return base * (1 + 0.5 * Math.sin(2 * Math.PI * bin / 24.0));
    }

    /**
     * Bins 0..n−1; from {@link #CHANGE} for 24 bins each departure from zone {@code zone} is kept with probability
     * {@code keep} (closure, keep &lt; 1) or its rates are multiplied by {@code factor} (surge).
     */
    static List<ClosedBin> simulate(int n, int zone, double keep, double factor, long seed) {
        int d = ZONES.size();
        SplittableRandom rng = new SplittableRandom(seed);
        long[] stock = {500, 400, 300, 300, 500};
        List<ClosedBin> out = new ArrayList<>();
        for (long b = 0; b < n; b++) {
            boolean changed = b >= CHANGE && b < CHANGE + 24;
            long[] od = new long[d * d];
            long[] next = stock.clone();
            for (int x = 0; x < d; x++) {
                double total = 0;
                double[] r = new double[d];
                for (int y = 0; y < d; y++) {
                    r[y] = y == x ? 0 : rate(x, y, b) * (changed && x == zone ? factor : 1);
                    total += r[y];
                }
                double p = -Math.expm1(-total);
                for (long i = 0; i < stock[x]; i++) {
                    if (rng.nextDouble() >= p || changed && x == zone && rng.nextDouble() >= keep) {
                        continue;
                    }
                    double u = rng.nextDouble() * total;
                    int y = 0;
                    while (y < d - 1 && (u -= r[y]) > 0) {
                        y++;
                    }
                    if (y == x) {
                        y = (x + 1) % d;
                    }
                    od[x * d + y]++;
                    next[x]--;
                    next[y]++;
                }
            }
            stock = next;
            long sum = 0;
            for (long s : stock) {
                sum += s;
            }
            List<Double> shares = new ArrayList<>();
            for (long s : stock) {
                shares.add((double) s / sum);
            }
            out.add(new ClosedBin(new Observation("gen", b, ZONES, shares, sum), od));
        }
        return out;
    }

    /**
     * The generator's expected change of zone x's departures per individual over bins first..last against the same
     * bins one day earlier: Σ keep·(1 − e^{−factor·r_b}) / Σ (1 − e^{−r_{b−24}}) − 1, r_b the zone's total rate.
     */
    static double expectedChange(int x, long first, long last, double keep, double factor) {
        double changed = 0;
        double before = 0;
        for (long b = first; b <= last; b++) {
            double now = 0;
            double then = 0;
            for (int y = 0; y < ZONES.size(); y++) {
                now += y == x ? 0 : rate(x, y, b);
                then += y == x ? 0 : rate(x, y, b - 24);
            }
            changed += keep * -Math.expm1(-factor * now);
            before += -Math.expm1(-then);
        }
        return changed / before - 1;
    }

    static OnlineConfig config() {
        return OnlineConfig.defaults(1).withWindow(24, 24).withDriftWarmup(48);
    }

    /** Runs the loop; checks every raised alert reads right; returns the first raised outRate alert of the zone. */
    static DriftAlert run(List<ClosedBin> bins, String zone) {
        RegionCalibrator rc = new RegionCalibrator(config(), "gen", ZONES, CalibrationListener.NONE);
        DriftAlert first = null;
        for (ClosedBin b : bins) {
            UpdateResult r = rc.update(b);
            for (DriftAlert a : r.alerts()) {
                if (a.state() != DriftAlert.State.RAISED) {
                    continue;
                }
                // the direction is the sign of the reported change (residual: of observed minus model change)
                double signed = a.parameter().equals(DriftAlert.RESIDUAL) ? a.observedChange() - a.modelChange()
                        : a.observedChange();
                assertEquals(signed > 0 ? DriftAlert.Direction.UP : DriftAlert.Direction.DOWN, a.direction(),
                        a.toString());
                if (first == null && a.target().equals(zone) && a.parameter().equals(RegionCalibrator.OUT_RATE)) {
                    first = a;
                }
            }
        }
        return first;
    }

    @Test
    void closure_departuresDrop95Percent_alertDown_observedChangeMinus95() {
        DriftAlert a = run(simulate((int) CHANGE + 30, 1, 0.05, 1, 11), "B");
        assertNotNull(a, "no outRate alert for the closed zone");
        assertEquals(DriftAlert.Direction.DOWN, a.direction(), a.toString());
        assertTrue(a.firstBin() >= CHANGE && a.bin() <= CHANGE + 4, a.toString());
        assertEquals(-0.95, expectedChange(1, a.firstBin(), a.bin(), 0.05, 1), 1e-12);
        assertEquals(-0.95, a.observedChange(), 0.03, a.toString());
        assertTrue(a.modelChange() < 0, "the model's rate falls too: " + a);
        assertEquals(RegionCalibrator.OUT_RATE_REFERENCE_SEASON, a.reference());
    }

    @Test
    void surge_ratesTripled_alertUp_observedChangeAsGenerated() {
        DriftAlert a = run(simulate((int) CHANGE + 30, 1, 1, 3, 12), "B");
        assertNotNull(a, "no outRate alert for the surging zone");
        assertEquals(DriftAlert.Direction.UP, a.direction(), a.toString());
        assertTrue(a.firstBin() >= CHANGE && a.bin() <= CHANGE + 4, a.toString());
        double expected = expectedChange(1, a.firstBin(), a.bin(), 1, 3);
        assertEquals(expected, a.observedChange(), 0.25, a.toString() + " expected " + expected);
        assertTrue(a.modelChange() > 0, "the model's rate rises too: " + a);
    }
}
