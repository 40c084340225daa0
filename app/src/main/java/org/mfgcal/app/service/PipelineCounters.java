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
}
