package org.mfgcal.calibrator.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Games;
import org.mfgcal.calibrator.solver.Method;
import org.mfgcal.calibrator.solver.Scheme;
import org.mfgcal.calibrator.solver.SolverOptions;

/**
 * A solve case in the layout of the conformance vectors: {@code game}, {@code params}, {@code d}, {@code T},
 * {@code N}, {@code damping}, {@code picard_tol}, {@code picard_max_iter}, {@code adjoint_tol},
 * {@code adjoint_max_iter}, {@code mu0} (d), {@code gamma} (N numbers when p = 1, else N×p), {@code mu_obs} (N×d,
 * shares in [0, 1]).
 * {@code expected} is ignored. Every problem is reported as an {@link IllegalArgumentException} naming the field
 * and the value. Immutable.
 *
 * @param gamma flat N·p, row-major
 * @param muObs flat N·d, row-major
 * @param gammaIsMatrix whether {@code gamma} was given as N×p (and must be written back that way)
 */
public record CaseFile(String name, Game game, Map<String, Object> params, int d, double horizon, int steps,
                       double damping, double picardTol, int picardMaxIter, double adjointTol, int adjointMaxIter,
                       double[] mu0, double[] gamma, boolean gammaIsMatrix, double[] muObs) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static CaseFile read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read JSON: " + e.getMessage(), e);
        }
        try {
            return parse(root, file.toString());
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            throw m.startsWith(file.toString()) ? e : new IllegalArgumentException(file + ": " + m, e);
        }
    }

    public static CaseFile parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a JSON object");
        }
        String gameName = text(root, "game");
        int d = integer(root, "d", 2, 1_000_000);
        double horizon = number(root, "T");
        if (!(horizon > 0)) {
            throw new IllegalArgumentException("T = " + horizon + ": must be > 0");
        }
        int steps = integer(root, "N", 2, 10_000_000);
        double damping = root.has("damping") ? number(root, "damping") : SolverOptions.DEFAULTS.damping();
        double picardTol = root.has("picard_tol") ? number(root, "picard_tol") : SolverOptions.DEFAULTS.tol();
        int picardMax = root.has("picard_max_iter") ? integer(root, "picard_max_iter", 1, Integer.MAX_VALUE) : SolverOptions.DEFAULTS.maxIter();
        double adjTol = root.has("adjoint_tol") ? number(root, "adjoint_tol") : SolverOptions.DEFAULTS.adjointTol();
        int adjMax = root.has("adjoint_max_iter") ? integer(root, "adjoint_max_iter", 1, Integer.MAX_VALUE) : SolverOptions.DEFAULTS.adjointMaxIter();
        Map<String, Object> params = new LinkedHashMap<>();
        JsonNode pn = root.get("params");
        if (pn != null && !pn.isNull()) {
            if (!pn.isObject()) {
                throw new IllegalArgumentException("params: expected an object, got " + pn);
            }
            params = JSON.convertValue(pn, JSON.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Object.class));
        }
        Game game = Games.create(gameName, params, d);
        int p = game.paramsPerStep();
        double[] mu0 = vector(root, "mu0", d);
        JsonNode gn = require(root, "gamma");
        boolean matrix = gn.size() > 0 && gn.get(0).isArray();
        double[] gamma = matrix || p > 1 ? matrix(root, "gamma", steps, p) : vector(root, "gamma", steps);
        double[] obs = matrix(root, "mu_obs", steps, d);
        for (int i = 0; i < obs.length; i++) { // observed shares: a loss against -1e308 or 1e200 is not finite
            if (!(obs[i] >= 0 && obs[i] <= 1)) {
                throw new IllegalArgumentException(source + ": mu_obs[" + i / d + "][" + i % d + "] = " + obs[i]
                        + ": must be a share in [0, 1]");
            }
        }
        String name = root.has("case") ? root.get("case").asText() : gameName;
        return new CaseFile(name, game, params, d, horizon, steps, damping, picardTol, picardMax, adjTol, adjMax,
                mu0, gamma, matrix || p > 1, obs);
    }

    /** Solver options of this case for a scheme and method (damping, tolerances and limits from the file). */
    public SolverOptions options(Scheme scheme, Method method) {
        return new SolverOptions(scheme, method, damping, picardTol, picardMaxIter, adjointTol, adjointMaxIter,
                SolverOptions.DEFAULTS.andersonMemory());
    }

    private static JsonNode require(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(field + ": missing");
        }
        return n;
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = require(root, field);
        if (!n.isTextual()) {
            throw new IllegalArgumentException(field + " = " + n + ": must be a string");
        }
        return n.asText();
    }

    private static double number(JsonNode root, String field) {
        JsonNode n = require(root, field);
        if (!n.isNumber()) {
            throw new IllegalArgumentException(field + " = " + n + ": must be a number");
        }
        double v = n.asDouble();
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(field + " = " + v + ": must be finite");
        }
        return v;
    }

    private static int integer(JsonNode root, String field, int min, int max) {
        JsonNode n = require(root, field);
        if (!n.isIntegralNumber() && !(n.isNumber() && n.asDouble() == Math.rint(n.asDouble()))) {
            throw new IllegalArgumentException(field + " = " + n + ": must be an integer");
        }
        long v = n.asLong();
        if (v < min || v > max) {
            throw new IllegalArgumentException(field + " = " + v + ": must be in " + min + ".." + max);
        }
        return (int) v;
    }

    private static double element(JsonNode n, String where) {
        if (n == null || !n.isNumber()) {
            throw new IllegalArgumentException(where + " = " + n + ": must be a number");
        }
        double v = n.asDouble();
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(where + " = " + v + ": must be finite");
        }
        return v;
    }

    private static double[] vector(JsonNode root, String field, int size) {
        JsonNode n = require(root, field);
        if (!n.isArray()) {
            throw new IllegalArgumentException(field + ": must be an array of " + size + " numbers");
        }
        if (n.size() != size) {
            throw new IllegalArgumentException(field + " has " + n.size() + " entries, expected " + size);
        }
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = element(n.get(i), field + "[" + i + "]");
        }
        return out;
    }

    private static double[] matrix(JsonNode root, String field, int rows, int cols) {
        JsonNode n = require(root, field);
        if (!n.isArray() || n.size() != rows) {
            throw new IllegalArgumentException(field + " has " + (n.isArray() ? n.size() : 0) + " rows, expected N = " + rows);
        }
        double[] out = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            JsonNode row = n.get(r);
            if (!row.isArray() || row.size() != cols) {
                throw new IllegalArgumentException(field + "[" + r + "] has " + (row.isArray() ? row.size() : 0)
                        + " entries, expected " + cols);
            }
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = element(row.get(c), field + "[" + r + "][" + c + "]");
            }
        }
        return out;
    }
}
