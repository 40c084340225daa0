package org.mfgcal.app.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

/**
 * Configuration of the running service ({@code mfgcal serve --config FILE.yaml}; {@code mfgcal demo} builds one in
 * code). The YAML layout, every key optional unless marked:
 *
 * <pre>
 * kafka:
 *   bootstrapServers: host:port[,host:port]   # required
 *   groupId: mfgcal                            # consumer group of the input topics
 *   transactionalId: mfgcal-0                  # one per instance; a restarted instance fences its predecessor
 *   properties: {}                             # any Kafka client property, passed to consumer, producers and admin
 *                                              # (security.protocol, sasl.*, ssl.*); ${ENV_VAR} is substituted
 * topics:
 *   input: [mfg.trips]                         # trip and/or count records, key = region
 *   deadLetters: mfg.deadletters
 *   parameters: mfg.parameters
 *   forecasts: mfg.forecasts
 *   alerts: mfg.alerts
 *   state: mfg.state                           # compacted
 *   create: true                               # create missing topics at start
 *   partitions: 3                              # partitions of created topics
 *   replicationFactor: 1                       # replication of created topics
 * regions: classpath:data/flights/region-flights.yaml   # region config (ingest's layout), path relative to this file
 * model:                                       # online loop, per region; unset = OnlineConfig.defaults(bin width)
 *   windowBins: 24                             # default: one day of bins
 *   seasonBins: 168                            # default: one week of bins
 *   seed: 20260101
 *   coldSteps: 300
 *   warmSteps: 8
 *   relativeTolerance: 1e-4
 *   controlCost: 1.0
 *   congestion: 0.5
 *   residualAllowance: 1.5
 *   residualThreshold: 10.0
 *   rateAllowance: 0.5
 *   rateThreshold: 1.0
 * calibrationThreads: 1                        # bounded pool of the solver; default min(4, max(1, cores - 1))
 * http:
 *   metrics: {host: 127.0.0.1, port: 9464}     # Prometheus text at /metrics
 *   web: {host: 127.0.0.1, port: 8080}         # the web page
 *   dashboardBins: 288                         # bins kept per series on the web page
 * </pre>
 *
 * <p>Unknown keys are rejected (a typo must not silently fall back to a default). Every error names the file, the
 * field and the value. Defaults are the constants of {@link Defaults} and of the records they come from
 * ({@link OnlineConfig#defaults}, {@link OutputTopics#DEFAULT}, {@link MetricsServer#DEFAULT_ENDPOINT},
 * {@link WebServer#DEFAULT_ENDPOINT}).
 *
 * <p>Contract: immutable and validated on construction. Thread-safe.
 *
 * @param bootstrapServers   Kafka bootstrap servers
 * @param groupId            consumer group
 * @param transactionalId    transactional id of the output writer
 * @param kafkaProperties    client properties passed through to every Kafka client
 * @param inputTopics        input topics
 * @param deadLetterTopic    dead-letter topic
 * @param outputTopics       output topics
 * @param createTopics       whether missing topics are created at start
 * @param partitions         partitions of created topics
 * @param replicationFactor  replication factor of created topics
 * @param regions            region configs
 * @param model              online loop settings (unset fields: the loop's defaults for the region's bin width)
 * @param calibrationThreads threads of the bounded calibration pool
 * @param metricsEndpoint    where the Prometheus endpoint listens
 * @param webEndpoint        where the web page listens
 * @param dashboardBins      bins kept per series on the web page
 */
