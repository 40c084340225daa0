package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mfgcal.ingest.Fixtures.MIN;
import static org.mfgcal.ingest.Fixtures.T0;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;

/**
 * Count inputs (issue 11 item 2): a zone standing for several stations (External) is the sum of their latest counts,
 * whatever the row order; the one count-file reader; strict region YAML; the one duration syntax.
 */
class CountsInputTest {

    private static final long WALL = T0 + 365L * 24 * 60 * MIN;
    private static final long HOUR = 60 * MIN;

    @TempDir
    Path tmp;

    private static RegionConfig external() {
        return RegionConfig.of("r", List.of(Zone.of("A", 0), Zone.of("B", 0), Zone.of("External", 0)))
                .withStations(Map.of("b1", "B", "b2", "B"), "External").withStockSource(StockSource.COUNTS)
                .withLateness(Duration.ZERO, Duration.ofSeconds(30));
    }

    private static List<PopulationSnapshot> bin(List<CountEvent> rows) {
        List<CountEvent> sorted = new ArrayList<>(rows);
        sorted.sort(java.util.Comparator.comparingLong(CountEvent::atMillis)); // stable, as offline
        return Binning.snapshots(sorted, external());
    }

    @Test
    void externalAndMappedZones_areSumsOfTheirStations_independentOfRowOrder() {
        List<CountEvent> rows = new ArrayList<>();
        double[][] expected = new double[5][];
        Random rnd = new Random(11);
        double lastW = 0;
        for (int h = 0; h < 5; h++) {
            long t = T0 + h * HOUR;
            double a = 100 + rnd.nextInt(50);
            double b1 = 10 + rnd.nextInt(9);
            double b2 = 20 + rnd.nextInt(9);
            double x = rnd.nextInt(5);
            double y = 30 + rnd.nextInt(5);
            double w = 500 + rnd.nextInt(5);
            rows.add(new CountEvent("r", "A", t, a));
            rows.add(new CountEvent("r", "b1", t, b1));
            rows.add(new CountEvent("r", "b2", t, b2));
            rows.add(new CountEvent("r", "X", t, x));
            rows.add(new CountEvent("r", "Y", t, y));
            if (h != 2) { // W silent in hour 2: its previous count is carried
                rows.add(new CountEvent("r", "W", t, w));
                lastW = w;
            }
            expected[h] = new double[] {a, b1 + b2, x + y + lastW};
        }
        List<PopulationSnapshot> s = bin(rows);
        for (int shuffle = 0; shuffle < 5; shuffle++) {
            List<CountEvent> other = new ArrayList<>(rows);
            Collections.shuffle(other, new Random(shuffle));
            List<PopulationSnapshot> o = bin(other);
            assertEquals(s.size(), o.size());
            for (int i = 0; i < s.size(); i++) {
                assertArrayEquals(s.get(i).stock(), o.get(i).stock(), "shuffle " + shuffle + " bin " + i);
            }
        }
        assertEquals(5, s.size());
        for (int h = 0; h < 5; h++) {
            assertArrayEquals(expected[h], s.get(h).stock(), 0.0, "hour " + h);
        }
    }

    @Test
    void severalCountsOfOneStationInABin_theLatestCounts_notTheSum() {
        List<CountEvent> rows = List.of(new CountEvent("r", "X", T0 + 10 * MIN, 5),
                new CountEvent("r", "X", T0 + 50 * MIN, 7), new CountEvent("r", "Y", T0 + 20 * MIN, 3),
                new CountEvent("r", "A", T0, 1), new CountEvent("r", "b1", T0, 2));
        PopulationSnapshot s = bin(rows).get(0);
        assertArrayEquals(new double[] {1, 2, 7 + 3}, s.stock(), 0.0);
    }

    @Test
    void countsCsv_bomDatesInstantsAndOffsets() throws IOException {
        Path f = tmp.resolve("c.csv");
        Files.write(f, ("\uFEFFat,zone,count\n2020-01-06,A,1\n2020-01-06T08:00:00Z,B,2\n"
                + "2020-01-06T09:00:00+01:00,C,3.5\n\n").getBytes(StandardCharsets.UTF_8));
        CountsCsv.Rows r = CountsCsv.read(f.toString(), "x");
        assertEquals(3, r.events().size());
        assertArrayEquals(new long[] {2, 3, 4}, r.lines());
        long day = java.time.LocalDate.of(2020, 1, 6).toEpochDay() * 86_400_000L;
        assertEquals(day, r.events().get(0).atMillis());
        assertEquals(day + 8 * HOUR, r.events().get(1).atMillis());
        assertEquals(day + 8 * HOUR, r.events().get(2).atMillis());
        // replay reads counts with the same reader: ISO dates accepted
        List<IngestEvent> ev = Replay.read(f.toString(), ReplayFormat.COUNTS, "x", null);
        assertEquals(3, ev.size());
        assertEquals(day, ev.get(0).eventTimeMillis());
    }

