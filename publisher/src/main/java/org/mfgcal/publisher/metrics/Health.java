package org.mfgcal.publisher.metrics;

import java.util.Map;

/**
 * What {@code /healthz} and {@code /readyz} of the {@link MetricsServer} report.
 *
 * <p>Contract: {@link #live()} is true while the process does useful work or can still recover by itself (an
 * orchestrator restarts the process when it turns false); {@link #readiness()} names each readiness check and
 * whether it passes (ready = all pass). Both are called on the metrics server's thread and must be cheap and
 * non-blocking. Implementations are thread-safe.
 */
public interface Health {

    /** Liveness: false only when a restart is the way out. */
    boolean live();

    /** Readiness checks by name, in a stable order; ready when every value is true. */
    Map<String, Boolean> readiness();

    /** Always live and ready, with no checks (the metrics server of a test or a tool). */
    Health ALWAYS = new Health() {
        @Override
        public boolean live() {
            return true;
        }

        @Override
        public Map<String, Boolean> readiness() {
            return Map.of();
        }
    };
}
