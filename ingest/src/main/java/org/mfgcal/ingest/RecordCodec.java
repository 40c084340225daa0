package org.mfgcal.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * Parses and writes the JSON input records documented by {@code schemas/trip.schema.json} and
 * {@code schemas/count.schema.json} (on the class path).
 *
 * <ul>
 *   <li>trip: {@code {"region","tripId","origin","destination","departedAt","arrivedAt"?}}</li>
 *   <li>count: {@code {"region","zone","at","count"}}</li>
 * </ul>
 * A record with a {@code tripId} field is a trip; otherwise one with {@code count} or {@code zone} is a count.
 * Timestamps are ISO-8601 strings with a zone designator ({@code 2001-01-01T06:01:00Z},
 * {@code 2001-01-01T00:01:00-06:00}); unknown fields are ignored. Range checks that need the region config
 * (zones, counts, lateness) are the binner's.
 *
 * <p>Canonical valid records (no whitespace, no escapes, {@code Z} timestamps) take a byte-level fast path
 * ({@link FastRecordParser}); everything else, and every rejection, goes through Jackson, so reasons and
 * messages do not depend on the path.
 *
 * <p>Contract: stateless and thread-safe. Parsing never throws: bad input gives a {@link Rejection} naming the
 * field and the value.
 */
public final class RecordCodec {

    private static final JsonFactory JSON = new JsonFactory();

    private RecordCodec() {
    }

    /**
     * Parses one record value; when {@code key} is not null it must equal the record's region.
     *
     * @param key   Kafka key bytes (UTF-8 region id), or {@code null} to skip the key check
     * @param value record bytes
     */
    public static ParseResult parse(byte[] key, byte[] value) {
        if (value == null) {
            return new Rejection(DeadLetterReason.MALFORMED_JSON, "record value is null (tombstone)");
        }
        IngestEvent fast = FastRecordParser.tryParse(key, value);
        return fast != null ? fast : parseGeneral(key, value);
    }

