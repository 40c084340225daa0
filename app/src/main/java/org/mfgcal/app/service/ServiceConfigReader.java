package org.mfgcal.app.service;

import static org.mfgcal.app.service.ServiceConfig.ENV;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mfgcal.app.service.ServiceConfig.Defaults;
import org.mfgcal.app.service.ServiceConfig.Model;
import org.mfgcal.calibrator.online.OnlineSettings;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.kafka.OutputTopics;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.web.WebServer;

/**
 * Reads a {@link ServiceConfig} from its YAML tree (layout in {@link ServiceConfig}'s class comment): {@code ${VAR}}
 * substituted in every string, then bound by Jackson into the {@link Layout} records (no coercion: a number is not a
 * flag, a fraction not an integer; unknown keys rejected), whose constructors put the defaults in place; the
 * {@code model:} block takes the flat settings of {@link OnlineSettings#ALL}. Every error names the field by its
 * dotted path and the value. Not thread-safe; one per file read.
 */
final class ServiceConfigReader {

    /** Binds the layout: strict types, unknown keys fail. */
    private static final YAMLMapper BINDER = binder();

    /**
     * The file as written; a key not given takes its default here (the constants of {@link Defaults} and of the
     * records they come from, each named once).
     */
    record Layout(Kafka kafka, Topics topics, String regions, Map<String, JsonNode> model,
                  Integer calibrationThreads, Http http) {
        Layout {
            topics = topics == null ? new Topics(null, null, null, null, null, null, null, null, null, null) : topics;
            regions = regions == null ? Defaults.REGIONS : regions;
            model = model == null ? Map.of() : model;
            calibrationThreads = calibrationThreads == null ? Defaults.CALIBRATION_THREADS : calibrationThreads;
            http = http == null ? new Http(null, null, null) : http;
        }
    }

    record Kafka(String bootstrapServers, String groupId, String transactionalId, Map<String, JsonNode> properties) {
        Kafka {
            groupId = groupId == null ? Defaults.GROUP_ID : groupId;
            transactionalId = transactionalId == null ? Defaults.TRANSACTIONAL_ID : transactionalId;
            properties = properties == null ? Map.of() : properties;
        }
    }

