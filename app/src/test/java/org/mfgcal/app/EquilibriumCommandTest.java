package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code mfgcal equilibrium} and {@code mfgcal calibrate --game braess} as a user runs them, and their bad inputs. */
class EquilibriumCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    record Run(int exit, String err) {
    }

    Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void braessAnderson_writesCurveFlowsAndPictures() throws Exception {
        Path out = dir.resolve("eq");
        Run r = run("equilibrium", "--game", "braess", "--solver", "anderson", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.get("final_exploitability").asDouble() < 1e-3);
        assertEquals(3.75, res.get("link_flows").get("A->B").asDouble(), 2e-2);
        assertEquals(2.5, res.get("link_flows").get("B->C").asDouble(), 2e-2);
        List<String> lines = Files.readAllLines(out.resolve("exploitability.csv"));
        assertEquals("iteration,exploitability,seconds", lines.get(0));
        assertEquals(res.get("iterations").asInt() + 1, lines.size());
        assertTrue(Files.size(out.resolve("link-flows.png")) > 1000);
        assertTrue(Files.size(out.resolve("exploitability.png")) > 1000);
    }

    @Test
    void siouxFallsOmd_reachesTarget_writesFlows() throws Exception {
        Path out = dir.resolve("sioux");
        Run r = run("equilibrium", "--game", "sioux-falls", "--solver", "omd", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.get("final_exploitability").asDouble() < 1e-3);
        assertEquals(76, res.get("link_flows").size());
        // the two OD pairs leave their origins entirely: 7000 vehicles out of node 1 and out of node 19
        JsonNode f = res.get("link_flows");
        assertEquals(7000, f.get("1->2").asDouble() + f.get("1->3").asDouble(), 1e-6);
        assertEquals(7000, f.get("19->15").asDouble() + f.get("19->17").asDouble() + f.get("19->20").asDouble(), 1e-6);
        assertTrue(Files.size(out.resolve("link-flows.png")) > 1000);
    }

    @Test
    void crowdRingOmd_writesHeatMap() throws Exception {
        Path out = dir.resolve("ring");
        Run r = run("equilibrium", "--game", "crowd-ring", "--solver", "omd", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.size(out.resolve("mu-heatmap.png")) > 1000);
        assertEquals(10 * 10 + 1, Files.readAllLines(out.resolve("mu.csv")).size());
    }

    @Test
    void crowdRingNewton_reachesTarget_writesHeatMap() throws Exception {
        // four-rooms with newton is covered in SolverTest (18 s here under load); the CLI wiring is the same
        Path out = dir.resolve("ring-newton");
        Run r = run("equilibrium", "--game", "crowd-ring", "--solver", "newton", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.get("final_exploitability").asDouble() < 1e-3);
        assertEquals("newton", res.get("solver").asText());
        assertTrue(Files.size(out.resolve("mu-heatmap.png")) > 1000);
    }

    @Test
    void fourRoomsNewtonWindows_reachesTarget() throws Exception {
        Path out = dir.resolve("rooms-windows");
        Run r = run("equilibrium", "--game", "four-rooms", "--solver", "newton-windows", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = JSON.readTree(out.resolve("result.json").toFile());
        assertTrue(res.get("final_exploitability").asDouble() < 1e-3);
        assertEquals("newton-windows", res.get("solver").asText());
        assertEquals(3, res.get("window_iterations").size());
        Run bad = run("equilibrium", "--game", "crowd-ring", "--solver", "newton-windows", "--out", dir.resolve("rw").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--solver newton-windows") && bad.err().contains("four-rooms"), bad.err());
    }

    @Test
    void budgetTooSmall_exits1_withOutputs() {
        Path out = dir.resolve("short");
        Run r = run("equilibrium", "--game", "sis", "--solver", "fp", "--iterations", "3", "--out", out.toString());
        assertEquals(1, r.exit(), r.err());
        assertTrue(Files.exists(out.resolve("result.json")));
    }

    @Test
    void badInputs_exit2_namingFieldAndValue() {
        String o = dir.resolve("bad").toString();
        Run a = run("equilibrium", "--game", "maze", "--solver", "fp", "--out", o);
        assertEquals(2, a.exit());
        assertTrue(a.err().contains("--game maze"), a.err());
        Run b = run("equilibrium", "--game", "sis", "--solver", "simplex", "--out", o);
        assertEquals(2, b.exit());
        assertTrue(b.err().contains("--solver simplex"), b.err());
        Run b2 = run("equilibrium", "--game", "sis", "--solver", "newton", "--out", o);
        assertEquals(2, b2.exit());
        assertTrue(b2.err().contains("--solver newton") && b2.err().contains("--game sis"), b2.err());
        assertFalse(Files.exists(dir.resolve("bad")), "no output directory on bad input");
        Run c = run("equilibrium", "--game", "sis", "--solver", "fp", "--iterations", "0", "--out", o);
        assertEquals(2, c.exit());
        assertTrue(c.err().contains("--iterations 0"), c.err());
        Run d = run("equilibrium", "--game", "sis", "--solver", "fixed-point", "--damping", "1.5", "--out", o);
        assertEquals(2, d.exit());
        assertTrue(d.err().contains("--damping 1.5"), d.err());
    }

    @Test
    void calibrateBraess_recoversParameters_fromLinkCounts() throws Exception {
        Path counts = dir.resolve("counts.csv");
        // link counts of the regularised equilibrium at OpenSpiel's constants (data/braess/link-counts.csv)
        Files.write(counts, List.of("link,count", "A->B,3.5581383830024773", "A->C,1.4418616169975227",
                "B->C,2.1162767660049564", "B->D,1.44186161699752", "C->D,3.558138383002479"));
        Path out = dir.resolve("cal");
        Run r = run("calibrate", "--game", "braess", "--link-counts", counts.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode p = JSON.readTree(out.resolve("result.json").toFile()).get("parameters");
        assertEquals(0.25, p.get("free_flow_B->C").asDouble(), 0.02 * 0.25);
        assertEquals(5.0, p.get("capacity_A->B").asDouble(), 0.02 * 5.0);
        assertTrue(Files.size(out.resolve("link-counts.png")) > 1000);
    }

    @Test
    void calibrateBraess_badCounts_exit2_namingLineAndField() throws Exception {
        Path counts = dir.resolve("bad.csv");
        Files.write(counts, List.of("link,count", "A->B,3.5", "A->Z,1.0"));
        Run r = run("calibrate", "--game", "braess", "--link-counts", counts.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains(":3:") && r.err().contains("field 'link'") && r.err().contains("A->Z"), r.err());
        Files.write(counts, List.of("link,count", "A->B,lots"));
        Run s = run("calibrate", "--game", "braess", "--link-counts", counts.toString(), "--out", dir.resolve("o").toString());
        assertEquals(2, s.exit());
        assertTrue(s.err().contains("field 'count'") && s.err().contains("lots"), s.err());
        Run t = run("calibrate", "--game", "braess", "--out", dir.resolve("o").toString());
        assertEquals(2, t.exit());
        assertTrue(t.err().contains("--link-counts"), t.err());
    }
}
