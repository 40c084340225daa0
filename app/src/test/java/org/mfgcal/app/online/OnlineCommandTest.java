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

    @Test
    void online_badFormat_exit2() throws IOException {
        assertEquals(2, run("online", "--input", "x.csv", "--format", "bogus", "--out", "unused"));
    }
}
