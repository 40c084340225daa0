package org.mfgcal.publisher;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.api.Provenance;

/**
 * Test data: a small Markov population model (zones with outflow rates, a uniform destination choice) played
 * through a {@link CalibrationListener} bin by bin, the way the online loop reports, with the outflow rate of
 * one zone halved from a given bin and a drift alert raised two bins later. Deterministic for a seed.
 */
public final class Fixtures {
    /** Season of the played data's seasonal-naive baseline, in bins. */
    public static final int SEASON = 7;

    private Fixtures() {
    }

    /** Provenance for outputs fitted on {@code [first, last]}. */
    public static Provenance provenance(long first, long last) {
        return new Provenance("markov-test/1", "cafe01", 42L, "test", first, last);
    }

    /** A valid parameter update of {@code region} at {@code bin}. */
    public static ParameterUpdate update(String region, long bin, double rate, ParameterUpdate.Start start) {
        return new ParameterUpdate(region, bin, List.of(new ParameterValue("rate", "A", rate),
                new ParameterValue("rate", ParameterValue.edge("A", "B"), rate / 2)), 0.25, 1e-6, 4, 40, 12, start,
                3.5, provenance(Math.max(0, bin - 95), bin));
    }

    /** A forecast of {@code region} issued at {@code bin} over two zones, with one realised error. */
    public static Forecast forecast(String region, long bin) {
        return new Forecast(region, bin, List.of("A", "B"), 0.9,
                List.of(new Forecast.Step(bin + 1, List.of(0.4, 0.6), List.of(0.35, 0.55), List.of(0.45, 0.65)),
                        new Forecast.Step(bin + 2, List.of(0.41, 0.59), List.of(0.34, 0.52), List.of(0.48, 0.66))),
                List.of(new Forecast.RealisedError(bin - 1, bin, 1, 0.02, 1.0, 0.03, 0.025)), provenance(Math.max(0, bin - 95), bin));
    }

    /** A raised alert. */
    public static DriftAlert alert(String region, long firstBin, long bin, DriftAlert.State state) {
        return new DriftAlert(DriftAlert.idOf(region, "A", "rate", firstBin), region, "A", "rate",
                DriftAlert.Direction.DOWN, 0.05, "previous week", -0.5, -0.4, firstBin, bin, state, provenance(Math.max(0, bin - 95), bin));
    }

    /**
     * Plays {@code bins} bins of a region with {@code zones} zones into {@code listener}.
     *
     * @param changeBin bin from which zone 0's outflow rate is halved (alert raised at changeBin + 2), or -1
     */
    public static void play(CalibrationListener listener, String region, int zones, int bins, int changeBin,
                            long seed) {
        play(listener, region, zones, bins, changeBin, seed, 0);
    }

