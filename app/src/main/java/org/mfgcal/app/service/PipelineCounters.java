package org.mfgcal.app.service;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of a {@link ServicePipeline} over all its sessions (see its accessors for their meaning).
 *
 * <p>Thread-safety: atomic counters.
 */
final class PipelineCounters {
    final AtomicLong committed = new AtomicLong();
    final AtomicLong transactions = new AtomicLong();
    final AtomicLong published = new AtomicLong();
    final AtomicLong degradedUpdates = new AtomicLong();
    final AtomicLong alerts = new AtomicLong();
    final AtomicLong failedUpdates = new AtomicLong();
    final AtomicLong deadLettersCommitted = new AtomicLong();
    final AtomicLong sessionsRebuilt = new AtomicLong();
    final AtomicLong skippedBins = new AtomicLong();
    final Map<String, AtomicLong> lateEvents = new ConcurrentHashMap<>();
    /** CPU time of the calibration threads per region (updates and their state records), ns. */
    final Map<String, AtomicLong> calibrationCpuNanos = new ConcurrentHashMap<>();

    /** The counts of {@code m} now, by key in key order. */
    static Map<String, Long> values(Map<String, AtomicLong> m) {
        Map<String, Long> out = new java.util.TreeMap<>();
        m.forEach((k, n) -> out.put(k, n.get()));
        return out;
    }
}