public record ServiceConfig(String bootstrapServers, String groupId, String transactionalId,
                            Map<String, String> kafkaProperties, List<String> inputTopics, String deadLetterTopic,
                            OutputTopics outputTopics, boolean createTopics, int partitions, short replicationFactor,
                            RegionConfigs regions, Model model, int calibrationThreads,
                            HttpEndpoint metricsEndpoint, HttpEndpoint webEndpoint, int dashboardBins) {

    /** The defaults of this record's own fields: defined here and nowhere else. */
    public static final class Defaults {
        public static final String GROUP_ID = "mfgcal";
        public static final String TRANSACTIONAL_ID = "mfgcal-0";
        public static final List<String> INPUT_TOPICS = List.of("mfg.trips");
        public static final String DEAD_LETTER_TOPIC = DeadLetters.TOPIC;
        public static final boolean CREATE_TOPICS = true;
        public static final int PARTITIONS = 3;
        public static final short REPLICATION_FACTOR = 1;
        public static final String REGIONS = FlightsData.REGION;
        public static final int CALIBRATION_THREADS =
                Math.min(4, Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
        public static final int DASHBOARD_BINS = DashboardState.DEFAULT_MAX_BINS;

        private Defaults() {
        }
    }

    /**
     * Client properties the service sets itself: the output writer's ({@link OutputWriterConfig#OWNED}), the
     * consumer group and exactly-once settings of the input consumer.
     */
    public static final Set<String> RESERVED_PROPERTIES = reserved();

    private static Set<String> reserved() {
        Set<String> s = new TreeSet<>(OutputWriterConfig.OWNED);
        s.addAll(List.of("group.id", "isolation.level", "enable.auto.commit", "key.deserializer",
                "value.deserializer"));
        return Set.copyOf(s);
    }

    private static final Pattern BOOTSTRAP = Pattern.compile("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*");
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public ServiceConfig {
        if (bootstrapServers == null || !BOOTSTRAP.matcher(bootstrapServers).matches()) {
            throw new IllegalArgumentException("field 'kafka.bootstrapServers' must be host:port[,host:port...], got "
                    + quote(bootstrapServers));
        }
        requireNonBlank("kafka.groupId", groupId);
        requireNonBlank("kafka.transactionalId", transactionalId);
        kafkaProperties = Map.copyOf(Objects.requireNonNullElse(kafkaProperties, Map.of()));
        for (String key : new TreeSet<>(kafkaProperties.keySet())) {
            if (RESERVED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("field 'kafka.properties." + key + "' is set by the service and"
                        + " cannot be overridden (value given: '" + kafkaProperties.get(key) + "'); reserved: "
                        + new TreeSet<>(RESERVED_PROPERTIES));
            }
        }
        if (inputTopics == null || inputTopics.isEmpty()) {
            throw new IllegalArgumentException("field 'topics.input' must name at least one topic, got " + inputTopics);
        }
        inputTopics = List.copyOf(inputTopics);
        for (String t : inputTopics) {
            requireTopic("topics.input", t);
        }
        requireTopic("topics.deadLetters", deadLetterTopic);
        Objects.requireNonNull(outputTopics, "outputTopics");
        Set<String> all = new TreeSet<>(inputTopics);
        for (String t : concat(List.of(deadLetterTopic), outputTopics.all())) {
            if (!all.add(t)) {
                throw new IllegalArgumentException("topics must all be different: '" + t + "' is used twice"
                        + " (input " + inputTopics + ", deadLetters " + deadLetterTopic + ", outputs " + outputTopics + ")");
            }
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("field 'topics.partitions' must be >= 1, got " + partitions);
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("field 'topics.replicationFactor' must be >= 1, got " + replicationFactor);
        }
        Objects.requireNonNull(regions, "regions");
        model = Objects.requireNonNullElse(model, Model.DEFAULTS);
        if (calibrationThreads < 1 || calibrationThreads > 64) {
            throw new IllegalArgumentException("field 'calibrationThreads' must be in 1..64, got " + calibrationThreads);
        }
        Objects.requireNonNull(metricsEndpoint, "metricsEndpoint");
        Objects.requireNonNull(webEndpoint, "webEndpoint");
        if (dashboardBins < 1 || dashboardBins > 100_000) {
            throw new IllegalArgumentException("field 'http.dashboardBins' must be in 1..100000, got " + dashboardBins);
        }
        for (RegionConfig r : regions.all()) {
            model.forRegion(r); // fails now, naming the region, if the model does not fit its bin width
        }
    }

    /** A config with every default except the bootstrap servers and the regions. */
    public static ServiceConfig of(String bootstrapServers, RegionConfigs regions) {
        return new ServiceConfig(bootstrapServers, Defaults.GROUP_ID, Defaults.TRANSACTIONAL_ID, Map.of(),
                Defaults.INPUT_TOPICS, Defaults.DEAD_LETTER_TOPIC, OutputTopics.DEFAULT, Defaults.CREATE_TOPICS,
                Defaults.PARTITIONS, Defaults.REPLICATION_FACTOR, regions, Model.DEFAULTS,
                Defaults.CALIBRATION_THREADS, MetricsServer.DEFAULT_ENDPOINT, WebServer.DEFAULT_ENDPOINT,
                Defaults.DASHBOARD_BINS);
    }

    public ServiceConfig withModel(Model m) {
        return new ServiceConfig(bootstrapServers, groupId, transactionalId, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, m,
                calibrationThreads, metricsEndpoint, webEndpoint, dashboardBins);
    }

    public ServiceConfig withHttp(HttpEndpoint metrics, HttpEndpoint web) {
        return new ServiceConfig(bootstrapServers, groupId, transactionalId, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, model,
                calibrationThreads, metrics, web, dashboardBins);
    }

    public ServiceConfig withIds(String group, String transactional) {
        return new ServiceConfig(bootstrapServers, group, transactional, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, model,
                calibrationThreads, metricsEndpoint, webEndpoint, dashboardBins);
    }

    /** The loop configuration of {@code region}. */
    public OnlineConfig onlineConfig(RegionConfig region) {
        return model.forRegion(region);
    }

    /**
     * Settings of the online loop; a null field keeps {@link OnlineConfig#defaults} for the region's bin width.
     * Validation of the values is {@link OnlineConfig}'s, with the field named in its message.
     */
    public record Model(Integer windowBins, Integer seasonBins, Long seed, Integer coldSteps, Integer warmSteps,
                        Double relativeTolerance, Double controlCost, Double congestion, Double residualAllowance,
                        Double residualThreshold, Double rateAllowance, Double rateThreshold, Integer driftWarmupBins) {

        /** Every field at the loop's default. */
        public static final Model DEFAULTS = new Model(null, null, null, null, null, null, null, null, null, null,
                null, null, null);

        /** The loop configuration for a region. */
        public OnlineConfig forRegion(RegionConfig region) {
            double hours = region.binWidth().toMillis() / 3_600_000.0;
            try {
                OnlineConfig c = OnlineConfig.defaults(hours);
                c = c.withWindow(or(windowBins, c.windowBins()), or(seasonBins, c.seasonBins()));
                if (seed != null) {
                    c = c.withSeed(seed);
                }
                c = c.withSteps(or(coldSteps, c.coldSteps()), or(warmSteps, c.warmSteps()),
                        or(relativeTolerance, c.relativeTolerance()));
                c = c.withGame(or(controlCost, c.controlCost()), or(congestion, c.congestion()));
                c = c.withDriftWarmup(or(driftWarmupBins, c.driftWarmupBins()));
                return c.withDrift(or(residualAllowance, c.residualAllowance()),
                        or(residualThreshold, c.residualThreshold()), or(rateAllowance, c.rateAllowance()),
                        or(rateThreshold, c.rateThreshold()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model settings do not fit region '" + region.id() + "' (bin width "
                        + region.binWidth() + "): " + e.getMessage(), e);
            }
        }

        private static <T> T or(T v, T dflt) {
            return v == null ? dflt : v;
        }
    }

    // ------------------------------------------------------------------ YAML

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    /** Reads a config file (see the class comment for the layout); errors name the file, the field and the value. */
    public static ServiceConfig load(Path file) {
        return load(file, System::getenv);
    }

    /** {@link #load(Path)} with an explicit environment for {@code ${VAR}} substitution. */
    public static ServiceConfig load(Path file, UnaryOperator<String> env) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--config " + file + ": no such file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString(), file.toAbsolutePath().getParent(), env);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses YAML text.
     *
     * @param source  name used in messages
     * @param baseDir directory against which a relative {@code regions} path resolves
     */
    public static ServiceConfig parse(InputStream in, String source, Path baseDir, UnaryOperator<String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(in);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected a YAML mapping with 'kafka:' at the top");
        }
        Reader r = new Reader(source, env);
        try {
            return r.config(root, baseDir);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e : new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** Walks the YAML tree, naming each field by its dotted path. */
    private static final class Reader {
        private final String source;
        private final UnaryOperator<String> env;

        Reader(String source, UnaryOperator<String> env) {
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
                keys(m, "model", "windowBins", "seasonBins", "seed", "coldSteps", "warmSteps", "relativeTolerance",
                        "controlCost", "congestion", "residualAllowance", "residualThreshold", "rateAllowance",
                        "rateThreshold", "driftWarmupBins");
                model = new Model(optInt(m, "model.windowBins"), optInt(m, "model.seasonBins"), optLong(m, "model.seed"),
                        optInt(m, "model.coldSteps"), optInt(m, "model.warmSteps"),
                        optDouble(m, "model.relativeTolerance"), optDouble(m, "model.controlCost"),
                        optDouble(m, "model.congestion"), optDouble(m, "model.residualAllowance"),
                        optDouble(m, "model.residualThreshold"), optDouble(m, "model.rateAllowance"),
                        optDouble(m, "model.rateThreshold"), optInt(m, "model.driftWarmupBins"));
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

    private static void requireNonBlank(String field, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' must be a non-blank string, got " + quote(v));
        }
    }

    private static void requireTopic(String field, String v) {
        if (v == null || !TOPIC.matcher(v).matches()) {
            throw new IllegalArgumentException("field '" + field + "' must be a Kafka topic name ([a-zA-Z0-9._-],"
                    + " 1..249 chars), got " + quote(v));
        }
    }

    private static String quote(String v) {
        return v == null ? "null" : "'" + v + "'";
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
