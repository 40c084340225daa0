package org.mfgcal.app.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.app.Main;
import picocli.CommandLine;

/** {@code mfgcal online} on a counts CSV: outputs, determinism, bad input. */
class OnlineCommandTest {

    static Path counts(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder("at,zone,count\n");
        for (int d = 0; d < 30; d++) {
            String day = java.time.LocalDate.of(2001, 1, 1).plusDays(d).toString();
            sb.append(day).append(",A,").append(100 + (d * 7) % 13).append('\n');
            sb.append(day).append(",B,").append(60 + (d * 5) % 11).append('\n');
            sb.append(day).append(",C,").append(40 + (d * 3) % 7).append('\n');
        }
        Path f = dir.resolve("counts.csv");
        Files.writeString(f, sb);
        return f;
    }

    static int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(new StringWriter()));
        return cl.execute(args);
    }

    @Test
    void online_countsCsv_writesOneRecordPerPublishedBin_deterministically(@TempDir Path dir) throws IOException {
        Path in = counts(dir);
        assertEquals(0, run("online", "--input", in.toString(), "--format", "counts", "--out", dir.resolve("a").toString()));
        assertEquals(0, run("online", "--input", in.toString(), "--format", "counts", "--out", dir.resolve("b").toString()));
        List<String> fa = Files.readAllLines(dir.resolve("a/forecasts.jsonl"));
        List<String> pa = Files.readAllLines(dir.resolve("a/parameters.jsonl"));
        // daily bins: a window of 7 bins, so 30 days publish 24 updates
        assertEquals(24, fa.size());
        assertEquals(24, pa.size());
        assertTrue(Files.exists(dir.resolve("a/alerts.jsonl")));
        assertEquals(fa, Files.readAllLines(dir.resolve("b/forecasts.jsonl")));
        assertTrue(fa.get(0).contains("\"zones\":[\"A\",\"B\",\"C\"]"), fa.get(0));
    }

    static Path regions(Path dir, String name, String... ids) throws IOException {
        StringBuilder sb = new StringBuilder("regions:\n");
        for (String id : ids) {
            String zones = id.equals("north") ? "[A, B]" : "[C, D]";
            sb.append("  - id: ").append(id).append("\n    stockSource: counts\n    binWidth: P1D\n    window: P1D\n")
                    .append("    allowedLateness: P1D\n    zones:\n");
            for (String z : zones.substring(1, zones.length() - 1).split(", ")) {
                sb.append("      - {id: ").append(z).append("}\n");
            }
        }
        Path f = dir.resolve(name);
        Files.writeString(f, sb);
        return f;
    }

    static List<String> ofRegion(List<String> lines, String region) {
        return lines.stream().filter(l -> l.contains("\"region\":\"" + region + "\"")).toList();
    }

    @Test
    void online_regionConfigWithTwoRegions_eachRegionCalibratedAsIfAlone(@TempDir Path dir) throws IOException {
        Path in = counts(dir); // zones A, B, C daily; D added below, E belongs to no region
        StringBuilder more = new StringBuilder();
        for (int d = 0; d < 30; d++) {
            String day = java.time.LocalDate.of(2001, 1, 1).plusDays(d).toString();
            more.append(day).append(",D,").append(50 + (d * 11) % 17).append('\n');
            more.append(day).append(",E,").append(20).append('\n');
        }
        Files.writeString(in, more, java.nio.file.StandardOpenOption.APPEND);
        Path both = regions(dir, "both.yaml", "north", "south");
        Path north = regions(dir, "north.yaml", "north");
        // zone E is in no region (and C, D not in north): those rows are rejected and counted, so the output is
        // complete for the configured regions but the exit code says rows were not used (3)
        assertEquals(org.mfgcal.app.Main.EXIT_INCOMPLETE, run("online", "--input", in.toString(), "--format", "counts",
                "--region-config", both.toString(), "--out", dir.resolve("both").toString()));
        assertEquals(org.mfgcal.app.Main.EXIT_INCOMPLETE, run("online", "--input", in.toString(), "--format", "counts",
                "--region-config", north.toString(), "--out", dir.resolve("north").toString()));
        List<String> fb = Files.readAllLines(dir.resolve("both/forecasts.jsonl"));
        List<String> pb = Files.readAllLines(dir.resolve("both/parameters.jsonl"));
        // daily bins, window 7: 24 published updates per region over 30 days
        assertEquals(24, ofRegion(fb, "north").size());
        assertEquals(24, ofRegion(fb, "south").size());
        assertEquals(48, fb.size());
        assertEquals(24, ofRegion(pb, "south").size());
        assertTrue(ofRegion(fb, "south").get(0).contains("\"zones\":[\"C\",\"D\"]"), ofRegion(fb, "south").get(0));
        // Regions share nothing: north's forecasts are those of a run that only knows north.
        assertEquals(Files.readAllLines(dir.resolve("north/forecasts.jsonl")), ofRegion(fb, "north"));
    }

    @Test
    void online_tripsOfTwoRegionsWithoutRegionConfig_clearError(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("trips.jsonl");
        Files.writeString(in, """
                {"region":"r1","tripId":"t1","origin":"A","destination":"B","departedAt":"2001-01-01T00:10:00Z","arrivedAt":"2001-01-01T00:50:00Z"}
                {"region":"r2","tripId":"t2","origin":"A","destination":"B","departedAt":"2001-01-01T00:20:00Z","arrivedAt":"2001-01-01T00:40:00Z"}
                """);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnlineInput.load(in.toString(), OnlineInput.Format.TRIPS, null, 10, null));
        assertTrue(e.getMessage().contains("trips of regions 'r1' and 'r2' need a --region-config"), e.getMessage());
    }

    @Test
    void online_badFormat_exit2() throws IOException {
        assertEquals(2, run("online", "--input", "x.csv", "--format", "bogus", "--out", "unused"));
    }
}
