package org.mfgcal.app.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 item 4: every skill figure of {@code mfgcal online} can be recomputed from the files it writes. The
 * errors of the model, of persistence and of seasonal naive are recomputed here from {@code observed.jsonl} (shares
 * divided by their sum) and the forecast means of {@code forecasts.jsonl} alone, without the loop's realised-error
 * records, and compared with {@code skill.json} and with those records. Must show 4 (flights Jan–Mar 2001, hourly,
 * shipped region): skill ratio below 1 against both baselines at every horizon 1–12 and band coverage 85–95%.
 */
class SkillFilesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path REPORT = Path.of("target", "online-measurements.txt");

    /** Per horizon: sums of the three errors and counts, recomputed from the files. */
    record Recomputed(int horizon, long[] count, double[] model, double[] persistence, long[] seasonalCount,
                      double[] modelWithSeasonal, double[] seasonal) {
    }

    static Recomputed recompute(Path out, int horizon, int season) throws IOException {
        Map<Long, double[]> observed = new HashMap<>();
        for (String line : Files.readAllLines(out.resolve("observed.jsonl"))) {
            JsonNode o = JSON.readTree(line);
            JsonNode s = o.get("shares");
            double total = 0;
            for (JsonNode v : s) {
                total += v.asDouble();
            }
            double[] shares = new double[s.size()];
            for (int i = 0; i < shares.length; i++) {
                shares[i] = s.get(i).asDouble() / total;
            }
            observed.put(o.get("bin").asLong(), shares);
        }
        Recomputed r = new Recomputed(horizon, new long[horizon], new double[horizon], new double[horizon],
                new long[horizon], new double[horizon], new double[horizon]);
        int checkedRecords = 0;
        for (String line : Files.readAllLines(out.resolve("forecasts.jsonl"))) {
            JsonNode f = JSON.readTree(line);
            long issued = f.get("issuedAtBin").asLong();
            double[] start = observed.get(issued);
            for (JsonNode step : f.get("steps")) {
                long bin = step.get("bin").asLong();
                int h = (int) (bin - issued);
                double[] actual = observed.get(bin);
                if (actual == null) {
                    continue; // beyond the end of the input
                }
                double m = 0;
                double p = 0;
                for (int x = 0; x < actual.length; x++) {
                    m += Math.abs(step.get("mean").get(x).asDouble() - actual[x]);
                    p += Math.abs(start[x] - actual[x]);
                }
                m /= actual.length;
                p /= actual.length;
                r.count[h - 1]++;
                r.model[h - 1] += m;
                r.persistence[h - 1] += p;
                double[] lastSeason = observed.get(bin - season);
                if (lastSeason != null) {
                    double s = 0;
                    for (int x = 0; x < actual.length; x++) {
                        s += Math.abs(lastSeason[x] - actual[x]);
                    }
                    r.seasonalCount[h - 1]++;
                    r.modelWithSeasonal[h - 1] += m;
                    r.seasonal[h - 1] += s / actual.length;
                }
            }
            // the loop's realised-error records for this bin agree with the recomputation
            for (JsonNode e : f.get("realised")) {
                long bin = e.get("bin").asLong();
                double[] actual = observed.get(bin);
                double[] from = observed.get(e.get("issuedAtBin").asLong());
                double p = 0;
                for (int x = 0; x < actual.length; x++) {
                    p += Math.abs(from[x] - actual[x]);
                }
                assertEquals(p / actual.length, e.get("persistenceAbsError").asDouble(), 1e-12, line);
                double[] lastSeason = observed.get(bin - season);
                assertEquals(lastSeason == null, e.get("seasonalAbsError").isNull(), line);
                checkedRecords++;
            }
        }
        assertTrue(checkedRecords > 0, "no realised-error record");
        return r;
    }

    /** Compares skill.json of region {@code region} with the recomputation; returns the region's node. */
    static JsonNode compare(Path out, String region, Recomputed r) throws IOException {
        JsonNode root = JSON.readTree(out.resolve("skill.json").toFile());
        JsonNode reg = null;
        for (JsonNode n : root.get("regions")) {
            if (n.get("region").asText().equals(region)) {
                reg = n;
            }
        }
        assertTrue(reg != null, "no region " + region + " in skill.json");
        assertEquals(r.horizon, reg.get("horizons").size());
        for (int h = 1; h <= r.horizon; h++) {
            JsonNode n = reg.get("horizons").get(h - 1);
            int i = h - 1;
            String at = region + " h " + h;
            assertEquals(h, n.get("horizon").asInt());
            assertEquals(r.count[i], n.get("count").asLong(), at);
            assertEquals(r.seasonalCount[i], n.get("seasonalCount").asLong(), at);
            if (r.count[i] == 0) {
                assertTrue(n.get("skillVsPersistence").isNull(), at);
                continue;
            }
            assertEquals(r.model[i] / r.count[i], n.get("mae").asDouble(), 1e-12, at);
            assertEquals(r.persistence[i] / r.count[i], n.get("persistenceMae").asDouble(), 1e-12, at);
            assertEquals(r.model[i] / r.persistence[i], n.get("skillVsPersistence").asDouble(), 1e-9, at);
            if (r.seasonalCount[i] > 0) {
                assertEquals(r.seasonal[i] / r.seasonalCount[i], n.get("seasonalNaiveMae").asDouble(), 1e-12, at);
                assertEquals(r.modelWithSeasonal[i] / r.seasonal[i], n.get("skillVsSeasonalNaive").asDouble(), 1e-9,
                        at);
            } else {
                assertTrue(n.get("skillVsSeasonalNaive").isNull(), at);
            }
        }
        return reg;
    }

    @Test
    void online_counts_skillFiguresRecomputedFromWrittenFiles(@TempDir Path dir) throws IOException {
        Path in = OnlineCommandTest.counts(dir); // 30 days, 3 zones: window 7, season 7, horizon 12
        Path out = dir.resolve("o");
        assertEquals(0, OnlineCommandTest.run("online", "--input", in.toString(), "--format", "counts", "--out",
                out.toString()));
        Recomputed r = recompute(out, 12, 7);
        compare(out, "counts", r);
        assertTrue(r.count[0] > 0 && r.seasonalCount[11] > 0, "every horizon has seasonal pairs");
    }

    @Test
    void mustShow4_flightsHourly_skillBelowOneAgainstBothBaselines_coverage85to95(@TempDir Path dir)
            throws IOException {
        Path out = dir.resolve("flights");
        Path region = Path.of("..", "data", "flights", "region-flights.yaml");
        long t0 = System.nanoTime();
        assertEquals(0, OnlineCommandTest.run("online", "--input", "classpath:data/flights/flights-3m.csv.gz",
                "--format", "flights", "--region-config", region.toString(), "--out", out.toString()));
        double seconds = (System.nanoTime() - t0) / 1e9;
        Recomputed r = recompute(out, 12, 168);
        JsonNode reg = compare(out, "flights", r);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "issue 11 must show 4 (online flights-3m,"
                + " hourly, %.1f s): h, MFG MAE, persistence MAE, seasonal-naive MAE, skill vs persistence, vs"
                + " seasonal naive, coverage%n", seconds));
        for (JsonNode n : reg.get("horizons")) {
            sb.append(String.format(Locale.ROOT, "  %2d %.5f %.5f %.5f %.3f %.3f %.3f%n", n.get("horizon").asInt(),
                    n.get("mae").asDouble(), n.get("persistenceMae").asDouble(), n.get("seasonalNaiveMae").asDouble(),
                    n.get("skillVsPersistence").asDouble(), n.get("skillVsSeasonalNaive").asDouble(),
                    n.get("coverage").asDouble()));
        }
        double coverage = reg.get("coverage").asDouble();
        sb.append(String.format(Locale.ROOT, "  band coverage, every horizon: %.3f%n", coverage));
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, sb, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        System.out.print(sb);
        for (int h = 1; h <= 12; h++) {
            assertTrue(r.model[h - 1] / r.persistence[h - 1] < 1, "skill vs persistence at h " + h + "\n" + sb);
            assertTrue(r.modelWithSeasonal[h - 1] / r.seasonal[h - 1] < 1, "skill vs seasonal naive at h " + h
                    + "\n" + sb);
        }
        assertTrue(coverage >= 0.85 && coverage <= 0.95, "coverage " + coverage);
    }
}
