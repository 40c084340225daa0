package org.mfgcal.app.service;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.mfgcal.publisher.kafka.HangingTransactions;

/**
 * Run before each commit of a session's producer ({@code TransactionalOutputWriter#beforeCommit}): when the producer
 * lost a broker connection since the last check (its {@code connection-close-total} grew), looks for transactions of
 * its own that a partition holds open although the coordinator completed them ({@link HangingTransactions#findOwn}).
 * A broker's controlled shutdown makes them while the producer, retrying, goes on; the commit about to happen would
 * decide such a transaction only on the partitions it writes to (RELIABILITY.md, "known limits"). When one is found,
 * this throws: the transaction is aborted, which aborts the hanging one on its partitions too, and the session is
 * rebuilt, whose start aborts it on the others ({@link HangingTransactions#abortOwn}), so the bins are computed
 * again from a consistent state. A check costs a few admin requests and runs only after a lost connection.
 *
 * <p>Thread-safety: called by the session's writer thread only.
 */
public final class HangingWatch implements Runnable {

    private final Producer<?, ?> producer;
    private final Supplier<Admin> admins;
    private final String transactionalId;
    private final List<String> topics;
    private final long timeoutMs;
    private Metric closes;
    private double lastCloses;

    public HangingWatch(Producer<?, ?> producer, Supplier<Admin> admins, String transactionalId, List<String> topics,
                 long timeoutMs) {
        this.producer = producer;
        this.admins = admins;
        this.transactionalId = transactionalId;
        this.topics = List.copyOf(topics);
        this.timeoutMs = timeoutMs;
        this.lastCloses = closes();
    }

    /** The producer's count of closed broker connections (0 when the client has no such metric). */
    private double closes() {
        if (closes == null) {
            for (Map.Entry<MetricName, ? extends Metric> e : producer.metrics().entrySet()) {
                if (e.getKey().name().equals("connection-close-total")
                        && e.getKey().group().equals("producer-metrics")) {
                    closes = e.getValue();
                }
            }
            if (closes == null) {
                return 0;
            }
        }
        return closes.metricValue() instanceof Number n ? n.doubleValue() : 0;
    }

    @Override
    public void run() {
        double now = closes();
        if (now == lastCloses) {
            return;
        }
        HangingTransactions.Result r;
        try (Admin admin = admins.get()) {
            r = HangingTransactions.findOwn(admin, transactionalId, topics, timeoutMs);
        }
        if (!r.hanging().isEmpty()) {
            throw new KafkaException("after a lost broker connection, transaction(s) of this producer committed"
                    + " earlier are still open on " + r.hanging().size() + " partition(s) (" + r.hanging() + "):"
                    + " this transaction is aborted and the session rebuilt, whose start aborts them");
        }
        lastCloses = now;
    }
}
