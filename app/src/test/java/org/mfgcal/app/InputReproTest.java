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
import org.mfgcal.api.ClosedBin;
import org.mfgcal.app.online.OnlineInput;
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

    /** Daily counts of zones A, B, C (never 0) over {@code days} days from 2020-01-06, plus extra rows. */
    Path daily(String name, int days, String extra) throws IOException {
        StringBuilder sb = new StringBuilder("at,zone,count\n");
        for (int i = 0; i < days; i++) {
            String d = java.time.LocalDate.of(2020, 1, 6).plusDays(i).toString();
            sb.append(d).append(",A,").append(1000 + 7 * (i % 5)).append('\n');
            sb.append(d).append(",B,").append(2000 - 5 * (i % 3)).append('\n');
            sb.append(d).append(",C,").append(3000 + 3 * (i % 4)).append('\n');
        }
        Path f = tmp.resolve(name);
        Files.writeString(f, sb + extra);
        return f;
    }

    @Test
    void duplicateRows_laterRowUsed_earlierCountedAsRejected() throws IOException {
        Path in = daily("dup.csv", 10, "2020-01-08,A,1500\n");
        Run r = online(in);
        assertEquals(Main.EXIT_INCOMPLETE, r.exit(), r.err());
        assertTrue(r.err().contains("rejected duplicate_row: 1 (first: " + in + " line 8: zone 'A' at "
                + "2020-01-08T00:00:00Z appears again on line 32; the later row is used (count 1500.0 instead of 1014.0)"),
                r.err());
        List<PopulationSnapshot> s = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 10, null)
                .snapshots();
        assertEquals(1500, at(s, "2020-01-08").stock()[2]); // zones by total: C, B, A
    }

    @Test
    void zonesAppearingLaterOrZeroForDays_keepZeroStockAndAreNoted() throws IOException {
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            String d = java.time.LocalDate.of(2020, 1, 6).plusDays(i).toString();
            if (i >= 6) {
                extra.append(d).append(",E,").append(500).append('\n');
            }
            extra.append(d).append(",F,").append(i < 8 ? 0 : 40).append('\n');
        }
        Path in = daily("later.csv", 10, extra.toString());
        OnlineInput.Loaded l = OnlineInput.load(in.toString(), OnlineInput.Format.COUNTS, null, 10, null);
        assertEquals(0, l.rejected());
        List<String> zones = l.regions().get(0).zoneIds();
        assertEquals(List.of("C", "B", "A", "E", "F"), zones);
        for (PopulationSnapshot x : l.snapshots()) {
            int day = (int) java.time.Duration.between(Instant.parse("2020-01-06T00:00:00Z"), x.binStart()).toDays();
            assertEquals(day >= 6 ? 500 : 0, x.stock()[3], x.binStart().toString());
            assertEquals(day >= 8 ? 40 : 0, x.stock()[4], x.binStart().toString());
        }
        assertTrue(l.report().notes().contains("region 'counts': zone 'E' has stock 0 in 6 of 10 bins"),
                l.report().notes().toString());
        assertTrue(l.report().notes().contains("region 'counts': zone 'F' has stock 0 in 8 of 10 bins"),
                l.report().notes().toString());
    }

    @Test
    void tinyTotals_work() throws IOException {
        StringBuilder sb = new StringBuilder("at,zone,count\n");
        for (int i = 0; i < 10; i++) {
            String d = java.time.LocalDate.of(2020, 1, 6).plusDays(i).toString();
            sb.append(d).append(",A,0.001\n").append(d).append(",B,0.002\n").append(d).append(",C,")
                    .append(0.0031 + 0.0001 * (i % 3)).append('\n');
        }
        Path in = tmp.resolve("tiny.csv");
        Files.writeString(in, sb);
        Run r = online(in);
        assertEquals(0, r.exit(), r.err());
        assertEquals(4, out(in, "parameters.jsonl").size());
        noNaN(in);
    }

    @Test
    void oneDurationSyntax_everyCommand() throws IOException {
        Path in = daily("d.csv", 9, "");
        List<String> reference = null;
        for (String bin : List.of("P1D", "1d", "24h", "1440m", "PT24H")) {
            Path o = tmp.resolve("bin-" + bin);
            Run r = run("online", "--input", in.toString(), "--format", "counts", "--bin", bin, "--out", o.toString());
            assertEquals(0, r.exit(), bin + ": " + r.err());
            assertTrue(r.err().contains("bins of PT24H"), r.err());
            List<String> f = Files.readAllLines(o.resolve("forecasts.jsonl"));
            if (reference == null) {
                reference = f;
            }
            assertEquals(reference, f, bin);
        }
        Run bad = run("online", "--input", in.toString(), "--format", "counts", "--bin", "1 day", "--out",
                tmp.resolve("x").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--bin: expected a duration such as 15m, 60m, 1h, 1d, PT1H or P1D, got '1 day'"),
                bad.err());
        for (String b : List.of("60m", "1h", "PT1H", "PT60M")) {
            assertEquals(60, CalibrateCommand.binMinutes(b), b);
        }
        assertEquals(15, CalibrateCommand.binMinutes("15m"));
        assertEquals(java.time.Duration.ofMinutes(5), DemoCommand.parseDuration("5m"));
        assertEquals(java.time.Duration.ofMinutes(5), DemoCommand.parseDuration("PT5M"));
        assertEquals(java.time.Duration.ofDays(1), DemoCommand.parseDuration("1d"));
    }

    @Test
    void flightsBin_honouredForADerivedRegion_rejectedWithARegionConfig() throws IOException {
        OnlineInput.Loaded l = OnlineInput.load("classpath:data/flights/flights-week1.csv", OnlineInput.Format.FLIGHTS,
                null, 5, java.time.Duration.ofDays(1));
        assertEquals(java.time.Duration.ofDays(1), l.regions().get(0).binWidth());
        long departures = 0;
        for (PopulationSnapshot x : l.snapshots()) {
            assertEquals(java.time.Duration.ofDays(1), java.time.Duration.between(x.binStart(), x.binEnd()));
            for (long v : x.departures()) {
                departures += v;
            }
        }
        assertEquals(l.events() - l.rejected(), departures); // every used trip departs in exactly one daily bin
        Path cfg = tmp.resolve("r.yaml");
        Files.writeString(cfg, "regions:\n  - id: r\n    binWidth: 1h\n    zones: [{id: PHX}]\n    otherZone: PHX\n");
        Run r = run("online", "--input", "classpath:data/flights/flights-week1.csv", "--format", "flights",
                "--region-config", cfg.toString(), "--bin", "1d", "--out", tmp.resolve("f").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("--bin PT24H applies to a region derived from the data; with --region-config set "
                + "each region's binWidth in the config"), r.err());
    }

    @Test
    void regionYaml_unknownTopLevelOrDuplicateKey_exit2() throws IOException {
        Path in = daily("y.csv", 9, "");
        String region = "  - id: r\n    stockSource: counts\n    binWidth: 1d\n    zones: [{id: A}, {id: B}, {id: C}]\n";
        Path top = tmp.resolve("top.yaml");
        Files.writeString(top, "regions:\n" + region + "windw: 7d\n");
        Run a = run("online", "--input", in.toString(), "--format", "counts", "--region-config", top.toString(),
                "--out", tmp.resolve("a").toString());
        assertEquals(2, a.exit(), a.err());
        assertTrue(a.err().contains(top + ": unknown field 'windw' (allowed: [regions])"), a.err());
        Path dup = tmp.resolve("dup.yaml");
        Files.writeString(dup, "regions:\n" + region + "    binWidth: 1h\n");
        Run b = run("online", "--input", in.toString(), "--format", "counts", "--region-config", dup.toString(),
                "--out", tmp.resolve("b").toString());
        assertEquals(2, b.exit(), b.err());
        assertTrue(b.err().contains(dup + " line 6: not valid YAML: Duplicate field 'binWidth'"), b.err());
    }

    @Test
    void hugeLine_messageClipped_calibrateNegativeNoise_exit2() throws IOException {
        Path in = tmp.resolve("huge-line.csv");
        Files.writeString(in, "at,zone,count\n2020-01-06,A," + "1".repeat(1 << 20) + ",x\n");
        Run r = online(in);
        assertEquals(2, r.exit());
        assertTrue(r.err().length() < 1000, r.err().length() + " characters");
        assertTrue(r.err().contains(in + " line 2: expected 3 fields (at,zone,count), got 4: '2020-01-06,A,111"),
                r.err());
        Run n = run("calibrate", "--game", "lq", "--synthetic", "--noise", "-1", "--out", tmp.resolve("n").toString());
        assertEquals(2, n.exit(), n.err());
        assertTrue(n.err().contains("--noise must be finite and >= 0, got -1.0"), n.err());
    }
}