    record Topics(@JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> input,
                  String deadLetters, String parameters, String forecasts, String alerts, String state,
                  Boolean create, Integer partitions, Integer replicationFactor, Integer stateSnapshotBins) {
        Topics {
            input = input == null ? Defaults.INPUT_TOPICS : input;
            deadLetters = deadLetters == null ? Defaults.DEAD_LETTER_TOPIC : deadLetters;
            OutputTopics d = OutputTopics.DEFAULT;
            parameters = parameters == null ? d.parameters() : parameters;
            forecasts = forecasts == null ? d.forecasts() : forecasts;
            alerts = alerts == null ? d.alerts() : alerts;
            state = state == null ? d.state() : state;
            create = create == null ? Defaults.CREATE_TOPICS : create;
            partitions = partitions == null ? Defaults.PARTITIONS : partitions;
            replicationFactor = replicationFactor == null ? Defaults.REPLICATION_FACTOR : replicationFactor;
            stateSnapshotBins = stateSnapshotBins == null ? Defaults.STATE_SNAPSHOT_BINS : stateSnapshotBins;
            if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
                throw new IllegalArgumentException("field 'topics.replicationFactor' must be >= 1, got "
                        + replicationFactor);
            }
        }
    }

    record Http(Endpoint metrics, Endpoint web, Integer dashboardBins) {
        Http {
            metrics = metrics == null ? Endpoint.of(MetricsServer.DEFAULT_ENDPOINT) : metrics.or(
                    MetricsServer.DEFAULT_ENDPOINT);
            web = web == null ? Endpoint.of(WebServer.DEFAULT_ENDPOINT) : web.or(WebServer.DEFAULT_ENDPOINT);
            dashboardBins = dashboardBins == null ? Defaults.DASHBOARD_BINS : dashboardBins;
        }
    }

    /** An endpoint as written; unset parts take the server's default ({@link #or}). */
    record Endpoint(String host, Integer port) {
        Endpoint {
            if (port != null && (port < 0 || port > 65535)) {
                throw new IllegalArgumentException("field 'port' must be in 0..65535, got " + port);
            }
        }

        static Endpoint of(HttpEndpoint e) {
            return new Endpoint(e.host(), e.port());
        }

        Endpoint or(HttpEndpoint dflt) {
            return new Endpoint(host == null ? dflt.host() : host, port == null ? dflt.port() : port);
        }

        HttpEndpoint endpoint() {
            return new HttpEndpoint(host, port);
        }
    }

    private final UnaryOperator<String> env;

    ServiceConfigReader(UnaryOperator<String> env) {
        this.env = env;
    }

    ServiceConfig config(JsonNode root, Path baseDir) {
        substitute(root, "");
        Layout f = bind(root);
        // required keys are checked after binding, so that a misspelt one is reported as unknown first
        Kafka k = f.kafka();
        if (k == null) {
            throw new IllegalArgumentException("field 'kafka' is required");
        }
        if (k.bootstrapServers() == null) {
            throw new IllegalArgumentException("field 'kafka.bootstrapServers' is required");
        }
        Map<String, String> props = new LinkedHashMap<>();
        k.properties().forEach((key, v) -> {
            if (!v.isValueNode() || v.isNull()) {
                throw new IllegalArgumentException("field 'kafka.properties." + key
                        + "' must be a string, number or boolean, got " + v);
            }
            props.put(key, v.asText());
        });
        Topics t = f.topics();
        OutputTopics out = new OutputTopics(t.parameters(), t.forecasts(), t.alerts(), t.state());
        Http h = f.http();
        return new ServiceConfig(k.bootstrapServers(), k.groupId(), k.transactionalId(), props, t.input(),
                t.deadLetters(), out, t.create(), t.partitions(), (short) (int) t.replicationFactor(),
                regions(f.regions(), baseDir), model(f.model()), f.calibrationThreads(), h.metrics().endpoint(),
                h.web().endpoint(), h.dashboardBins(), t.stateSnapshotBins());
    }

    private static RegionConfigs regions(String spec, Path baseDir) {
        if (spec.startsWith("classpath:")) {
            return RegionConfigs.loadSpec(spec);
        }
        Path rp = baseDir == null ? Path.of(spec) : baseDir.resolve(spec);
        if (!Files.isRegularFile(rp)) {
            throw new IllegalArgumentException("field 'regions' must name a region config file, got '" + spec
                    + "' (" + rp + " does not exist)");
        }
        return RegionConfigs.load(rp);
    }

    /**
     * The {@code model:} block: each key a setting of {@link OnlineSettings#ALL} with a value of the setting's type,
     * or a group of them ({@code drift: {rateThreshold: 4}}, {@link OnlineSettings#groups()}); a setting given both
     * ways is an error.
     */
    private static Model model(Map<String, JsonNode> block) {
        Set<String> names = new TreeSet<>();
        OnlineSettings.ALL.forEach(st -> names.add(st.name()));
        List<String> groups = OnlineSettings.groups();
        Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
        Map<String, String> paths = new java.util.HashMap<>();
        for (Map.Entry<String, JsonNode> e : block.entrySet()) {
            String key = e.getKey();
            if (groups.contains(key) && e.getValue() != null && !e.getValue().isNull()) {
                if (!e.getValue().isObject()) {
                    throw new IllegalArgumentException("field 'model." + key + "' must be a mapping of its settings, got "
                            + e.getValue());
                }
                for (Map.Entry<String, JsonNode> g : e.getValue().properties()) {
                    String path = "model." + key + "." + g.getKey();
                    boolean member = OnlineSettings.ALL.stream().anyMatch(st -> st.name().equals(g.getKey())
                            && key.equals(st.group()));
                    if (!member) {
                        throw new IllegalArgumentException("unknown field '" + path + "'; allowed here: "
                                + OnlineSettings.ALL.stream().filter(st -> key.equals(st.group())).map(OnlineSettings.Setting::name)
                                .toList());
                    }
                    put(m, paths, g.getKey(), g.getValue(), path);
                }
            } else if (names.contains(key)) {
                put(m, paths, key, e.getValue(), "model." + key);
            } else {
                throw new IllegalArgumentException("unknown field 'model." + key + "'; allowed here: " + names
                        + " or a group " + groups);
            }
        }
        Model model = Model.DEFAULTS;
        for (OnlineSettings.Setting st : OnlineSettings.ALL) {
            JsonNode n = m.get(st.name());
            if (n == null || n.isNull()) {
                continue;
            }
            String path = paths.get(st.name());
            Object v;
            if (st.type() == Integer.class || st.type() == Long.class) {
                if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                    throw new IllegalArgumentException("field '" + path + "' must be an integer, got " + n);
                }
                if (st.type() == Integer.class && !n.canConvertToInt()) {
                    throw new IllegalArgumentException("field '" + path + "' is out of range, got " + n);
                }
                v = st.type() == Integer.class ? (Object) n.asInt() : (Object) n.asLong();
            } else if (st.type() == Double.class) {
                if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
                    throw new IllegalArgumentException("field '" + path + "' must be a finite number, got " + n);
                }
                v = n.asDouble();
            } else {
                if (!n.isValueNode() || n.isBoolean()) {
                    throw new IllegalArgumentException("field '" + path + "' must be a string, got " + n);
                }
                v = n.asText();
            }
            model = model.with(st.name(), v);
        }
        return model;
    }

    private static void put(Map<String, JsonNode> m, Map<String, String> paths, String name, JsonNode value, String path) {
        String before = paths.putIfAbsent(name, path);
        if (before != null) {
            throw new IllegalArgumentException("field '" + path + "' is also given as '" + before + "'");
        }
        m.put(name, value);
    }

    /** Replaces {@code ${VAR}} in every string of the tree; an unset variable is an error naming the field. */
    private void substitute(JsonNode node, String path) {
        if (node instanceof ObjectNode o) {
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getValue().isTextual()) {
                    e.setValue(new TextNode(substitute(p, e.getValue().asText())));
                } else {
                    substitute(e.getValue(), p);
                }
            }
        }
    }

    private String substitute(String path, String value) {
        Matcher m = ENV.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                throw new IllegalArgumentException("field '" + path + "' refers to environment variable ${"
                        + m.group(1) + "}, which is not set");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Binds the tree; Jackson's errors become messages naming the field by its dotted path and the value. */
    private static Layout bind(JsonNode root) {
        try {
            return BINDER.treeToValue(root, Layout.class);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(message(e, root), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e.getOriginalMessage(), e);
        }
    }

    static String message(JsonMappingException e, JsonNode root) {
        List<String> names = new ArrayList<>();
        JsonNode at = root;
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                names.add(r.getFieldName());
                at = at == null ? null : at.get(r.getFieldName());
            } else if (at != null && at.isArray()) {
                names.add(Integer.toString(r.getIndex()));
                at = at.get(r.getIndex());
            } // else a single value read as a list: the field itself
        }
        String path = String.join(".", names);
        if (e instanceof UnrecognizedPropertyException u) {
            Set<String> ok = new TreeSet<>();
            u.getKnownPropertyIds().forEach(id -> ok.add(String.valueOf(id)));
            return "unknown field '" + path + "'; allowed here: " + ok;
        }
        Throwable cause = e.getCause();
        if (e instanceof ValueInstantiationException && cause instanceof IllegalArgumentException) {
            String m = cause.getMessage();
            // a record's own check names its field relative to the record, or by its whole path
            String prefix = path.isEmpty() ? "" : path + ".";
            return m.startsWith("field '" + prefix) || prefix.isEmpty() || !m.startsWith("field '") ? m
                    : "field '" + prefix + m.substring("field '".length());
        }
        if (cause instanceof InputCoercionException) {
            return "field '" + path + "' is out of range, got " + at;
        }
        Class<?> type = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mi
                ? mi.getTargetType() : null;
        return "field '" + path + "' must be " + kind(type) + ", got " + at;
    }

    private static String kind(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type != null && (List.class.isAssignableFrom(type) || type.isArray())) {
            return "a list";
        }
        return type == null ? "of another type" : "a mapping";
    }

    private static YAMLMapper binder() {
        YAMLMapper m = YAMLMapper.builder()
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        m.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }
}
