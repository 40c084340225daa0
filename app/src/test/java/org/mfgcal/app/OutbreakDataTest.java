package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mfgcal.calibrator.calibrate.OutbreakFit;

/**
 * Must-show 3 of issue 11 on the shipped EpiEstim series (data/epidemics, see its PROVENANCE.md): the SIR MFG's
 * daily-incidence R² is at least the plain SIR ODE's (up to rounding: at κ = 0 the game is the ODE), and R² is
 * recomputed here from the fitted series. The issue measured R² −0.18 and 0.30 for the old MFG fit of the two
 * Flu2009 series.
 */
class OutbreakDataTest {

    static double[] read(String resource) throws IOException {
        try (InputStream in = OutbreakDataTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertNotNull(in, "class-path resource " + resource);
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            assertEquals("day,incidence", r.readLine());
            List<Double> v = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.split(",");
                assertEquals(v.size(), Integer.parseInt(f[0]), "consecutive days in " + resource);
                v.add(Double.parseDouble(f[1]));
            }
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    static double rSquared(double[] fit, double[] obs) {
        double mean = 0;
        for (double o : obs) {
            mean += o / obs.length;
        }
        double res = 0, tot = 0;
        for (int i = 0; i < obs.length; i++) {
            res += (fit[i] - obs[i]) * (fit[i] - obs[i]);
            tot += (obs[i] - mean) * (obs[i] - mean);
        }
        return 1 - res / tot;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "measles-1861-hagelloch, 188, 187, 0.5",
        "flu-2009-pennsylvania, 370, 129, 0.8",
        "flu-2009-nyc-school, 2686, 780, 0.85",
    })
    void epiEstimSeries_mfgFitsAtLeastAsWellAsThePlainSir(String name, double population, double total, double minR2)
            throws IOException {
        double[] obs = read("data/epidemics/" + name + ".csv");
        assertEquals(total, java.util.Arrays.stream(obs).sum(), 0.0, "total cases of " + name);
        OutbreakFit.Result r = new OutbreakFit(obs, population, OutbreakFit.Options.DEFAULTS).fit();
        double mfg = rSquared(r.mfg().fitted(), obs), ode = rSquared(r.sirOde().fitted(), obs);
        assertEquals(mfg, r.mfg().r2(), 1e-12);
        assertEquals(ode, r.sirOde().r2(), 1e-12);
        assertTrue(ode > minR2, name + ": plain SIR R² " + ode + " (least squares with I0 fitted)");
        assertTrue(mfg >= ode - 1e-9, name + ": mfg R² " + mfg + " < sir_ode R² " + ode);
        for (OutbreakFit.Estimate e : new OutbreakFit.Estimate[] {r.mfg(), r.sirOde()}) {
            assertEquals(e.beta() / e.gammaRec(), e.r0(), 1e-12 * e.r0(), "R0 = β/γ_rec");
            assertEquals(1 / e.gammaRec(), e.infectiousPeriod(), 1e-12 * e.infectiousPeriod(), "period = 1/γ_rec");
            assertTrue(e.i0() > 0 && e.i0() < 1 && Double.isFinite(e.sse()), "I0 in (0, 1), finite SSE");
        }
    }
}
