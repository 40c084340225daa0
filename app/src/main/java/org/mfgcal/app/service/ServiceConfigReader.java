package org.mfgcal.app.service;

import static org.mfgcal.app.service.ServiceConfig.ENV;
import static org.mfgcal.app.service.ServiceConfig.YAML;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.OnlineSettings;
import org.mfgcal.ingest.DeadLetters;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.kafka.OutputTopics;
import org.mfgcal.publisher.kafka.OutputWriterConfig;
import org.mfgcal.publisher.metrics.MetricsServer;
import org.mfgcal.publisher.web.DashboardState;
import org.mfgcal.publisher.web.WebServer;
import org.mfgcal.app.service.ServiceConfig.Defaults;
import org.mfgcal.app.service.ServiceConfig.Model;

/**
 * Reads a {@link ServiceConfig} from its YAML tree (layout in {@link ServiceConfig}'s class comment), naming each
 * field by its dotted path in every error. The {@code model:} block takes the flat settings of
 * {@link org.mfgcal.calibrator.online.OnlineSettings#ALL}. Not thread-safe; one per file read.
 */
final class ServiceConfigReader {
    private final String source;
    private final UnaryOperator<String> env;

    ServiceConfigReader(String source, UnaryOperator<String> env) {
        this.source = source;
        this.env = env;
    }

    ServiceConfig config(JsonNode root, Path baseDir) {
        keys(root, "", "kafka", "topics", "regions", "model", "calibrationThreads", "http");
        JsonNode k = object(root, "kafka", true);
        keys(k, "kafka", "bootstrapServers", "groupId", "transactionalId", "properties");
        String bootstrap = string(k, "kafka.bootstrapServers", true);
        String group = or(string(k, "kafka.groupId", false), Defaults.GROUP_ID);
        String txId = or(string(k, "kafka.transactionalId", false), Defaults.TRANSACTIONAL_ID);
        Map<String, String> props = new LinkedHashMap<>();
        JsonNode p = object(k, "kafka.properties", false);
        if (p != null) {
            for (Map.Entry<String, JsonNode> e : p.properties()) {
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw new IllegalArgumentException("field 'kafka.properties." + e.getKey()
                            + "' must be a string, number or boolean, got " + e.getValue());
                }
                props.put(e.getKey(), substitute("kafka.properties." + e.getKey(), e.getValue().asText()));
            }
        }

        JsonNode t = object(root, "topics", false);
        List<String> input = Defaults.INPUT_TOPICS;
        String dlq = Defaults.DEAD_LETTER_TOPIC;
        OutputTopics out = OutputTopics.DEFAULT;
        boolean create = Defaults.CREATE_TOPICS;
        int partitions = Defaults.PARTITIONS;
        int rf = Defaults.REPLICATION_FACTOR;
        if (t != null) {
            keys(t, "topics", "input", "deadLetters", "parameters", "forecasts", "alerts", "state", "create",
                    "partitions", "replicationFactor");
            JsonNode in = t.get("input");
            if (in != null) {
                List<String> names = new ArrayList<>();
                if (in.isTextual()) {
                    names.add(in.asText());
                } else if (in.isArray()) {
                    for (JsonNode n : in) {
                        if (!n.isTextual()) {
                            throw new IllegalArgumentException("field 'topics.input' must list topic names, got " + in);
                        }
                        names.add(n.asText());
                    }
                } else {
                    throw new IllegalArgumentException("field 'topics.input' must be a topic name or a list of"
                            + " them, got " + in);
                }
                input = names;
            }
            dlq = or(string(t, "topics.deadLetters", false), dlq);
            out = new OutputTopics(or(string(t, "topics.parameters", false), out.parameters()),
                    or(string(t, "topics.forecasts", false), out.forecasts()),
                    or(string(t, "topics.alerts", false), out.alerts()),
                    or(string(t, "topics.state", false), out.state()));
            create = bool(t, "topics.create", create);
            partitions = integer(t, "topics.partitions", partitions);
            rf = integer(t, "topics.replicationFactor", rf);
            if (rf < 1 || rf > Short.MAX_VALUE) {
                throw new IllegalArgumentException("field 'topics.replicationFactor' must be >= 1, got " + rf);
            }
        }