    /**
     * The general path of {@link #parse} (Jackson streaming): every record the byte-level
     * {@link FastRecordParser} does not take, and every rejection. Package-private for the differential test.
     */
    static ParseResult parseGeneral(byte[] key, byte[] value) {
        if (value == null) {
            return new Rejection(DeadLetterReason.MALFORMED_JSON, "record value is null (tombstone)");
        }
        String region = null;
        String tripId = null;
        String origin = null;
        String destination = null;
        String zone = null;
        String departedAt = null;
        String arrivedAt = null;
        String at = null;
        double count = Double.NaN;
        boolean hasCount = false;
        boolean arrivedNull = false;
        try (JsonParser p = JSON.createParser(value)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Rejection(DeadLetterReason.MALFORMED_JSON, "record is not a JSON object: " + preview(value));
            }
            JsonToken tok;
            while ((tok = p.nextToken()) == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                JsonToken v = p.nextToken();
                switch (f) {
                    case "region":
                        region = str(p, v, f);
                        break;
                    case "tripId":
                        tripId = str(p, v, f);
                        break;
                    case "origin":
                        origin = str(p, v, f);
                        break;
                    case "destination":
                        destination = str(p, v, f);
                        break;
                    case "zone":
                        zone = str(p, v, f);
                        break;
                    case "departedAt":
                        departedAt = str(p, v, f);
                        break;
                    case "arrivedAt":
                        arrivedAt = str(p, v, f);
                        arrivedNull = v == JsonToken.VALUE_NULL;
                        break;
                    case "at":
                        at = str(p, v, f);
                        break;
                    case "count":
                        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                            count = p.getDoubleValue();
                            hasCount = true;
                        } else if (v == JsonToken.VALUE_STRING && isNanLiteral(p.getText())) {
                            count = Double.NaN;
                            hasCount = true;
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new FieldType(f, "a number", render(p, v));
                        }
                        break;
                    default:
                        p.skipChildren();
                }
            }
            if (tok != JsonToken.END_OBJECT || p.nextToken() != null) {
                return new Rejection(DeadLetterReason.MALFORMED_JSON, "trailing content after the JSON object: "
                        + preview(value));
            }
        } catch (FieldType e) {
            return new Rejection(DeadLetterReason.WRONG_TYPE, e.getMessage());
        } catch (IOException | RuntimeException e) {
            return new Rejection(DeadLetterReason.MALFORMED_JSON, "not valid JSON (" + firstLine(e.getMessage()) + "): "
                    + preview(value));
        }
        if (region == null) {
            return missing("region");
        }
        if (key != null) {
            String k = new String(key, StandardCharsets.UTF_8);
            if (!k.equals(region)) {
                return new Rejection(DeadLetterReason.KEY_MISMATCH, "Kafka key '" + k + "' differs from field 'region' '"
                        + region + "'");
            }
        }
        if (tripId != null) {
            if (origin == null) {
                return missing("origin");
            }
            if (destination == null) {
                return missing("destination");
            }
            if (departedAt == null) {
                return missing("departedAt");
            }
            long dep;
            long arr = TripEvent.NO_ARRIVAL;
            try {
                dep = parseInstant(departedAt);
            } catch (DateTimeParseException e) {
                return badTime("departedAt", departedAt);
            }
            if (arrivedAt != null) {
                try {
                    arr = parseInstant(arrivedAt);
                } catch (DateTimeParseException e) {
                    return badTime("arrivedAt", arrivedAt);
                }
                if (arr < dep) {
                    return new Rejection(DeadLetterReason.INVALID_VALUE, "field 'arrivedAt' " + arrivedAt
                            + " is before field 'departedAt' " + departedAt);
                }
            } else if (arrivedNull) {
                arr = TripEvent.NO_ARRIVAL;
            }
            return new TripEvent(region, tripId, origin, destination, dep, arr);
        }
        if (hasCount || zone != null || at != null) {
            if (zone == null) {
                return missing("zone");
            }
            if (at == null) {
                return missing("at");
            }
            if (!hasCount) {
                return missing("count");
            }
            long t;
            try {
                t = parseInstant(at);
            } catch (DateTimeParseException e) {
                return badTime("at", at);
            }
            return new CountEvent(region, zone, t, count);
        }
        return new Rejection(DeadLetterReason.MISSING_FIELD,
                "record has neither field 'tripId' (trip record) nor field 'count' (count record)");
    }

    private static boolean isNanLiteral(String s) {
        return "NaN".equals(s) || "Infinity".equals(s) || "-Infinity".equals(s);
    }

    private static Rejection missing(String field) {
        return new Rejection(DeadLetterReason.MISSING_FIELD, "required field '" + field + "' is missing or null");
    }

    private static Rejection badTime(String field, String value) {
        return new Rejection(DeadLetterReason.WRONG_TYPE, "field '" + field
                + "' must be an ISO-8601 instant such as 2001-01-01T06:00:00Z, got '" + clip(value) + "'");
    }

    private static String str(JsonParser p, JsonToken v, String field) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new FieldType(field, "a string", render(p, v));
    }

    private static String render(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
            return v == JsonToken.START_OBJECT ? "an object" : "an array";
        }
        return v.isScalarValue() ? "'" + clip(p.getText()) + "'" : String.valueOf(v);
    }

    /** Thrown inside the parse loop when a field has the wrong JSON type. */
    private static final class FieldType extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FieldType(String field, String expected, String got) {
            super("field '" + field + "' must be " + expected + ", got " + got, null, false, false);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String preview(byte[] v) {
        return "'" + clip(new String(v, 0, Math.min(v.length, 120), StandardCharsets.UTF_8)) + "'";
    }

    /**
     * Parses an ISO-8601 instant with zone designator to epoch ms. Fast path for
     * {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z}; other forms go through {@link OffsetDateTime}.
     *
     * @throws DateTimeParseException when the text is not such an instant
     */
    public static long parseInstant(String s) {
        int n = s.length();
        if ((n == 20 || n == 24) && s.charAt(n - 1) == 'Z' && s.charAt(4) == '-' && s.charAt(7) == '-'
                && s.charAt(10) == 'T' && s.charAt(13) == ':' && s.charAt(16) == ':' && (n == 20 || s.charAt(19) == '.')) {
            int y = digits(s, 0, 4);
            int mo = digits(s, 5, 2);
            int dd = digits(s, 8, 2);
            int hh = digits(s, 11, 2);
            int mi = digits(s, 14, 2);
            int ss = digits(s, 17, 2);
            int ms = n == 24 ? digits(s, 20, 3) : 0;
            if (y >= 0 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= java.time.YearMonth.of(y, mo).lengthOfMonth()
                    && hh >= 0 && hh <= 23 && mi >= 0 && mi <= 59 && ss >= 0 && ss <= 59 && ms >= 0) {
                long days = java.time.LocalDate.of(y, mo, dd).toEpochDay();
                return ((days * 24 + hh) * 60 + mi) * 60_000L + ss * 1000L + ms;
            }
        }
        try {
            return OffsetDateTime.parse(s).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            return Instant.parse(s).toEpochMilli();
        }
    }

    private static int digits(String s, int from, int len) {
        int v = 0;
        for (int i = from; i < from + len; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** JSON text of a trip record (the form the schema documents). */
    public static String toJson(TripEvent t) {
        StringBuilder sb = new StringBuilder(160);
        sb.append("{\"region\":");
        quote(sb, t.region());
        sb.append(",\"tripId\":");
        quote(sb, t.tripId());
        sb.append(",\"origin\":");
        quote(sb, t.origin());
        sb.append(",\"destination\":");
        quote(sb, t.destination());
        sb.append(",\"departedAt\":\"");
        appendInstant(sb, t.departedAtMillis());
        sb.append('"');
        if (t.hasArrival()) {
            sb.append(",\"arrivedAt\":\"");
            appendInstant(sb, t.arrivedAtMillis());
            sb.append('"');
        }
        return sb.append('}').toString();
    }

    /** JSON text of a count record. */
    public static String toJson(CountEvent c) {
        StringBuilder sb = new StringBuilder(100);
        sb.append("{\"region\":");
        quote(sb, c.region());
        sb.append(",\"zone\":");
        quote(sb, c.zone());
        sb.append(",\"at\":\"");
        appendInstant(sb, c.atMillis());
        sb.append('"');
        sb.append(",\"count\":");
        if (Double.isFinite(c.count())) {
            sb.append(c.count());
        } else {
            sb.append('"').append(c.count()).append('"');
        }
        return sb.append('}').toString();
    }

    /**
     * Appends an instant as {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z} (the form {@link Instant#toString()} gives for
     * years 0000..9999 and whole milliseconds), without a formatter: the replay writes two per record.
     */
    static void appendInstant(StringBuilder sb, long epochMillis) {
        long days = Math.floorDiv(epochMillis, 86_400_000L);
        long msOfDay = Math.floorMod(epochMillis, 86_400_000L);
        java.time.LocalDate d = java.time.LocalDate.ofEpochDay(days);
        int y = d.getYear();
        if (y < 0 || y > 9999) {
            sb.append(Instant.ofEpochMilli(epochMillis));
            return;
        }
        pad(sb, y, 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append('T');
        int secs = (int) (msOfDay / 1000);
        pad(sb, secs / 3600, 2).append(':');
        pad(sb, secs / 60 % 60, 2).append(':');
        pad(sb, secs % 60, 2);
        int ms = (int) (msOfDay % 1000);
        if (ms != 0) {
            pad(sb.append('.'), ms, 3);
        }
        sb.append('Z');
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        for (int p = width == 4 ? 1000 : width == 3 ? 100 : 10; p > 1 && v < p; p /= 10) {
            sb.append('0');
        }
        return sb.append(v);
    }

    /** JSON text of either record type. */
    public static String toJson(IngestEvent e) {
        return e instanceof TripEvent t ? toJson(t) : toJson((CountEvent) e);
    }

    /**
     * UTF-8 bytes of {@link #toJson(IngestEvent)}. A trip whose ids are printable ASCII without quotes or
     * backslashes, with instants in years 0000..9999, is written straight into an exact-size array (no
     * StringBuilder, no String, no encoder): the replay calls this once per record and the producer thread
     * shares the two cores with the pipeline (ingest/BENCHMARKS.md); that path is {@link TripBytes}.
     */
    public static byte[] toBytes(IngestEvent e) {
        if (e instanceof TripEvent t) {
            byte[] b = TripBytes.of(t);
            if (b != null) {
                return b;
            }
        }
        return toJson(e).getBytes(StandardCharsets.UTF_8);
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
