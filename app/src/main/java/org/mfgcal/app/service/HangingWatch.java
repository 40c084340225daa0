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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run before each commit of a session's producer ({@code TransactionalOutputWriter#beforeCommit}): when the producer
 * lost a broker connection since the last check (its {@code connection-close-total} grew), flushes the transaction's
 * records and looks for transactions of its own that a partition holds open although the coordinator completed them
 * ({@link HangingTransactions#find}). A broker's controlled shutdown makes them while the producer, retrying, goes on;
 * the commit about to happen would decide such a transaction only on the partitions it writes to, and the others
 * would stay unreadable (RELIABILITY.md, "known limits"). Transactions of this producer (epoch at or after its init)
 * other than the running one were committed (the producer starts one only after the previous one committed), so their
 * commit markers are written and the commit goes on. One from before the init (the session's start should have
 * completed it) makes this throw: the transaction is aborted and the session rebuilt, whose start completes it with the
 * coordinator's outcome. A check costs a few admin requests and runs only after a lost connection.
 *
 * <p>Thread-safety: called by the session's writer thread only.
 */
public final class HangingWatch implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(HangingWatch.class);
    private final Producer<?, ?> producer;
    private final Supplier<Admin> admins;
    private final String transactionalId;
    private final List<String> topics;
    private final long timeoutMs;
    private final int initEpoch;
    private Metric closes;
    private double lastCloses;

    /** @param initEpoch the producer's epoch right after its {@code initTransactions} */
    public HangingWatch(Producer<?, ?> producer, Supplier<Admin> admins, String transactionalId, List<String> topics,
                        long timeoutMs, int initEpoch) {
        this.producer = producer;
        this.admins = admins;
        this.transactionalId = transactionalId;
        this.topics = List.copyOf(topics);
        this.timeoutMs = timeoutMs;
        this.initEpoch = initEpoch;
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
        // the records of the running transaction are written once the previous transaction is complete, so after the
        // flush a previous transaction still open on a partition is hanging, not being completed
        producer.flush();
        try (Admin admin = admins.get()) {
            HangingTransactions.Result r = HangingTransactions.find(admin, transactionalId, topics, timeoutMs,
                    h -> h >= initEpoch);
            List<HangingTransactions.Hanging> older = r.hanging().stream().filter(h -> !h.committed()).toList();
            if (!older.isEmpty()) {
                throw new KafkaException("after a lost broker connection, transaction(s) from before this producer's"
                        + " start are still open on " + older.size() + " partition(s) (" + older + "): this"
                        + " transaction is aborted and the session rebuilt, whose start completes them");
            }
            for (HangingTransactions.Hanging h : r.hanging()) {
                try {
                    HangingTransactions.completeOne(admin, h, timeoutMs);
                } catch (org.apache.kafka.common.errors.UnsupportedVersionException
                         | org.apache.kafka.common.errors.AuthorizationException e) {
                    // not fatal for the service: the rebuilt session's start finds the check refused and goes on
                    throw new KafkaException("cannot write the commit marker of a hanging transaction on "
                            + h.partition() + " (" + e + "); the session is rebuilt", e);
                }
            }
            if (!r.hanging().isEmpty()) {
                LOG.warn("after a lost broker connection: wrote the commit markers of {} earlier transaction(s) of this"
                        + " producer left open on {}", r.hanging().size(),
                        r.hanging().stream().map(HangingTransactions.Hanging::partition).toList());
            }
        }
        lastCloses = now;
    }
}
