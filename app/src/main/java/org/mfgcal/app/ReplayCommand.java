package org.mfgcal.app;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.ingest.replay.ReplayFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal replay}: publishes a file as live records on a topic, in event-time order, with a progress bar
 * on stderr. See {@link Replay} for the record format and the pacing.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Publish a file of trips or counts to Kafka as live records, in event-time order.",
            "Example: mfgcal replay --file classpath:data/flights/flights-week1.csv --format flights "
                + "--topic mfg.trips --speedup 3600"})
public final class ReplayCommand implements Callable<Integer> {

    @Option(names = "--file", required = true, paramLabel = "FILE",
            description = "Input file (a path, or classpath:NAME for shipped data; .gz is decompressed).")
    private String file;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "flights (vega flights-3m.csv layout), trips (JSON Lines of trip records) or counts (CSV at,zone,count).")
    private String format;

    @Option(names = "--topic", required = true, paramLabel = "T", description = "Topic to publish to.")
    private String topic;

    @Option(names = "--speedup", defaultValue = "3600", paramLabel = "X",
            description = "Event-time seconds per wall-clock second (default ${DEFAULT-VALUE}); 0 publishes as fast as possible.")
    private double speedup;

    @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092", paramLabel = "B",
            description = "Kafka bootstrap servers (default ${DEFAULT-VALUE}).")
    private String bootstrap;

    @Option(names = "--region", paramLabel = "R",
            description = "Region id for flights (default flights) and counts (required) files; trips carry their own.")
    private String region;

    @Option(names = "--airports", paramLabel = "FILE",
            description = "airports.csv for --format flights (default: the shipped data/flights/airports.csv).")
    private String airports;

    @Option(names = "--partitions", defaultValue = "3", paramLabel = "N",
            description = "Partitions when the topic has to be created (default ${DEFAULT-VALUE}).")
    private int partitions;

    @Override
    public Integer call() throws Exception {
        ReplayFormat fmt;
        try {
            fmt = ReplayFormat.valueOf(format.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--format must be flights, trips or counts, got '" + format + "'", e);
        }
        if (!(speedup >= 0)) {
            throw new IllegalArgumentException("--speedup must be >= 0, got " + speedup);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("--partitions must be >= 1, got " + partitions);
        }
        String r = region;
        if (r == null) {
            if (fmt == ReplayFormat.COUNTS) {
                throw new IllegalArgumentException("--region is required for --format counts");
            }
            r = "flights";
        }
        PrintStream err = System.err;
        List<IngestEvent> events = Replay.read(file, fmt, r, airports);
        err.printf(Locale.ROOT, "mfgcal replay: %,d records from %s to %s at %s (speedup %s)%n", events.size(), file, topic,
                bootstrap, speedup == 0 ? "none" : speedup);
        ensureTopic();
        try (var producer = new KafkaProducer<byte[], byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, 10, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000,
                // one request in flight: a batch refused right after the topic was created (its partition not yet
                // on the broker) cannot be overtaken by later batches, which a broker accepts from a producer it
                // does not know yet; the retried first batch would then be out of order for good (seen in CI)
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1))) {
            Replay.Result res = Replay.publish(events, topic, speedup, producer, err);
            err.printf(Locale.ROOT, "mfgcal replay: published %,d records in %.2f s (%,.0f records/s)%n", res.records(),
                    res.elapsed().toNanos() / 1e9, res.rate());
        }
        return 0;
    }

    private void ensureTopic() throws InterruptedException {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + topic + " at " + bootstrap + ": "
                            + e.getCause().getMessage(), e.getCause());
                }
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("no Kafka broker answered at " + bootstrap + " within 30 s", e);
            }
            org.mfgcal.kafka.EmbeddedKafka.awaitLeaders(admin, List.of(topic), java.time.Duration.ofSeconds(30));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