        String regionsSpec = or(string(root, "regions", false), Defaults.REGIONS);
        RegionConfigs regions;
        if (regionsSpec.startsWith("classpath:")) {
            regions = RegionConfigs.loadSpec(regionsSpec);
        } else {
            Path rp = baseDir == null ? Path.of(regionsSpec) : baseDir.resolve(regionsSpec);
            if (!Files.isRegularFile(rp)) {
                throw new IllegalArgumentException("field 'regions' must name a region config file, got '"
                        + regionsSpec + "' (" + rp + " does not exist)");
            }
            regions = RegionConfigs.load(rp);
        }

        Model model = Model.DEFAULTS;
        JsonNode m = object(root, "model", false);
        if (m != null) {
            keys(m, "model", OnlineSettings.ALL.stream().map(OnlineSettings.Setting::name)
                    .toArray(String[]::new));
            for (OnlineSettings.Setting st : OnlineSettings.ALL) {
                String path = "model." + st.name();
                Object v = st.type() == Integer.class ? optInt(m, path) : st.type() == Long.class
                        ? optLong(m, path) : st.type() == Double.class ? optDouble(m, path)
                        : string(m, path, false);
                model = model.with(st.name(), v);
            }
        }
        int threads = integer(root, "calibrationThreads", Defaults.CALIBRATION_THREADS);

        HttpEndpoint metrics = MetricsServer.DEFAULT_ENDPOINT;
        HttpEndpoint web = WebServer.DEFAULT_ENDPOINT;
        int bins = Defaults.DASHBOARD_BINS;
        JsonNode h = object(root, "http", false);
        if (h != null) {
            keys(h, "http", "metrics", "web", "dashboardBins");
            metrics = endpoint(h, "metrics", metrics);
            web = endpoint(h, "web", web);
            bins = integer(h, "http.dashboardBins", bins);
        }
        return new ServiceConfig(bootstrap, group, txId, props, input, dlq, out, create, partitions, (short) rf,
                regions, model, threads, metrics, web, bins);
    }

    private HttpEndpoint endpoint(JsonNode h, String name, HttpEndpoint dflt) {
        JsonNode e = object(h, "http." + name, false);
        if (e == null) {
            return dflt;
        }
        keys(e, "http." + name, "host", "port");
        String host = or(string(e, "http." + name + ".host", false), dflt.host());
        int port = integer(e, "http." + name + ".port", dflt.port());
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("field 'http." + name + ".port' must be in 0..65535, got " + port);
        }
        return new HttpEndpoint(host, port);
    }

    private void keys(JsonNode node, String path, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!ok.contains(key)) {
                throw new IllegalArgumentException("unknown field '" + (path.isEmpty() ? "" : path + ".") + key
                        + "'; allowed here: " + new TreeSet<>(ok));
            }
        }
    }

    private JsonNode object(JsonNode parent, String name, boolean required) {
        JsonNode n = parent.get(name.substring(name.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            if (required) {
                throw new IllegalArgumentException("field '" + name + "' is required");
            }
            return null;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException("field '" + name + "' must be a mapping, got " + n);
        }
        return n;
    }

    private String string(JsonNode parent, String path, boolean required) {
        JsonNode n = parent.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            if (required) {
                throw new IllegalArgumentException("field '" + path + "' is required");
            }
            return null;
        }
        if (!n.isValueNode() || n.isBoolean()) {
            throw new IllegalArgumentException("field '" + path + "' must be a string, got " + n);
        }
        return substitute(path, n.asText());
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

    private int integer(JsonNode parent, String path, int dflt) {
        Integer v = optInt(parent, path);
        return v == null ? dflt : v;
    }

    private boolean bool(JsonNode parent, String path, boolean dflt) {
        JsonNode n = parent.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new IllegalArgumentException("field '" + path + "' must be true or false, got " + n);
        }
        return n.asBoolean();
    }

    private Integer optInt(JsonNode parent, String path) {
        Long v = optLong(parent, path);
        if (v == null) {
            return null;
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("field '" + path + "' is out of range, got " + v);
        }
        return v.intValue();
    }

    private Long optLong(JsonNode parent, String path) {
        JsonNode n = parent.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + path + "' must be an integer, got " + n);
        }
        return n.asLong();
    }

    private Double optDouble(JsonNode parent, String path) {
        JsonNode n = parent.get(path.substring(path.lastIndexOf('.') + 1));
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new IllegalArgumentException("field '" + path + "' must be a finite number, got " + n);
        }
        return n.asDouble();
    }

    private static String or(String v, String dflt) {
        return v == null ? dflt : v;
    }
}
