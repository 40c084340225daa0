package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The calibrate and whatif commands end to end on tiny inputs (few epochs: the mechanism, not the accuracy), and
 * their error messages for bad files (file, line, field).
 */
class CalibrateCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Run(int exit, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, err.toString());
    }

    @Test
    void calibrateSynthetic_writesResultWithAllModelsAndPlots() throws IOException {
        Path out = tmp.resolve("lq");
        Run r = run("calibrate", "--game", "lq", "--synthetic", "--trajectories", "6,2,2", "--epochs", "3", "--quiet",
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        for (String model : List.of("mfg", "baseline_ode", "persistence")) {
            for (String split : List.of("train", "test")) {
                assertTrue(res.at("/models/" + model + "/" + split + "/mu_l2").isNumber(), model + "/" + split);
                assertTrue(res.at("/models/" + model + "/" + split + "/rel_l2").isNumber(), model + "/" + split);
            }
        }
        assertTrue(res.at("/models/mfg/test/gamma_l2").isNumber());
        assertTrue(res.at("/gamma/truth").isArray());
        assertTrue(res.at("/provenance/data_sha256").asText().matches("[0-9a-f]{64}"));
        assertTrue(res.at("/provenance/code_version").asText().startsWith("mfgcal"));
        assertEquals(0, res.at("/provenance/seeds/0").asInt());
        for (String png : List.of("shares.png", "gamma.png", "loss.png")) {
            assertTrue(Files.size(out.resolve(png)) > 1000, png);
        }
        assertTrue(Files.exists(out.resolve("model.json")));
    }

    @Test
    void calibrateFlightsThenWhatIf_closedZoneLosesPopulation() throws IOException {
        Path dir = tmp.resolve("data");
        Files.createDirectories(dir);
        Path flights = writeFlights(dir, 12, null);
        Path out = tmp.resolve("fl");
        Run r = run("calibrate", "--game", "mobility", "--trips", flights.toString(), "--format", "flights",
                "--zones", "3", "--bin", "60m", "--epochs", "2", "--quiet", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.at("/models/mfg/test_ood/mu_l2").isNumber(), "weekends are the out-of-distribution split");
        assertTrue(res.at("/models/baseline_ode/test/mu_l2").isNumber());
        assertTrue(res.at("/models/persistence/test/mu_l2").isNumber());
        assertEquals("External", res.at("/data/zones/3").asText());

        String zone = res.at("/data/zones/0").asText();
        Path w = tmp.resolve("whatif");
        Run wr = run("whatif", "--model", out.toString(), "--close", zone, "--from", "4", "--to", "10", "--out", w.toString());
        assertEquals(0, wr.exit(), wr.err());
        JsonNode wres = JSON.readTree(w.resolve("result.json").toFile());
        double shift = wres.at("/shift/" + zone + "/shift_during_closure").asDouble();
        assertTrue(shift < 0, "closing " + zone + " must lower its share, shift " + shift);
        assertTrue(Files.size(w.resolve("whatif.png")) > 1000);
    }

    @Test
    void calibrateIncidence_reportsRSquaredAndParameters() throws IOException {
        Path csv = tmp.resolve("inc.csv");
        StringBuilder sb = new StringBuilder("day,incidence\n");
        int[] inc = {1, 0, 2, 3, 5, 8, 12, 15, 14, 10, 7, 4, 2, 1, 1};
        for (int i = 0; i < inc.length; i++) {
            sb.append(i).append(',').append(inc[i]).append('\n');
        }
        Files.writeString(csv, sb);
        Path out = tmp.resolve("sir");
        Run r = run("calibrate", "--game", "sir", "--incidence", csv.toString(), "--population", "100", "--epochs", "20",
                "--quiet", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.at("/incidence/mfg_r2").isNumber());
        assertEquals(inc.length, res.at("/incidence/mfg").size());
        assertTrue(res.at("/incidence/parameters/beta").asText().contains("infection rate"));
        // the plain SIR ODE beside the game, which contains it: never a worse fit
        double mfgR2 = res.at("/incidence/mfg_r2").asDouble(), odeR2 = res.at("/incidence/sir_ode_r2").asDouble();
        assertTrue(res.at("/incidence/baseline_ode_r2").isNumber());
        assertTrue(mfgR2 >= odeR2 - 1e-9 && odeR2 > 0.8, "mfg " + mfgR2 + " vs sir_ode " + odeR2);
        assertEquals(inc.length, res.at("/incidence/sir_ode").size());
        for (String m : new String[] {"mfg", "sir_ode"}) {
            JsonNode f = res.at("/incidence/fits/" + m);
            assertEquals(f.at("/beta").asDouble() / f.at("/gamma_rec").asDouble(), f.at("/r0").asDouble(), 1e-9);
            assertTrue(f.at("/beta_se").isNumber() || f.at("/beta_se").isNull(), m + " beta_se");
            assertTrue(f.at("/i0").asDouble() > 0 && f.at("/i0").asDouble() < 1, m + " i0");
        }
        assertTrue(res.at("/models/sir_ode/train/mu_l2").isNumber());
        assertTrue(Files.size(out.resolve("incidence.png")) > 1000);
    }

    @Test
    void shippedFlightsSample_isReadFromTheClassPath() throws IOException {
        var data = org.mfgcal.app.data.Flights.read("classpath:data/flights/flights-week1.csv",
                org.mfgcal.ingest.flights.FlightsData.AIRPORTS, 10, 60, 6, 22, 0.0);
        assertEquals(11, data.dataset().states());
        assertEquals(17, data.dataset().steps());
        assertEquals(2, data.dataset().testOod().size(), "the week's Saturday and Sunday");
        assertEquals(5, data.dataset().train().size() + data.dataset().test().size());
    }

    @Test
    void missingColumn_namesFileLineAndField() throws IOException {
        Path f = tmp.resolve("bad.csv");
        Files.writeString(f, "date,delay,distance,origin\n01010600,0,100,AAA\n");
        writeAirports(tmp);
        Run r = run("calibrate", "--game", "mobility", "--trips", f.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.csv:1:") && r.err().contains("'destination'") && r.err().contains("missing column"), r.err());
    }

    @Test
    void unparsableDate_namesLine() throws IOException {
        Path dir = tmp.resolve("d2");
        Files.createDirectories(dir);
        Path f = writeFlights(dir, 8, "01xx0600,0,300,AAA,BBB");
        Run r = run("calibrate", "--game", "mobility", "--trips", f.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().matches("(?s).*flights\\.csv( line |:)2.*") && r.err().contains("'date'") && r.err().contains("01xx0600"), r.err());
    }

    @Test
    void unknownAirport_namesField() throws IOException {
        Path dir = tmp.resolve("d3");
        Files.createDirectories(dir);
        Path f = writeFlights(dir, 8, "01020600,0,300,AAA,ZZZ");
        Run r = run("calibrate", "--game", "mobility", "--trips", f.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().matches("(?s).*flights\\.csv( line |:)2.*") && r.err().contains("'destination'") && r.err().contains("ZZZ"), r.err());
    }

    @Test
    void emptySplit_isReported() throws IOException {
        Path dir = tmp.resolve("d4");
        Files.createDirectories(dir);
        Path f = writeFlights(dir, 2, null); // two weekdays: nothing left for test
        Run r = run("calibrate", "--game", "mobility", "--trips", f.toString(), "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("weekdays") && r.err().contains("split"), r.err());
    }

    @Test
    void incidenceZeroSubsteps_isBadUsage() throws IOException {
        Path f = tmp.resolve("inc0.csv");
        Files.writeString(f, "day,incidence\n0,1\n1,3\n2,5\n3,2\n4,1\n");
        Run r = run("calibrate", "--game", "sir", "--incidence", f.toString(), "--population", "50", "--substeps", "0",
                "--out", tmp.resolve("o0").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--substeps 0"), r.err());
    }

    @Test
    void incidenceMissingColumn_namesField() throws IOException {
        Path f = tmp.resolve("inc.csv");
        Files.writeString(f, "day,cases\n0,1\n");
        Run r = run("calibrate", "--game", "sir", "--incidence", f.toString(), "--population", "10", "--out", tmp.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("inc.csv:1:") && r.err().contains("'incidence'"), r.err());
    }

    static void writeAirports(Path dir) throws IOException {
        Files.writeString(dir.resolve("airports.csv"), "iata,name,city,state,country,latitude,longitude\n"
                + "AAA,A,A,TX,USA,32,-97\nBBB,B,B,AZ,USA,33,-112\nCCC,C,C,IL,USA,41,-87\nDDD,D,D,CA,USA,34,-118\n"
                + "EEE,E,E,NY,USA,40,-73\n");
    }

    /** {@code days} days from 2001-01-01 (a Monday) of random hourly flights among five airports. */
    static Path writeFlights(Path dir, int days, String firstRow) throws IOException {
        writeAirports(dir);
        String[] ap = {"AAA", "BBB", "CCC", "DDD", "EEE"};
        Random r = new Random(7);
        List<String> lines = new ArrayList<>();
        lines.add("date,delay,distance,origin,destination");
        if (firstRow != null) {
            lines.add(firstRow);
        }
        for (int day = 0; day < days; day++) {
            LocalDate dt = LocalDate.of(2001, 1, 1).plusDays(day);
            for (int k = 0; k < 120; k++) {
                int o = r.nextInt(5), t = (o + 1 + r.nextInt(4)) % 5;
                int hh = 5 + r.nextInt(17), mm = r.nextInt(60);
                lines.add(String.format("%02d%02d%02d%02d,%d,%d,%s,%s", dt.getMonthValue(), dt.getDayOfMonth(), hh, mm,
                        r.nextInt(30) - 10, 200 + r.nextInt(1500), ap[o], ap[t]));
            }
        }
        Path f = dir.resolve("flights.csv");
        Files.write(f, lines);
        return f;
    }
}
