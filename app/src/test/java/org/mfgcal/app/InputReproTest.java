package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.app.online.OnlineInput;
import org.mfgcal.calibrator.online.ClosedBin;
import org.mfgcal.ingest.PopulationSnapshot;
import picocli.CommandLine;

/**
 * The input reproducers of issue 11 (resources {@code repro/input/}, provenance in their README.md) through the
 * CLI: each gives a correct result (checked against values computed here from the file) or a clear error naming
 * file, line, field and value, with the documented exit code.
 */
class InputReproTest {

    @TempDir
    Path tmp;

    record Run(int exit, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, err.toString());
    }

    static Path repro(String name) {
        try {
            return Path.of(InputReproTest.class.getResource("/repro/input/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rows of an at,zone,count file, parsed here independently of the code under test: day → zone → count. */
    static Map<String, Map<String, Double>> rows(Path f) throws IOException {
        Map<String, Map<String, Double>> m = new java.util.TreeMap<>();
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        for (String l : lines.subList(1, lines.size())) {
            String[] p = l.split(",");
            m.computeIfAbsent(p[0], k -> new HashMap<>()).merge(p[1], Double.parseDouble(p[2]), Double::sum);
        }
        return m;
    }

    Run online(Path in, String... more) {
        String[] base = {"online", "--input", in.toString(), "--format", "counts", "--bin", "P1D", "--out",
            tmp.resolve("o-" + in.getFileName()).toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    List<String> out(Path in, String file) throws IOException {
        return Files.readAllLines(tmp.resolve("o-" + in.getFileName()).resolve(file));
    }

    void noNaN(Path in) throws IOException {
        for (String f : List.of("parameters.jsonl", "forecasts.jsonl", "alerts.jsonl")) {
            for (String l : out(in, f)) {
                assertFalse(l.contains("NaN") || l.contains("Infinity"), f + ": " + l);
            }
        }
    }

    static PopulationSnapshot at(List<PopulationSnapshot> s, String day) {
        Instant t = Instant.parse(day + "T00:00:00Z");
        return s.stream().filter(x -> x.binStart().equals(t)).findFirst().orElseThrow(() -> new AssertionError(day));
    }

    @Test
    void gap1day_missingDayIsCarried_noRowLost() throws IOException {
        Path in = repro("gap_1day.csv");
        Run r = online(in);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("108 events read, 108 used, 0 rejected -> 28 bins"), r.err());
        assertTrue(r.err().contains("1 bin(s) without any record (gap), stocks carried from the previous bin: "
                + "2020-01-14T00:00:00Z"), r.err());
        assertEquals(28 - 7 + 1, out(in, "parameters.jsonl").size(), "window 7: one update per bin from the 7th");
        noNaN(in);
        List<PopulationSnapshot> s = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 10,
                java.time.Duration.ofDays(1)).snapshots();
        assertEquals(0, at(s, "2020-01-14").events());
        assertArrayEquals(at(s, "2020-01-13").stock(), at(s, "2020-01-14").stock());
        Map<String, Double> last = rows(in).get("2020-01-15");
        assertEquals(last.get("D"), at(s, "2020-01-15").stock()[0]); // D has the largest total: zone 0
    }

    @Test
    void oneOldRow_rejectedAloneWithReason_exit3() throws IOException {
        Path in = repro("online_one_old_row_drops_all.csv");
        Run r = online(in);
        assertEquals(Main.EXIT_INCOMPLETE, r.exit(), r.err());
        assertTrue(r.err().contains("30 events read, 29 used, 1 rejected -> 10 bins"), r.err());
        assertTrue(r.err().contains("rejected far_off_timestamp: 1 (first: " + in + " line 19: field 'at' "
                + "1970-01-01T00:00:00Z"), r.err());
        assertEquals(10 - 7 + 1, out(in, "parameters.jsonl").size());
        noNaN(in);
    }

    @Test
    void hugeCounts_usedWhole_orRejectedByAConfigsMaxCountWithReason() throws IOException {
        Path in = repro("huge_all.csv");
        Run r = online(in);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("112 events read, 112 used, 0 rejected -> 28 bins"), r.err());
        noNaN(in);
        List<PopulationSnapshot> s = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 10,
                java.time.Duration.ofDays(1)).snapshots();
        double total = rows(in).get("2020-01-06").values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(total, at(s, "2020-01-06").totalStock(), 0.0);
        List<ClosedBin> bins = OnlineInput.closedBins(s, new OnlineInput.Report());
        assertEquals(Math.round(total), bins.get(0).observation().population());

        Path cfg = tmp.resolve("r.yaml");
        Files.writeString(cfg, "regions:\n  - id: r\n    stockSource: counts\n    binWidth: 1d\n    window: 1d\n"
                + "    allowedLateness: 1d\n    zones: [{id: A}, {id: B}, {id: C}, {id: D}]\n");
        Run c = run("online", "--input", in.toString(), "--format", "counts", "--region-config", cfg.toString(),
                "--out", tmp.resolve("cfg").toString());
        assertEquals(Main.EXIT_INCOMPLETE, c.exit(), c.err());
        assertTrue(c.err().contains("rejected absurd_value: 112 (first: " + in + " line 2: field 'count' 1.001E12 "
                + "exceeds maxCount 1.0E9"), c.err());
    }

    @Test
    void externalIsTheSumOfItsZones_whateverTheRowOrder() throws IOException {
        Path a = repro("external_sum.csv");
        Path b = repro("external_sum_rev.csv");
        Map<String, Double> day = rows(a).get("2020-01-06");
        double external = day.get("X") + day.get("Y") + day.get("W"); // the zones outside the top 3
        double all = day.values().stream().mapToDouble(Double::doubleValue).sum();
        for (Path in : List.of(a, b)) {
            Run r = online(in, "--zones", "3");
            assertEquals(0, r.exit(), r.err());
            List<PopulationSnapshot> s = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 3,
                    java.time.Duration.ofDays(1)).snapshots();
            assertEquals(14, s.size());
            for (PopulationSnapshot x : s) {
                assertEquals("External", x.zones().get(3));
                assertEquals(external, x.stock()[3], 0.0, x.binStart().toString());
                assertEquals(external / all, x.shares()[3], 1e-15);
            }
        }
        assertEquals(0.150, external / all, 5e-4); // the figure
        assertEquals(out(a, "forecasts.jsonl"), out(b, "forecasts.jsonl"));
    }

    @Test
    void bom_isSkipped_sameBinsAsWithout() throws IOException {
        Path in = repro("bom.csv");
        byte[] bytes = Files.readAllBytes(in);
        assertEquals((byte) 0xEF, bytes[0]); // the reproducer really starts with a BOM
        Path plain = tmp.resolve("plain.csv");
        Files.write(plain, java.util.Arrays.copyOfRange(bytes, 3, bytes.length));
        Run r = online(in);
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, online(plain).exit());
        assertEquals(out(plain, "forecasts.jsonl"), out(in, "forecasts.jsonl"));
    }

    @Test
    void allZeroDay_isAGapWithPreviousSharesCarried() throws IOException {
        Path in = repro("all_zero_day.csv");
        Run r = online(in);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("1 bin(s) with every zone at 0 (shares undefined) treated as gaps, shares carried "
                + "from the previous bin: 2020-01-16T00:00:00Z"), r.err());
        noNaN(in);
        OnlineInput.Loaded l = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 10,
                java.time.Duration.ofDays(1));
        List<ClosedBin> bins = OnlineInput.closedBins(l.snapshots(), new OnlineInput.Report());
        assertEquals(28, bins.size());
        assertEquals(bins.get(9).observation().shares(), bins.get(10).observation().shares()); // 01-15 → 01-16
        assertEquals(bins.get(9).observation().bin() + 1, bins.get(10).observation().bin());
    }

    @Test
    void short6days_windowNeverFilled_exit3() throws IOException {
        Path in = repro("short_6days.csv");
        Run r = online(in);
        assertEquals(Main.EXIT_INCOMPLETE, r.exit(), r.err());
        assertTrue(r.err().contains("has 6 bins, fewer than its window of 7 bins: the window never filled"), r.err());
        assertEquals(0, out(in, "parameters.jsonl").size());
    }

    @Test
    void solve_muObsOutOfRange_exit2NamingFileFieldValue() throws IOException {
        Path in = repro("solve_mu_obs_minus1e308.json");
        Run r = run("solve", "--input", in.toString(), "--output", tmp.resolve("o.json").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(in + ": mu_obs[15][1] = -1.0E308: must be a share in [0, 1]"), r.err());
        assertFalse(Files.exists(tmp.resolve("o.json")));
        Path big = tmp.resolve("big.json");
        Files.writeString(big, Files.readString(in).replace("-1e+308", "1e200"));
        Run b = run("solve", "--input", big.toString(), "--output", tmp.resolve("b.json").toString());
        assertEquals(2, b.exit(), b.err());
        assertTrue(b.err().contains("mu_obs[15][1] = 1.0E200: must be a share in [0, 1]"), b.err());
    }

    @Test
    void replay_overflowInstant_exit2NoLongOverflow() {
        Path in = repro("replay_overflow_instant.csv");
        Run r = run("replay", "--file", in.toString(), "--format", "counts", "--region", "r", "--topic", "t",
                "--bootstrap", "127.0.0.1:1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(in + " line 2: field 'at' must be"), r.err());
        assertTrue(r.err().contains("got '+999999999-12-31T00:00:00Z'"), r.err());
        assertFalse(r.err().contains("long overflow"), r.err());
    }

    @Test
    void whatif_badOptions_exit2BeforeAnyWork() {
        for (String[] bad : List.of(new String[] {"--substeps", "0"}, new String[] {"--penalty", "NaN"},
                new String[] {"--penalty", "-1"})) {
            Run r = run("whatif", "--model", tmp.toString(), "--close", "A", "--from", "4", "--to", "10", bad[0], bad[1],
                    "--out", tmp.resolve("w").toString());
            assertEquals(2, r.exit(), r.err());
            assertTrue(r.err().contains(bad[0] + " must be"), r.err());
            assertTrue(r.err().contains(bad[1].equals("-1") ? "-1.0" : bad[1]), r.err());
        }
    }

    @Test
    void whatif_corruptReferenceDay_exit2NamingFileAndField() throws IOException {
        Path dir = tmp.resolve("data");
        Files.createDirectories(dir);
        Path flights = CalibrateCommandTest.writeFlights(dir, 5, null);
        Path model = tmp.resolve("m");
        Run c = run("calibrate", "--game", "mobility", "--trips", flights.toString(), "--format", "flights", "--zones",
                "2", "--bin", "1h", "--epochs", "1", "--quiet", "--out", model.toString());
        assertEquals(0, c.exit(), c.err());
        Path ref = model.resolve("reference-day.json");
        for (String corrupt : List.of("{}", "null", "{\"obs\": [1e300], \"time\": [0]}")) {
            Files.writeString(ref, corrupt);
            Run r = run("whatif", "--model", model.toString(), "--close", "0", "--from", "1", "--to", "2", "--out",
                    tmp.resolve("w").toString());
            assertEquals(2, r.exit(), corrupt + ": " + r.err());
            assertTrue(r.err().contains(ref + ": "), r.err());
            assertFalse(r.err().contains("null") && r.err().contains("Cannot"), r.err());
        }
    }
}
