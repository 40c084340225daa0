package org.mfgcal.ingest.kafka;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reactor → Kafka: producer callbacks as {@link Mono}s.
 *
 * <p>Contract: {@link #send} is lazy — the record is handed to the producer when the Mono is subscribed, on the
 * subscribing thread ({@code KafkaProducer.send} may block up to {@code max.block.ms} when its buffer is full);
 * the Mono completes on the producer's I/O thread when the broker acknowledged, or errors with the send's
 * exception. The producer is thread-safe, so is this class. {@link #close()} flushes and closes.
 */
public final class KafkaSender implements AutoCloseable {

    private final Producer<byte[], byte[]> producer;

    private KafkaSender(Producer<byte[], byte[]> producer) {
        this.producer = producer;
    }

    /** A sender with these producer properties (byte-array serializers are forced; idempotence on by default). */
    public static KafkaSender create(Map<String, Object> properties) {
        Map<String, Object> p = new HashMap<>(properties);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        // strict order: with several requests in flight, a first batch refused right after its topic was created
        // can be overtaken by later ones, and its retry is then out of sequence for good
        p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        return new KafkaSender(new KafkaProducer<>(p));
    }

    /** A sender on an existing producer; {@link #close()} closes it. */
    public static KafkaSender wrap(Producer<byte[], byte[]> producer) {
        return new KafkaSender(producer);
    }

    /** Sends one record when subscribed; emits its metadata once acknowledged. */
    public Mono<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
        return Mono.create(sink -> {
            try {
                producer.send(record, (md, e) -> {
                    if (e != null) {
                        sink.error(e);
                    } else {
                        sink.success(md);
                    }
                });
            } catch (RuntimeException e) {
                sink.error(e);
            }
        });
    }

    /**
     * Sends one record now (not lazily); the future completes when the broker acknowledged it.
     */
    public java.util.concurrent.CompletableFuture<RecordMetadata> sendNow(ProducerRecord<byte[], byte[]> record) {
        java.util.concurrent.CompletableFuture<RecordMetadata> f = new java.util.concurrent.CompletableFuture<>();
        try {
            producer.send(record, (md, e) -> {
                if (e != null) {
                    f.completeExceptionally(e);
                } else {
                    f.complete(md);
                }
            });
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /**
     * Sends records in order with at most {@code maxInFlight} unacknowledged; results come in input order.
     */
    public Flux<RecordMetadata> sendAll(Publisher<ProducerRecord<byte[], byte[]>> records, int maxInFlight) {
        return Flux.from(records).flatMapSequential(this::send, maxInFlight, 1);
    }

    /** The underlying producer (for transactions: init/begin/commit and sendOffsetsToTransaction). */
    public Producer<byte[], byte[]> producer() {
        return producer;
    }

    /** Blocks until every sent record is acknowledged. */
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}
