package org.mfgcal.publisher.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of the output records ({@code ParameterUpdate}, {@code Forecast}, {@code DriftAlert}), the same
 * for the Kafka topics, the {@code online} command's JSON-lines files and the web page.
 *
 * <p>Contract: one compact line per record (no line breaks), field names as the record components, enums by
 * name (the records reject non-finite numbers at construction, so the output is always valid JSON). The schemas are classpath resources
 * {@link #PARAMETER_UPDATE_SCHEMA}, {@link #FORECAST_SCHEMA}, {@link #DRIFT_ALERT_SCHEMA}. Unknown fields are
 * ignored when reading, so consumers survive added fields. Thread-safe (the mapper is configured once, then
 * only used).
 */
public final class OutputJson {

    /** Classpath resource of the {@code mfg.parameters} value schema. */
    public static final String PARAMETER_UPDATE_SCHEMA = "/schemas/parameter-update.schema.json";
    /** Classpath resource of the {@code mfg.forecasts} value schema. */
    public static final String FORECAST_SCHEMA = "/schemas/forecast.schema.json";
    /** Classpath resource of the {@code mfg.alerts} value schema. */
    public static final String DRIFT_ALERT_SCHEMA = "/schemas/drift-alert.schema.json";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private OutputJson() {
    }

    /** The shared mapper (do not reconfigure). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** {@code value} as one line of JSON. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** {@code value} as UTF-8 JSON bytes. */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** Reads a record of {@code type} from JSON bytes. */
    public static <T> T read(byte[] json, Class<T> type) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + type.getSimpleName() + " from JSON: " + e.getMessage(), e);
        }
    }
}
