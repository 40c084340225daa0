package org.mfgcal.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class RecordCodecTest {

    private static final String TRIP = "{\"region\":\"r\",\"tripId\":\"t1\",\"origin\":\"A\",\"destination\":\"B\","
            + "\"departedAt\":\"2001-01-01T06:01:00Z\",\"arrivedAt\":\"2001-01-01T07:02:03.500Z\"}";

    private static ParseResult parse(String json) {
        return RecordCodec.parse("r".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private static Rejection rejected(String json, DeadLetterReason reason, String mention) {
        Rejection r = assertInstanceOf(Rejection.class, parse(json), json);
        assertEquals(reason, r.reason(), r.message());
        assertTrue(r.message().contains(mention), r.message());
        return r;
    }

    @Test
    void parse_validTrip_givesEpochMillis() {
        TripEvent t = assertInstanceOf(TripEvent.class, parse(TRIP));
        assertEquals(Instant.parse("2001-01-01T06:01:00Z").toEpochMilli(), t.departedAtMillis());
        assertEquals(Instant.parse("2001-01-01T07:02:03.500Z").toEpochMilli(), t.arrivedAtMillis());
        assertEquals(t, parse(RecordCodec.toJson(t)));
    }

    @Test
    void appendInstant_manyInstants_matchesInstantToString() {
        java.util.Random rnd = new java.util.Random(42);
        long[] fixed = {0, -1, 86_399_999L, Instant.parse("2001-03-31T23:59:59.999Z").toEpochMilli(),
            Instant.parse("1969-12-31T23:59:59Z").toEpochMilli(), Instant.parse("9999-12-31T23:59:59Z").toEpochMilli()};
        for (int i = 0; i < 20_000; i++) {
            long ms = i < fixed.length ? fixed[i] : rnd.nextLong() % 200_000_000_000_000L;
            StringBuilder sb = new StringBuilder();
            RecordCodec.appendInstant(sb, ms);
            assertEquals(Instant.ofEpochMilli(ms).toString(), sb.toString());
            assertEquals(ms, RecordCodec.parseInstant(sb.toString()));
        }
    }

    @Test
    void parse_offsetTimestampAndCount_slowPathAgreesWithJavaTime() {
        CountEvent c = assertInstanceOf(CountEvent.class,
                parse("{\"region\":\"r\",\"zone\":\"A\",\"at\":\"2001-01-01T00:01:00-06:00\",\"count\":15.5}"));
        assertEquals(Instant.parse("2001-01-01T06:01:00Z").toEpochMilli(), c.atMillis());
        assertEquals(15.5, c.count());
        assertEquals(c, parse(RecordCodec.toJson(c)));
    }

    @Test
    void parse_hostileInputs_rejectedWithReasonNamingFieldAndValue() {
        rejected("{\"region\":\"r\",", DeadLetterReason.MALFORMED_JSON, "not valid JSON");
        rejected("[1,2]", DeadLetterReason.MALFORMED_JSON, "not a JSON object");
        rejected("{\"region\":\"r\"} x", DeadLetterReason.MALFORMED_JSON, "");
        rejected(TRIP.replace("\"origin\":\"A\",", ""), DeadLetterReason.MISSING_FIELD, "'origin'");
        rejected(TRIP.replace("\"tripId\":\"t1\"", "\"tripId\":42"), DeadLetterReason.WRONG_TYPE, "'tripId'");
        rejected(TRIP.replace("2001-01-01T06:01:00Z", "2001-13-45T06:01:00Z"), DeadLetterReason.WRONG_TYPE,
                "2001-13-45T06:01:00Z");
        rejected(TRIP.replace("07:02:03.500Z", "05:00:00Z"), DeadLetterReason.INVALID_VALUE, "arrivedAt");
        rejected("{\"region\":\"r\",\"zone\":\"A\",\"at\":\"2001-01-01T00:00:00Z\",\"count\":\"many\"}",
                DeadLetterReason.WRONG_TYPE, "'many'");
        rejected("{\"region\":\"r\",\"zone\":\"A\",\"count\":1}", DeadLetterReason.MISSING_FIELD, "'at'");
        rejected("{\"region\":\"r\"}", DeadLetterReason.MISSING_FIELD, "tripId");
        Rejection key = assertInstanceOf(Rejection.class,
                RecordCodec.parse("other".getBytes(StandardCharsets.UTF_8), TRIP.getBytes(StandardCharsets.UTF_8)));
        assertEquals(DeadLetterReason.KEY_MISMATCH, key.reason());
        CountEvent nan = assertInstanceOf(CountEvent.class,
                parse("{\"region\":\"r\",\"zone\":\"A\",\"at\":\"2001-01-01T00:00:00Z\",\"count\":\"NaN\"}"));
        assertTrue(Double.isNaN(nan.count()), "NaN passes the parser; the binner rejects it as INVALID_VALUE");
    }

    @Test
    void schemas_requiredFields_eachMissingOneIsRejectedNamingIt() throws Exception {
        ObjectMapper om = new ObjectMapper();
        check(om, "schemas/trip.schema.json", TRIP);
        check(om, "schemas/count.schema.json", "{\"region\":\"r\",\"zone\":\"A\",\"at\":\"2001-01-01T00:00:00Z\",\"count\":1}");
    }

    private static void check(ObjectMapper om, String schema, String valid) throws Exception {
        JsonNode s;
        try (InputStream in = RecordCodecTest.class.getClassLoader().getResourceAsStream(schema)) {
            s = om.readTree(in);
        }
        List<String> required = new ArrayList<>();
        s.get("required").forEach(n -> required.add(n.asText()));
        assertTrue(required.size() >= 4, schema);
        assertInstanceOf(IngestEvent.class, parse(valid));
        for (String f : required) {
            ObjectNode o = (ObjectNode) om.readTree(valid);
            o.remove(f);
            Rejection r = assertInstanceOf(Rejection.class, parse(o.toString()), schema + " without " + f);
            assertEquals(DeadLetterReason.MISSING_FIELD, r.reason(), r.message());
            if (!f.equals("tripId") && !f.equals("count")) {
                assertTrue(r.message().contains("'" + f + "'"), r.message());
            }
        }
    }
}
