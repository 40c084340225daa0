package org.mfgcal.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.mfgcal.ingest.IngestOptions;
import org.mfgcal.ingest.IngestPipeline;
import org.mfgcal.ingest.RegionConfigs;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;
import org.mfgcal.ingest.replay.Replay;
import org.mfgcal.kafka.EmbeddedKafka;
import reactor.core.Disposable;

/**
 * End-to-end throughput: replay → in-process broker → {@link IngestPipeline} → snapshots, all in one JVM on
 * this machine, with the real Jan–Mar 2001 flights (231,083 trips). The pipeline is subscribed first; the
 * replay then publishes as fast as the producer goes; the clock stops when the pipeline has received every
 * record. Prints publish, end-to-end and pipeline-only (pre-filled topic) rates.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar org.mfgcal.bench.EndToEndBench [rounds]}; producer settings
 * {@code -Dcompression=lz4|none|snappy|zstd} (default lz4), {@code -Dbatch=bytes} (524288), {@code -Dlinger=ms} (10).
 * Results: ingest/BENCHMARKS.md.
 */
public final class EndToEndBench {

    private EndToEndBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        List<TripEvent> trips = FlightsCsv.readShipped(FlightsData.FULL);
        RegionConfigs regions = RegionConfigs.loadSpec(FlightsData.REGION);
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            for (int round = 0; round < rounds; round++) {
                String topic = "e2e-" + round;
                kafka.createTopics(1, topic, "dlq-" + round);
                // 1. overlapped: pipeline running while the replay publishes
                IngestPipeline p = new IngestPipeline(IngestOptions.of(kafka.bootstrapServers(), "g-" + round, List.of(topic))
                        .withDeadLetterTopic("dlq-" + round), regions);
                AtomicLong snaps = new AtomicLong();
                Disposable d = p.snapshots().subscribe(sd -> {
                    snaps.incrementAndGet();
                    sd.ack();
                });
                long t0 = System.nanoTime();
                Replay.Result pub;
                try (var producer = producer(kafka)) {
                    pub = Replay.publish(trips, topic, 0, producer, null);
                }
                if (!p.awaitReceived(trips.size(), 300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("pipeline received only " + p.stats().received());
                }
                double e2e = trips.size() / ((System.nanoTime() - t0) / 1e9);
                p.close();
                d.dispose();
                // 2. pipeline only: a second group reads the now-full topic
                IngestPipeline q = new IngestPipeline(IngestOptions.of(kafka.bootstrapServers(), "h-" + round, List.of(topic))
                        .withDeadLetterTopic("dlq-" + round), regions);
                Disposable d2 = q.snapshots().subscribe(sd -> sd.ack());
                long t1 = System.nanoTime();
                if (!q.awaitReceived(trips.size(), 300, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("pipeline received only " + q.stats().received());
                }
                double drain = trips.size() / ((System.nanoTime() - t1) / 1e9);
                q.close();
                d2.dispose();
                System.out.printf(Locale.ROOT, "round %d: %,d trips  publish %,.0f ev/s  end-to-end (replay->broker->snapshots) "
                                + "%,.0f ev/s  pipeline-only %,.0f ev/s  snapshots %,d  deadLettered %d%n",
                        round, trips.size(), pub.rate(), e2e, drain, snaps.get(), p.stats().deadLettered());
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(EmbeddedKafka kafka) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.LINGER_MS_CONFIG, Integer.getInteger("linger", 10),
                ProducerConfig.BATCH_SIZE_CONFIG, Integer.getInteger("batch", 524_288),
                ProducerConfig.COMPRESSION_TYPE_CONFIG, System.getProperty("compression", "lz4")));
    }
}
