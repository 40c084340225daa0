package org.mfgcal.publisher.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.publisher.Fixtures;

/**
 * The JSON of every output record validates against its schema file, round-trips to an equal record, and a
 * message with a field missing, an unknown field or a wrong type does not validate. The validator below covers
 * the JSON Schema keywords the schema files use (type, properties, required, additionalProperties, items, enum,
 * minimum/maximum, exclusive bounds, minLength, local $ref).
 */
class OutputSchemaTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void records_serialised_validateAndRoundTrip() throws IOException {
        Map<String, Object> samples = Map.of(
                OutputJson.PARAMETER_UPDATE_SCHEMA, Fixtures.update("London", 5, 0.1, ParameterUpdate.Start.WARM),
                OutputJson.FORECAST_SCHEMA, Fixtures.forecast("London", 5),
                OutputJson.DRIFT_ALERT_SCHEMA, Fixtures.alert("London", 3, 5, DriftAlert.State.CLEARED));
        for (Map.Entry<String, Object> e : samples.entrySet()) {
            JsonNode schema = schema(e.getKey());
            String json = OutputJson.write(e.getValue());
            assertFalse(json.contains("\n"), "one line per record");
            JsonNode node = mapper.readTree(json);
            assertEquals(List.of(), validate(schema, schema, node, "$"), e.getKey());
            assertEquals(e.getValue(), OutputJson.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    e.getValue().getClass()), "round trip " + e.getKey());
            // every property the schema declares is written (schemas and records agree both ways)
            List<String> declared = names(schema.path("properties").fieldNames());
            assertEquals(declared.stream().sorted().toList(), names(node.fieldNames()).stream().sorted().toList());
        }
    }

    @Test
    void degradedRecords_validateAndRoundTrip() throws IOException {
        ParameterUpdate u = Fixtures.update("London", 5, 0.1, ParameterUpdate.Start.COLD);
        org.mfgcal.api.Health noGood = new org.mfgcal.api.Health(
                org.mfgcal.api.Health.State.DEGRADED, "no-equilibrium", null);
        ParameterUpdate degraded = new ParameterUpdate(u.region(), u.bin(), u.parameters(), u.loss(), u.exploitability(),
                u.optimiserSteps(), u.picardIterations(), u.adjointIterations(), u.start(), u.latencyMillis(),
                u.provenance(), noGood);
        org.mfgcal.api.Forecast f = Fixtures.forecast("London", 5);
        org.mfgcal.api.Forecast fd = new org.mfgcal.api.Forecast(f.region(), f.issuedAtBin(),
                f.zones(), f.bandLevel(), f.steps(), f.realised(), f.provenance(),
                new org.mfgcal.api.Health(org.mfgcal.api.Health.State.DEGRADED,
                        "forecast-no-equilibrium", 3L));
        for (Object r : List.of(degraded, fd)) {
            String key = r instanceof ParameterUpdate ? OutputJson.PARAMETER_UPDATE_SCHEMA : OutputJson.FORECAST_SCHEMA;
            JsonNode schema = schema(key);
            String json = OutputJson.write(r);
            assertEquals(List.of(), validate(schema, schema, mapper.readTree(json), "$"), json);
            assertEquals(r, OutputJson.read(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), r.getClass()));
        }
        // a health whose parametersFromBin is a string does not validate
        ObjectNode bad = (ObjectNode) mapper.readTree(OutputJson.write(degraded));
        ((ObjectNode) bad.path("health")).put("parametersFromBin", "3");
        JsonNode schema = schema(OutputJson.PARAMETER_UPDATE_SCHEMA);
        assertFalse(validate(schema, schema, bad, "$").isEmpty());
    }

    @Test
    void invalidMessages_doNotValidate() throws IOException {
        JsonNode schema = schema(OutputJson.FORECAST_SCHEMA);
        ObjectNode ok = (ObjectNode) mapper.readTree(OutputJson.write(Fixtures.forecast("London", 5)));

        ObjectNode missing = ok.deepCopy();
        missing.remove("bandLevel");
        assertTrue(validate(schema, schema, missing, "$").toString().contains("bandLevel"));

        ObjectNode unknown = ok.deepCopy();
        unknown.put("extra", 1);
        assertTrue(validate(schema, schema, unknown, "$").toString().contains("extra"));

        ObjectNode wrongType = ok.deepCopy();
        ((ObjectNode) wrongType.path("provenance")).put("seed", "x");
        assertTrue(validate(schema, schema, wrongType, "$").toString().contains("$.provenance.seed"));

        ObjectNode badEnum = (ObjectNode) mapper.readTree(OutputJson.write(Fixtures.alert("L", 1, 2, DriftAlert.State.RAISED)));
        badEnum.put("state", "OPEN");
        JsonNode alertSchema = schema(OutputJson.DRIFT_ALERT_SCHEMA);
        assertTrue(validate(alertSchema, alertSchema, badEnum, "$").toString().contains("$.state"));
    }

    @Test
    void forecast_bandNotAroundMean_isRejectedAtConstruction() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new Forecast.Step(3, List.of(0.5), List.of(0.6), List.of(0.7)));
        assertTrue(e.getMessage().contains("lower <= mean <= upper"), e.getMessage());
    }

    private JsonNode schema(String resource) throws IOException {
        try (InputStream in = OutputJson.class.getResourceAsStream(resource)) {
            assertTrue(in != null, "schema resource missing: " + resource);
            return mapper.readTree(in);
        }
    }

    /** Problems of {@code node} against {@code schema} (empty if valid). */
    static List<String> validate(JsonNode root, JsonNode schema, JsonNode node, String path) {
        List<String> problems = new ArrayList<>();
        if (schema.has("$ref")) {
            String ref = schema.path("$ref").asText();
            JsonNode target = root.at(ref.substring(1));
            if (!ref.startsWith("#/") || target.isMissingNode()) {
                problems.add(path + ": unresolvable $ref " + ref);
                return problems;
            }
            return validate(root, target, node, path);
        }
        if (schema.has("enum")) {
            boolean in = false;
            for (JsonNode v : schema.path("enum")) {
                in |= v.equals(node);
            }
            if (!in) {
                problems.add(path + ": " + node + " not in " + schema.path("enum"));
            }
        }
        String type = schema.path("type").isArray() ? schema.path("type").toString() : schema.path("type").asText("");
        boolean typeOk = schema.path("type").isArray() ? false : typeIs(type, node);
        for (JsonNode t : schema.path("type").isArray() ? schema.path("type") : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode()) {
            typeOk |= typeIs(t.asText(), node); // a list of types: any of them
        }
        if (!typeOk) {
            problems.add(path + ": expected " + type + ", got " + node.getNodeType());
            return problems;
        }
        if (node.isNumber()) {
            double v = node.asDouble();
            if (schema.has("minimum") && v < schema.path("minimum").asDouble()
                    || schema.has("maximum") && v > schema.path("maximum").asDouble()
                    || schema.has("exclusiveMinimum") && v <= schema.path("exclusiveMinimum").asDouble()
                    || schema.has("exclusiveMaximum") && v >= schema.path("exclusiveMaximum").asDouble()) {
                problems.add(path + ": " + v + " out of range");
            }
        }
        if (node.isTextual() && node.asText().length() < schema.path("minLength").asInt(0)) {
            problems.add(path + ": shorter than minLength");
        }
        if (node.isObject()) {
            for (JsonNode req : schema.path("required")) {
                if (!node.has(req.asText())) {
                    problems.add(path + ": missing required " + req.asText());
                }
            }
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                JsonNode prop = schema.path("properties").path(f.getKey());
                if (prop.isMissingNode()) {
                    if (schema.path("additionalProperties").isBoolean() && !schema.path("additionalProperties").asBoolean()) {
                        problems.add(path + ": unknown property " + f.getKey());
                    }
                } else {
                    problems.addAll(validate(root, prop, f.getValue(), path + "." + f.getKey()));
                }
            }
        }
        if (node.isArray() && schema.has("items")) {
            for (int i = 0; i < node.size(); i++) {
                problems.addAll(validate(root, schema.path("items"), node.get(i), path + "[" + i + "]"));
            }
        }
        return problems;
    }

    private static List<String> names(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private static boolean typeIs(String type, JsonNode node) {
        return switch (type) {
            case "" -> true;
            case "object" -> node.isObject();
            case "array" -> node.isArray();
            case "string" -> node.isTextual();
            case "integer" -> node.isIntegralNumber();
            case "number" -> node.isNumber();
            case "boolean" -> node.isBoolean();
            case "null" -> node.isNull();
            default -> false;
        };
    }
}
