package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code mfgcal solve} as a user runs it: conformance cases through the CLI, and every kind of bad input. */
class SolveCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    record Run(int exit, String err) {
    }

    Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, err.toString());
    }

    static ObjectNode conformance(String name) throws Exception {
        try (InputStream in = SolveCommandTest.class.getResourceAsStream("/conformance/" + name + ".json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    static double maxRel(JsonNode a, JsonNode b) {
        double[] num = {0}, den = {0};
        walk(a, b, num, den);
        return num[0] / den[0];
    }

    private static void walk(JsonNode a, JsonNode b, double[] num, double[] den) {
        if (b.isArray()) {
            assertEquals(b.size(), a.size(), "shape");
            for (int i = 0; i < b.size(); i++) {
                walk(a.get(i), b.get(i), num, den);
            }
        } else {
            num[0] = Math.max(num[0], Math.abs(a.asDouble() - b.asDouble()));
            den[0] = Math.max(den[0], Math.abs(b.asDouble()));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"lq_const_d3_N100, picard", "lq_arc_d3_N100, picard", "cyber_const, picard",
            "lq_const_d3_N100, anderson", "lq_arc_d3_N100, anderson"})
    void solve_referenceScheme_reproducesConformance(String name, String solver) throws Exception {
        ObjectNode c = conformance(name);
        Path in = dir.resolve(name + ".json");
        Files.write(in, JSON.writeValueAsBytes(c));
        Path out = dir.resolve("out.json");
        Run r = run("solve", "--input", in.toString(), "--output", out.toString(), "--scheme", "reference",
                "--solver", solver, "--repeat", "3");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = JSON.readTree(out.toFile());
        JsonNode exp = c.get("expected");
        double tol = solver.equals("picard") ? 1e-8 : 1e-4;
        assertTrue(maxRel(o.get("mu"), exp.get("mu")) <= tol);
        assertTrue(maxRel(o.get("grad"), exp.get("grad")) <= tol);
        assertTrue(Math.abs(o.get("loss").asDouble() - exp.get("loss").asDouble()) <= tol * exp.get("loss").asDouble());
        assertTrue(o.get("converged").asBoolean());
        assertTrue(o.get("picard_iterations").asInt() >= 2);
        assertTrue(o.get("adjoint_iterations").asInt() >= 1);
        assertTrue(o.get("max_mass_error").asDouble() <= 1e-12);
        assertTrue(o.get("min_mu").asDouble() >= 0);
        assertTrue(o.get("exploitability").asDouble() >= 0);
        assertTrue(o.get("solve_ms").asDouble() > 0 && o.get("grad_ms").asDouble() > 0);
    }

    @Test
    void solve_defaults_areStableAnderson_andKeepInvariants() throws Exception {
        ObjectNode c = conformance("cyber_const");
        Path in = dir.resolve("c.json");
        Files.write(in, JSON.writeValueAsBytes(c));
        Path out = dir.resolve("o.json");
        Run r = run("solve", "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode o = JSON.readTree(out.toFile());
        assertEquals("stable", o.get("scheme").asText());
        assertEquals("anderson", o.get("solver").asText());
        assertTrue(o.get("picard_iterations").asInt() <= 8);
        assertEquals(100, o.get("grad").size());
        assertEquals(8, o.get("grad").get(0).size());
        assertFalse(o.has("solve_ms"));
    }

    Run solveBroken(Consumer<ObjectNode> breakIt) throws Exception {
        ObjectNode c = conformance("lq_const_d3_N100");
        breakIt.accept(c);
        Path in = dir.resolve("bad.json");
        Files.write(in, JSON.writeValueAsBytes(c));
        return run("solve", "--input", in.toString(), "--output", dir.resolve("bad-out.json").toString());
    }

    @Test
    void solve_badInputs_exitNonZeroWithOneMessageNamingFieldAndValue() throws Exception {
        Run unknownGame = solveBroken(c -> c.put("game", "chess"));
        assertEquals(2, unknownGame.exit());
        assertTrue(unknownGame.err().contains("game = 'chess'"), unknownGame.err());

        Run shortObs = solveBroken(c -> ((ArrayNode) c.get("mu_obs")).remove(0));
        assertEquals(2, shortObs.exit());
        assertTrue(shortObs.err().contains("mu_obs has 99 rows, expected N = 100"), shortObs.err());

        Run negGamma = solveBroken(c -> ((ArrayNode) c.get("gamma")).set(7, -1.0));
        assertEquals(2, negGamma.exit());
        assertTrue(negGamma.err().contains("gamma[7] = -1.0"), negGamma.err());

        Run badMu0 = solveBroken(c -> ((ArrayNode) c.get("mu0")).set(1, -0.5));
        assertEquals(2, badMu0.exit());
        assertTrue(badMu0.err().contains("mu0[1] = -0.5"), badMu0.err());

        Run textN = solveBroken(c -> c.put("N", "hundred"));
        assertEquals(2, textN.exit());
        assertTrue(textN.err().contains("N = \"hundred\""), textN.err());

        Run badParam = solveBroken(c -> ((ObjectNode) c.get("params")).put("rate_clip", -3));
        assertEquals(2, badParam.exit());
        assertTrue(badParam.err().contains("params.rate_clip = -3.0"), badParam.err());

        Run noConv = solveBroken(c -> c.put("picard_max_iter", 2).put("picard_tol", 1e-15));
        assertEquals(1, noConv.exit());
        assertTrue(noConv.err().contains("picard_max_iter = 2"), noConv.err());

        Run missing = run("solve", "--input", dir.resolve("nope.json").toString(), "--output", dir.resolve("x.json").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("no such file"), missing.err());

        Run badScheme = solveBroken(c -> { });
        assertEquals(0, badScheme.exit());
        Run scheme = run("solve", "--input", dir.resolve("bad.json").toString(), "--output", dir.resolve("y.json").toString(),
                "--scheme", "implicit");
        assertEquals(2, scheme.exit());
        assertTrue(scheme.err().contains("scheme = 'implicit'"), scheme.err());
        for (Run r : new Run[] {unknownGame, shortObs, negGamma, badMu0, textN, badParam, noConv, missing, scheme}) {
            assertFalse(r.err().contains("\tat "), "stack trace in: " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one message: " + r.err());
        }
    }
}
