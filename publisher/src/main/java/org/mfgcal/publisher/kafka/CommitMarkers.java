package org.mfgcal.publisher.kafka;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.internals.AbortTransactionHandler;
import org.apache.kafka.clients.admin.internals.AdminApiFuture;
import org.apache.kafka.clients.admin.internals.AdminApiHandler;
import org.apache.kafka.clients.admin.internals.PartitionLeaderCache;
import org.apache.kafka.clients.admin.internals.PartitionLeaderStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.utils.internals.LogContext;

/**
 * Writes a COMMIT marker for one producer's open transaction on one partition: the counterpart of
 * {@link Admin#abortTransaction}, which Kafka's admin client offers for aborts only. Used to complete a transaction the
 * coordinator committed but whose markers it never wrote to some partitions ({@link HangingTransactions}).
 *
 * <p>It sends the same {@code WriteTxnMarkers} request as {@code abortTransaction} (same ACL: ClusterAction), with
 * the result set to commit, through the admin client's own request driver, which is not public API: it is reached
 * by reflection on kafka-clients 4.4's {@code KafkaAdminClient} ({@code invokeDriver}, {@code partitionLeaderCache}).
 * If a later client changes them, {@link #commit} throws {@link UnsupportedVersionException}, which the caller treats
 * like a cluster refusing the check (logged; RELIABILITY.md, "known limits"). {@code CommitMarkersIT} checks it
 * against a real broker.
 */
final class CommitMarkers {

    private CommitMarkers() {
    }

    /** {@link AbortTransactionHandler} with the marker's result set to commit. */
    private static final class CommitHandler extends AbortTransactionHandler {
        private final AbortTransactionSpec spec;

        CommitHandler(AbortTransactionSpec spec, LogContext logContext) {
            super(spec, logContext);
            this.spec = spec;
        }

        @Override
        public String apiName() {
            return "commitTransaction";
        }

        @Override
        public WriteTxnMarkersRequest.Builder buildBatchedRequest(int brokerId, Set<TopicPartition> partitions) {
            if (!partitions.equals(Set.of(spec.topicPartition()))) {
                throw new IllegalArgumentException("commit marker for " + spec.topicPartition() + " asked for "
                        + partitions);
            }
            WriteTxnMarkersRequestData.WritableTxnMarker marker = new WriteTxnMarkersRequestData.WritableTxnMarker()
                    .setCoordinatorEpoch(spec.coordinatorEpoch())
                    .setProducerEpoch(spec.producerEpoch())
                    .setProducerId(spec.producerId())
                    .setTransactionResult(true);
            marker.topics().add(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic()
                    .setName(spec.topicPartition().topic())
                    .setPartitionIndexes(Collections.singletonList(spec.topicPartition().partition())));
            WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
            data.markers().add(marker);
            return new WriteTxnMarkersRequest.Builder(data);
        }
    }

    /**
     * Writes a COMMIT marker for {@code spec}'s producer on its partition and waits for the broker's answer.
     *
     * @throws UnsupportedVersionException when the admin client is not a kafka-clients 4.4 {@code KafkaAdminClient}
     * @throws ExecutionException          with the broker's error
     */
    static void commit(Admin admin, AbortTransactionSpec spec, long timeoutMs)
            throws ExecutionException, InterruptedException, TimeoutException {
        PartitionLeaderCache cache;
        LogContext logContext;
        Method invokeDriver;
        try {
            Class<?> c = admin.getClass();
            Field f = c.getDeclaredField("partitionLeaderCache");
            f.setAccessible(true);
            cache = (PartitionLeaderCache) f.get(admin);
            Field l = c.getDeclaredField("logContext");
            l.setAccessible(true);
            logContext = (LogContext) l.get(admin);
            invokeDriver = c.getDeclaredMethod("invokeDriver", AdminApiHandler.class, AdminApiFuture.class,
                    Integer.class);
            invokeDriver.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new UnsupportedVersionException("cannot write a commit marker with this admin client ("
                    + admin.getClass().getName() + "): " + e, e);
        }
        PartitionLeaderStrategy.PartitionLeaderFuture<Void> future =
                AbortTransactionHandler.newFuture(Set.of(spec.topicPartition()), cache);
        try {
            invokeDriver.invoke(admin, new CommitHandler(spec, logContext), future, (int) timeoutMs);
        } catch (IllegalAccessException e) {
            throw new UnsupportedVersionException("cannot write a commit marker: " + e, e);
        } catch (InvocationTargetException e) {
            throw new ExecutionException(e.getCause());
        }
        future.all().get(spec.topicPartition()).get(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
