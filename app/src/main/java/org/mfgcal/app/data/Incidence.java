package org.mfgcal.app.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.mfgcal.calibrator.calibrate.Dataset;
import org.mfgcal.calibrator.calibrate.Sample;

/**
 * Daily incidence ({@code day,incidence}) as SIR data. Incidence is a flow into I; it is observed through the
 * cumulative incidence C_n = Σ_{k≤n} inc_k as S_n = 1 − C_n / population (the only observed state: partial
 * observation; I and R are unobserved). μ_0 = (1 − C_0/pop, C_0/pop, 0). One day per grid step: N = days, T = N − 1.
 * The model's incidence on day n ≥ 1 is pop·(S_{n−1} − S_n).
 */
public final class Incidence {
    private Incidence() {
    }

    public record Data(Dataset dataset, double[] days, double[] incidence, double population) {
    }

    public static Data read(Path file, double population) throws IOException {
        if (!(population > 0)) {
            throw new IllegalArgumentException("--population " + population + ": must be > 0");
        }
        Csv c = Csv.read(file, "day", "incidence");
        int n = 0;
        for (String[] r : c.rows) {
            if (r != null) {
                n++;
            }
        }
        if (n < 3) {
            throw new BadInputException(file, 0, null, "needs at least 3 days of incidence, found " + n);
        }
        double[] days = new double[n], inc = new double[n];
        int k = 0;
        for (int i = 0; i < c.rows.size(); i++) {
            if (c.rows.get(i) == null) {
                continue;
            }
            days[k] = c.number(i, "day");
            inc[k] = c.number(i, "incidence");
            if (inc[k] < 0) {
                throw new BadInputException(file, c.line(i), "incidence", inc[k] + " is negative");
            }
            if (k > 0 && days[k] != days[k - 1] + 1) {
                throw new BadInputException(file, c.line(i), "day", "expected consecutive days, got " + days[k] + " after " + days[k - 1]);
            }
            k++;
        }
        double total = 0;
        for (double v : inc) {
            total += v;
        }
        if (total > population) {
            throw new IllegalArgumentException(file + ": total incidence " + total + " exceeds --population " + population);
        }
        double[] obs = new double[n * 3];
        double[] time = new double[n];
        double cum = 0;
        for (int t = 0; t < n; t++) {
            cum += inc[t];
            obs[t * 3] = 1 - cum / population;
            time[t] = (double) t / (n - 1);
        }
        if (inc[0] <= 0) {
            obs[1] = 1.0 / population; // at least one infective to start the epidemic
            obs[0] = 1 - obs[1];
        } else {
            obs[1] = inc[0] / population;
        }
        Sample s = new Sample(file.getFileName().toString(), obs, time, null, null);
        Dataset ds = new Dataset("incidence:" + file.getFileName(), n, n - 1, new String[] {"S", "I", "R"},
                new String[] {"t"}, new boolean[] {true, false, false}, List.of(s), List.of(), List.of(), List.of());
        return new Data(ds, days, inc, population);
    }

    /** Model incidence per day from a fitted S path (day 0: the observed first value). */
    public static double[] modelIncidence(double[] mu, int steps, double population, double firstDay) {
        double[] out = new double[steps];
        out[0] = firstDay;
        for (int n = 1; n < steps; n++) {
            out[n] = population * (mu[(n - 1) * 3] - mu[n * 3]);
        }
        return out;
    }
}