    @Test
    void countsCsv_badValues_nameFileLineFieldValue_andClipHugeLines() throws IOException {
        String[][] cases = {
            {"2020-01-06,A,NaN", "line 2: field 'count' must be finite and >= 0, got 'NaN'"},
            {"2020-01-06,A,-1", "line 2: field 'count' must be finite and >= 0, got '-1'"},
            {"2020-01-06,A,1e999", "line 2: field 'count' must be finite and >= 0, got '1e999'"},
            {"2020-01-06,A,x", "line 2: field 'count' must be a number, got 'x'"},
            {"2020-13-06,A,1", "line 2: field 'at' must be an ISO date"},
            {"+999999999-12-31T00:00:00Z,A,1", "got '+999999999-12-31T00:00:00Z'"},
            {"2020-01-06, ,1", "line 2: field 'zone' must not be blank"},
        };
        for (String[] c : cases) {
            Path f = tmp.resolve("bad.csv");
            Files.writeString(f, "at,zone,count\n" + c[0] + "\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> CountsCsv.read(f.toString(), "x"));
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                    () -> Replay.read(f.toString(), ReplayFormat.COUNTS, "x", null));
            assertEquals(e.getMessage(), r.getMessage());
        }
        Path huge = tmp.resolve("huge.csv");
        String line = "2020-01-06,A," + "9".repeat(1 << 20) + ",extra";
        Files.writeString(huge, "at,zone,count\n" + line + "\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CountsCsv.read(huge.toString(), "x"));
        assertTrue(e.getMessage().length() < 1000, "message of " + e.getMessage().length() + " characters");
        assertTrue(e.getMessage().contains("… (" + line.length() + " characters)"), e.getMessage());
        Path hdr = tmp.resolve("hdr.csv");
        Files.writeString(hdr, "\u200Bat,zone,count\n2020-01-06,A,1\n");
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                () -> CountsCsv.read(hdr.toString(), "x"));
        assertTrue(h.getMessage().contains("got '\\u200Bat,zone,count'"), h.getMessage());
    }

    @Test
    void durations_oneSyntax() {
        Object[][] ok = {
            {"15m", Duration.ofMinutes(15)}, {"60m", Duration.ofHours(1)}, {"1h", Duration.ofHours(1)},
            {"1d", Duration.ofDays(1)}, {"P1D", Duration.ofDays(1)}, {"PT1H", Duration.ofHours(1)},
            {"pt15m", Duration.ofMinutes(15)}, {" 90s ", Duration.ofSeconds(90)}, {"500ms", Duration.ofMillis(500)},
            {"P1DT12H", Duration.ofHours(36)}, {"24H", Duration.ofDays(1)},
        };
        for (Object[] c : ok) {
            assertEquals(c[1], Durations.parse("--bin", (String) c[0]), (String) c[0]);
        }
        for (String bad : List.of("", "1", "h", "1.5h", "1y", "P", "PT", "15 minutes", "-1h")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse("--bin", bad));
            assertTrue(e.getMessage().startsWith("--bin: expected a duration such as 15m, 60m, 1h, 1d, PT1H or P1D, got '"
                    + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Durations.parsePositive("--bin", "0m"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parsePositive("--bin", "-PT1H"));
    }

    private static RegionConfigs yaml(String text) {
        return RegionConfigs.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "r.yaml");
    }

    @Test
    void regionYaml_durationsInEitherSyntax_unknownTopLevelAndDuplicateKeysRejected() {
        String body = "  - id: r\n    stockSource: counts\n    binWidth: %s\n    window: %s\n    zones: [{id: A}]\n";
        for (String[] w : new String[][] {{"1d", "7d"}, {"P1D", "P7D"}, {"24h", "168h"}, {"1440m", "PT168H"}}) {
            RegionConfig r = yaml("regions:\n" + String.format(body, w[0], w[1])).single();
            assertEquals(Duration.ofDays(1), r.binWidth(), w[0]);
            assertEquals(Duration.ofDays(7), r.window(), w[1]);
        }
        IllegalArgumentException top = assertThrows(IllegalArgumentException.class,
                () -> yaml("region:\n  x: 1\nregions:\n" + String.format(body, "1h", "1d")));
        assertTrue(top.getMessage().contains("r.yaml: unknown field 'region'"), top.getMessage());
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> yaml("regions:\n" + String.format(body, "1h", "1d") + "    binWidth: 15m\n"));
        assertTrue(dup.getMessage().startsWith("r.yaml line 7: not valid YAML"), dup.getMessage());
        assertTrue(dup.getMessage().contains("binWidth"), dup.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> yaml("regions:\n" + String.format(body, "1 hour", "1d")));
        assertTrue(bad.getMessage().contains("regions[0]: field 'binWidth': expected a duration such as"),
                bad.getMessage());
    }
}
