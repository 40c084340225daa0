package org.mfgcal.app.service;

import java.util.Map;

import org.mfgcal.ingest.IngestStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session of a {@link ServicePipeline}: one output, one input, and the regions restored for them (see the
 * pipeline's class comment).
 *
 * <p>Thread-safety: {@link #fenced} is set under the pipeline's write lock; {@link #close()} from any thread.
 */
final class PipelineSession {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineSession.class);
    final ServiceConnections.Output output;
    final ServiceConnections.Input input;
    final Map<String, RegionRouter.Region> regions;
    /**
     * Set (under the write lock) when partitions are revoked or lost: no transaction of this session commits
     * any more, so no offsets move after the new owner read them.
     */
    volatile String fenced;

    private final Object writeLock;

    PipelineSession(ServiceConnections connections, RegionRouter router, IngestStats stats, Object writeLock) {
        this.writeLock = writeLock;
        this.output = connections.outputs().get();
        try {
            // After the output opened (initTransactions, hanging transactions completed): a previous
            // instance's open transaction is aborted, so the state topic's last stable offset is its end and the
            // states read match the committed offsets.
            this.regions = router.restored(output.hangingChecked());
            this.input = connections.inputs().open(stats);
            this.input.onRevocation(ps -> {
                if (fenced != null) {
                    return; // already no commits (closing or fenced before)
                }
                synchronized (writeLock) { // waits for a running transaction, then no other starts
                    if (fenced == null) {
                        fenced = "partitions " + ps + " revoked or lost";
                    }
                }
            });
        } catch (RuntimeException e) {
            output.close();
            throw e;
        }
    }

    void close() {
        synchronized (writeLock) { // after the running transaction; no other starts
            if (fenced == null) {
                fenced = "session closed";
            }
        }
        // outside the lock: closing the consumer may run its revocation callback, which takes the lock
        try {
            input.close();
        } catch (RuntimeException e) {
            LOG.debug("closing the consumer: {}", e.toString());
        }
        synchronized (writeLock) {
            try {
                output.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the producer: {}", e.toString());
            }
        }
    }
}
