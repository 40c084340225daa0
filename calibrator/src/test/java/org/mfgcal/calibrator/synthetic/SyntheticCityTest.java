package org.mfgcal.calibrator.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Health;
import org.mfgcal.api.Observation;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;
import org.mfgcal.api.UpdateResult;

class SyntheticCityTest {

    @Test
    void poissonSampler_hasPoissonMeanAndVariance() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (double lambda : new double[] {0.3, 7, 41.5}) {
            int n = 20000;
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                long k = SyntheticCity.poisson(rnd, lambda);
                s += k;
                s2 += (double) k * k;
            }
            double mean = s / n;
            double var = s2 / n - mean * mean;
            assertEquals(lambda, mean, 5 * Math.sqrt(lambda / n), "mean at λ = " + lambda);
            assertEquals(lambda, var, 0.06 * lambda, "variance at λ = " + lambda);
        }
    }

    @Test
    void city_isSeededConservesPeopleAndTravelsOnlyAlongTheGraph() {
        SyntheticCity city = SyntheticCity.generate(40, 4, 7);
        Graph g = city.graph();
        assertTrue(g.stronglyConnected(), "a 4-nearest road graph of 40 zones should be connected");
        SyntheticCity.Trips a = city.trips(0.25, 20000, 3);
        SyntheticCity.Trips b = SyntheticCity.generate(40, 4, 7).trips(0.25, 20000, 3);
        long morning = 0, night = 0;
        for (int i = 0; i < 96; i++) {
            long[] before = a.stock();
            SyntheticCity.Bin x = a.next();
            SyntheticCity.Bin y = b.next();
            assertArrayEquals(x.od(), y.od());
            assertArrayEquals(x.shares(), y.shares());
            long total = 0;
            long trips = 0;
            long[] after = before.clone();
            for (int o = 0; o < 40; o++) {
                long out = 0;
                for (int t = 0; t < 40; t++) {
                    long n = x.odAt(o, t);
                    if (n > 0) {
                        assertTrue(g.edge(o, t) >= 0, "trips on a non-edge " + o + "->" + t);
                    }
                    out += n;
                    after[o] -= n;
                    after[t] += n;
                }
                assertTrue(out <= before[o], "zone " + o + " sent more people than it held");
                trips += out;
            }
            assertArrayEquals(after, a.stock(), "stocks move with the trips");
            for (long s : after) {
                total += s;
                assertTrue(s >= 0);
            }
            assertEquals(20000, total);
            if (i >= 30 && i < 34) {       // 7:30–8:30
                morning += trips;
            } else if (i >= 12 && i < 16) { // 3:00–4:00
                night += trips;
            }
        }
        assertTrue(morning > 3 * night, "morning peak " + morning + " vs night " + night);
    }

    @Test
    void tripCounts_matchTheRatesTimesStock() {
        SyntheticCity city = SyntheticCity.generate(25, 3, 9);
        SyntheticCity.Trips t = city.trips(0.5, 50000, 4);
        double[] q = new double[city.graph().edges()];
        double expected = 0, observed = 0;
        for (int i = 0; i < 48; i++) {
            long[] stock = t.stock();
            city.rates((i * 0.5) % 24 + 0.25, q);
            for (int e = 0; e < q.length; e++) {
                expected += stock[city.graph().from(e)] * q[e] * 0.5;
            }
            SyntheticCity.Bin b = t.next();
            for (long n : b.od()) {
                observed += n;
            }
        }
        assertEquals(expected, observed, 5 * Math.sqrt(expected), "Poisson total over a day");
    }

    @Test
    void badInput_isNamed() {
        assertThrows(IllegalArgumentException.class, () -> SyntheticCity.generate(1, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCity.generate(5, 5, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCity.generate(5, 2, 0).trips(0, 100, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticCity.generate(5, 2, 0).trips(1, 3, 0));
    }

    static ClosedBin closed(String region, List<String> zones, SyntheticCity.Bin b) {
        List<Double> shares = new ArrayList<>();
        for (double s : b.shares()) {
            shares.add(s);
        }
        return new ClosedBin(new Observation(region, b.index(), zones, shares, b.population()), b.od());
    }

    /** The online loop on a sparse city graph: healthy updates, rates only on the graph's edges. */
    @Test
    void regionCalibrator_runsOnASparseCityGraph() {
        SyntheticCity city = SyntheticCity.generate(30, 4, 2);
        List<String> zones = city.zoneNames();
        OnlineConfig cfg = OnlineConfig.defaults(0.25).withWindow(12, 96);
        RegionCalibrator rc = new RegionCalibrator(cfg, "city", zones, city.graph(), CalibrationListener.NONE);
        SyntheticCity.Trips trips = city.trips(0.25, 30000, 1);
        int healthy = 0;
        UpdateResult last = null;
        for (int i = 0; i < 30; i++) {
            last = rc.update(closed("city", zones, trips.next()));
            if (last.parameters() != null && last.parameters().health().state() == Health.State.OK) {
                healthy++;
            }
        }
        assertNotNull(last.parameters());
        assertTrue(healthy >= 15, "healthy updates " + healthy + " of 19");
        Graph g = city.graph();
        assertTrue(rc.rate(0, g.from(0), g.to(0)) > 0);
        int missing = -1;
        for (int y = 1; y < 30 && missing < 0; y++) {
            if (g.edge(0, y) < 0) {
                missing = y;
            }
        }
        final int m = missing;
        assertThrows(IllegalArgumentException.class, () -> rc.rate(0, 0, m), "no rate on a non-edge");
    }

    /** A region on the complete graph given explicitly (through the sparse builder) publishes what the default does. */
    @Test
    void regionCalibrator_explicitCompleteGraph_equalsDefault() {
        SyntheticCity city = SyntheticCity.generate(5, 4, 3);
        assertEquals(Graph.complete(5), city.graph());
        List<String> zones = city.zoneNames();
        OnlineConfig cfg = OnlineConfig.defaults(0.25).withWindow(8, 96);
        RegionCalibrator dense = new RegionCalibrator(cfg, "c", zones, CalibrationListener.NONE);
        RegionCalibrator sparse = new RegionCalibrator(cfg, "c", zones, city.graph(), CalibrationListener.NONE);
        SyntheticCity.Trips trips = city.trips(0.25, 5000, 5);
        for (int i = 0; i < 14; i++) {
            ClosedBin bin = closed("c", zones, trips.next());
            UpdateResult a = dense.update(bin);
            UpdateResult b = sparse.update(bin);
            if (a.parameters() != null) {
                assertEquals(a.parameters().parameters(), b.parameters().parameters());
                assertEquals(a.forecast().steps(), b.forecast().steps());
            }
        }
        assertArrayEquals(dense.exportState(), sparse.exportState());
    }
}