    /** As {@link #play(CalibrationListener, String, int, int, int, long)}, with every reported bin moved by {@code offset}. */
    public static void play(CalibrationListener listener, String region, int zones, int bins, int changeBin,
                            long seed, long offset) {
        Random rnd = new Random(seed);
        List<String> names = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            names.add(region.substring(0, 1) + (char) ('A' + z));
        }
        double[] rate = new double[zones];
        for (int z = 0; z < zones; z++) {
            rate[z] = 0.05 + 0.1 * rnd.nextDouble();
        }
        double[] mu = new double[zones];
        java.util.Arrays.fill(mu, 1.0 / zones);
        double noise = 0.004;
        int horizon = 6;
        List<double[]> pending = new ArrayList<>();
        List<Long> pendingIssued = new ArrayList<>();
        List<double[]> history = new ArrayList<>();
        for (int bin = 0; bin < bins; bin++) {
            if (bin == changeBin) {
                rate[0] /= 2;
            }
            double[] next = step(mu, rate);
            for (int z = 0; z < zones; z++) {
                next[z] = Math.max(0, next[z] + noise * rnd.nextGaussian() * Math.sqrt(next[z]));
            }
            normalise(next);
            mu = next;
            history.add(mu);
            List<Double> shares = box(mu);
            listener.snapshotClosed(new Observation(region, offset + bin, names, shares, 10_000 + rnd.nextInt(500)));
            double[] estimated = rate.clone();
            if (changeBin >= 0 && bin >= changeBin && bin < changeBin + 2) {
                estimated[0] = rate[0] * 2 - (bin - changeBin + 1) * rate[0] / 3; // estimate catching up
            }
            List<ParameterValue> params = new ArrayList<>();
            for (int z = 0; z < zones; z++) {
                params.add(new ParameterValue("outflow", names.get(z), estimated[z] + 0.002 * rnd.nextGaussian()));
                params.add(new ParameterValue("attractiveness", names.get(z), 1 + 0.3 * z / zones + 0.01 * rnd.nextGaussian()));
            }
            boolean cold = bin == 0 || bin == changeBin + 2;
            listener.parametersUpdated(new ParameterUpdate(region, offset + bin, params, 0.01 + 0.002 * rnd.nextDouble(),
                    1e-5 * (1 + rnd.nextDouble()), cold ? 40 : 6, cold ? 400 : 55 + rnd.nextInt(20),
                    cold ? 120 : 18 + rnd.nextInt(6), cold ? ParameterUpdate.Start.COLD : ParameterUpdate.Start.WARM,
                    cold ? 180 + 20 * rnd.nextDouble() : 8 + 6 * rnd.nextDouble(), provenance(Math.max(0, bin - 95), bin)));
            // realised errors of earlier forecasts whose target is this bin
            List<Forecast.RealisedError> realised = new ArrayList<>();
            for (int k = 0; k < pending.size(); k++) {
                long issued = pendingIssued.get(k);
                int h = (int) (bin - issued);
                if (h >= 1 && h <= horizon) {
                    double[] f = pending.get(k);
                    double err = 0;
                    int inside = 0;
                    double persistence = 0;
                    double seasonal = 0;
                    for (int z = 0; z < zones; z++) {
                        double e = Math.abs(f[(h - 1) * zones + z] - mu[z]);
                        err += e;
                        inside += e <= band(f[(h - 1) * zones + z], h, noise) ? 1 : 0;
                        persistence += Math.abs(history.get((int) issued)[z] - mu[z]);
                        seasonal += bin >= SEASON ? Math.abs(history.get(bin - SEASON)[z] - mu[z]) : 0;
                    }
                    realised.add(new Forecast.RealisedError(offset + issued, offset + bin, h, err / zones, inside / (double) zones,
                            persistence / zones, bin >= SEASON ? seasonal / zones : null));
                }
            }
            double[] path = new double[horizon * zones];
            List<Forecast.Step> steps = new ArrayList<>();
            double[] m = mu.clone();
            for (int h = 1; h <= horizon; h++) {
                m = step(m, estimated);
                List<Double> lower = new ArrayList<>();
                List<Double> upper = new ArrayList<>();
                for (int z = 0; z < zones; z++) {
                    path[(h - 1) * zones + z] = m[z];
                    double b = band(m[z], h, noise);
                    lower.add(Math.max(0, m[z] - b));
                    upper.add(m[z] + b);
                }
                steps.add(new Forecast.Step(offset + bin + h, box(m), lower, upper));
            }
            pending.add(path);
            pendingIssued.add((long) bin);
            listener.forecastIssued(new Forecast(region, offset + bin, names, 0.9, steps, realised,
                    provenance(Math.max(0, bin - 95), bin)));
            double score = changeBin >= 0 && bin >= changeBin ? Math.min(3, 0.2 + 0.6 * (bin - changeBin + 1))
                    : 0.1 + 0.1 * rnd.nextDouble();
            listener.driftScore(region, offset + bin, score);
            if (changeBin >= 0 && bin == changeBin + 2) {
                listener.driftAlert(new DriftAlert(DriftAlert.idOf(region, names.get(0), "outflow", offset + changeBin), region,
                        names.get(0), "outflow", DriftAlert.Direction.DOWN, rate[0], "previous week", -0.5, -0.33, offset + changeBin, offset + bin,
                        DriftAlert.State.RAISED, provenance(Math.max(0, bin - 95), bin)));
            }
        }
    }

    private static double band(double mean, int h, double noise) {
        return 1.645 * noise * Math.sqrt(h * Math.max(mean, 1e-4)) + 1e-3;
    }

    /** One step of the chain: each zone sends rate[z] of its mass, spread evenly over the other zones. */
    private static double[] step(double[] mu, double[] rate) {
        int n = mu.length;
        double[] next = new double[n];
        for (int z = 0; z < n; z++) {
            double out = rate[z] * mu[z];
            next[z] += mu[z] - out;
            for (int y = 0; y < n; y++) {
                if (y != z) {
                    next[y] += out / (n - 1);
                }
            }
        }
        return next;
    }

    private static void normalise(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        for (int i = 0; i < v.length; i++) {
            v[i] /= s;
        }
    }

    private static List<Double> box(double[] v) {
        List<Double> out = new ArrayList<>(v.length);
        for (double x : v) {
            out.add(x);
        }
        return out;
    }
}
