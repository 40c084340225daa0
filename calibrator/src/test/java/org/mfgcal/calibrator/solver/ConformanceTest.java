package org.mfgcal.calibrator.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mfgcal.calibrator.io.CaseFile;

/** The reference implementation's vectors (test resources /conformance, see PROVENANCE.md) reproduced. */
class ConformanceTest {
    /** Reference scheme + Picard + reference stopping rules: bit-for-bit up to rounding. */
    static final double EXACT = 1e-8;
    /** A different converged solver agrees to the reference's own tolerance. */
    static final double CONVERGED = 1e-4;

    static Stream<Arguments> cases() {
        return Stream.of("lq_const_d3_N100", "lq_arc_d3_N100", "cyber_const").flatMap(c -> Stream.of(
                Arguments.of(c, Method.PICARD, EXACT), Arguments.of(c, Method.ANDERSON, CONVERGED)));
    }

    static JsonNode load(String name) throws IOException {
        try (InputStream in = ConformanceTest.class.getResourceAsStream("/conformance/" + name + ".json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    static double[] flat(JsonNode n) {
        if (!n.isArray()) {
            return new double[] {n.asDouble()};
        }
        return java.util.stream.StreamSupport.stream(n.spliterator(), false)
                .flatMapToDouble(e -> java.util.Arrays.stream(flat(e))).toArray();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void referenceScheme_reproducesVector(String name, Method method, double tol) throws IOException {
        JsonNode root = load(name);
        CaseFile c = CaseFile.parse(root, name);
        EquilibriumSolver solver = new EquilibriumSolver(c.game(), c.horizon(), c.steps(), c.options(Scheme.REFERENCE, method));
        double[] grad = new double[c.gamma().length];
        Gradient g = solver.lossAndGradient(c.mu0(), c.gamma(), null, SquaredLoss.fullHorizon(c.steps(), c.d()), c.muObs(), grad);
        Invariants.check(g.solution(), c.picardTol(), 1e-12);
        assertTrue(g.adjointConverged());

        JsonNode exp = root.get("expected");
        double muErr = Invariants.relErr(g.solution().mu(), flat(exp.get("mu")));
        double lossErr = Math.abs(g.loss() - exp.get("loss").asDouble()) / Math.abs(exp.get("loss").asDouble());
        double gradErr = Invariants.relErr(grad, flat(exp.get("grad")));
        System.out.printf("%s %s: it=%d adj=%d mu %.2e loss %.2e grad %.2e%n", name, method,
                g.solution().iterations(), g.adjointIterations(), muErr, lossErr, gradErr);
        assertTrue(muErr <= tol, () -> "mu rel err " + muErr);
        assertTrue(lossErr <= tol, () -> "loss rel err " + lossErr);
        assertTrue(gradErr <= tol, () -> "grad rel err " + gradErr);
        assertEquals(c.gamma().length, grad.length);
    }
}
