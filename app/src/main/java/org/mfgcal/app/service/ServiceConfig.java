package org.mfgcal.app.service;

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
 *   stateSnapshotBins: 24                      # warm-state snapshot every N bins; restore replays up to N - 1
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
 * <p>The file is bound by Jackson into the layout records of {@code ServiceConfigReader} (no type coercion), whose
 * constructors put the defaults in place. Unknown keys are rejected (a typo must not silently fall back to a
 * default). Every error names the file, the field and the value. Defaults are the constants of {@link Defaults} and
 * of the records they come from
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
 * @param stateSnapshotBins  a region's warm state is snapshotted on the state topic every this many bins (the bins
 *                           in between are logged and replayed on restore; {@link StateLog})
 */
public record ServiceConfig(String bootstrapServers, String groupId, String transactionalId,
                            Map<String, String> kafkaProperties, List<String> inputTopics, String deadLetterTopic,
                            OutputTopics outputTopics, boolean createTopics, int partitions, short replicationFactor,
                            RegionConfigs regions, Model model, int calibrationThreads,
                            HttpEndpoint metricsEndpoint, HttpEndpoint webEndpoint, int dashboardBins,
                            int stateSnapshotBins) {

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
        public static final int STATE_SNAPSHOT_BINS = StateLog.SNAPSHOT_EVERY;

        private Defaults() {
        }
    }

    /**
     * Client properties the service sets itself: the output writer's ({@link OutputWriterConfig#OWNED}), the
     * consumer group and exactly-once settings of the input consumer.
     */
    public static final Set<String> RESERVED_PROPERTIES = reserved();

    static Set<String> reserved() {
        Set<String> s = new TreeSet<>(OutputWriterConfig.OWNED);
        s.addAll(List.of("group.id", "isolation.level", "enable.auto.commit", "key.deserializer",
                "value.deserializer"));
        return Set.copyOf(s);
    }

    static final Pattern BOOTSTRAP = Pattern.compile("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*");
    static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

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
        if (stateSnapshotBins < 1 || stateSnapshotBins > StateLog.MAX_SNAPSHOT_EVERY) {
            throw new IllegalArgumentException("field 'topics.stateSnapshotBins' must be in 1.."
                    + StateLog.MAX_SNAPSHOT_EVERY + ", got " + stateSnapshotBins);
        }
        for (RegionConfig r : regions.all()) {
            if (r.id().indexOf(StateLog.SEP) >= 0) {
                throw new IllegalArgumentException("region id '" + r.id() + "' contains '" + StateLog.SEP + "', which"
                        + " the state topic's keys reserve (R" + StateLog.SEP + "snapshot, R" + StateLog.SEP
                        + "bin-i); choose another id");
            }
            model.forRegion(r); // fails now, naming the region, if the model does not fit its bin width
        }
    }

    /** A config with every default except the bootstrap servers and the regions. */
    public static ServiceConfig of(String bootstrapServers, RegionConfigs regions) {
        return new ServiceConfig(bootstrapServers, Defaults.GROUP_ID, Defaults.TRANSACTIONAL_ID, Map.of(),
                Defaults.INPUT_TOPICS, Defaults.DEAD_LETTER_TOPIC, OutputTopics.DEFAULT, Defaults.CREATE_TOPICS,
                Defaults.PARTITIONS, Defaults.REPLICATION_FACTOR, regions, Model.DEFAULTS,
                Defaults.CALIBRATION_THREADS, MetricsServer.DEFAULT_ENDPOINT, WebServer.DEFAULT_ENDPOINT,
                Defaults.DASHBOARD_BINS, Defaults.STATE_SNAPSHOT_BINS);
    }

    public ServiceConfig withModel(Model m) {
        return new ServiceConfig(bootstrapServers, groupId, transactionalId, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, m,
                calibrationThreads, metricsEndpoint, webEndpoint, dashboardBins, stateSnapshotBins);
    }

    public ServiceConfig withHttp(HttpEndpoint metrics, HttpEndpoint web) {
        return new ServiceConfig(bootstrapServers, groupId, transactionalId, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, model,
                calibrationThreads, metrics, web, dashboardBins, stateSnapshotBins);
    }

    public ServiceConfig withIds(String group, String transactional) {
        return new ServiceConfig(bootstrapServers, group, transactional, kafkaProperties, inputTopics,
                deadLetterTopic, outputTopics, createTopics, partitions, replicationFactor, regions, model,
                calibrationThreads, metricsEndpoint, webEndpoint, dashboardBins, stateSnapshotBins);
    }

    /** The loop configuration of {@code region}. */
    public OnlineConfig onlineConfig(RegionConfig region) {
        return model.forRegion(region);
    }

    /**
     * Settings of the online loop by their flat names ({@link OnlineSettings#ALL}, the keys of the {@code model:}
     * block); a setting not given keeps {@link OnlineConfig#defaults} for the region's bin width. Validation of the
     * values is {@link OnlineConfig}'s, with the field named in its message. Immutable.
     */
    public record Model(Map<String, Object> settings) {

        /** Every setting at the loop's default. */
        public static final Model DEFAULTS = new Model(Map.of());

        public Model {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : settings.entrySet()) {
                if (OnlineSettings.ALL.stream().noneMatch(st -> st.name().equals(e.getKey()))) {
                    throw new IllegalArgumentException("unknown field 'model." + e.getKey() + "'");
                }
                copy.put(e.getKey(), Objects.requireNonNull(e.getValue(), e.getKey()));
            }
            settings = Collections.unmodifiableMap(copy);
        }

        /** The same settings with {@code name} set to {@code value}; a null value keeps the current one. */
        public Model with(String name, Object value) {
            if (value == null) {
                return this;
            }
            Map<String, Object> m = new LinkedHashMap<>(settings);
            m.put(name, value);
            return new Model(m);
        }

        /** The loop configuration for a region. */
        public OnlineConfig forRegion(RegionConfig region) {
            double hours = region.binWidth().toMillis() / 3_600_000.0;
            try {
                OnlineConfig c = OnlineConfig.defaults(hours);
                for (Map.Entry<String, Object> e : settings.entrySet()) {
                    c = c.with(e.getKey(), e.getValue());
                }
                return c;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model settings do not fit region '" + region.id() + "' (bin width "
                        + region.binWidth() + "): " + e.getMessage(), e);
            }
        }
    }

    // ------------------------------------------------------------------ YAML

    static final YAMLMapper YAML = new YAMLMapper();
    static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

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
        ServiceConfigReader r = new ServiceConfigReader(env);
        try {
            return r.config(root, baseDir);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(source) ? e : new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    static void requireNonBlank(String field, String v) {
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' must be a non-blank string, got " + quote(v));
        }
    }

    static void requireTopic(String field, String v) {
        if (v == null || !TOPIC.matcher(v).matches()) {
            throw new IllegalArgumentException("field '" + field + "' must be a Kafka topic name ([a-zA-Z0-9._-],"
                    + " 1..249 chars), got " + quote(v));
        }
    }

    static String quote(String v) {
        return v == null ? "null" : "'" + v + "'";
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
