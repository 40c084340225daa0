package org.mfgcal.publisher.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mfgcal.api.DriftAlert;
import org.mfgcal.api.Forecast;
import org.mfgcal.api.ParameterUpdate;

/**
 * The outputs of one step of the online loop (usually one closed bin of one or more regions), written together
 * in one transaction by {@link TransactionalOutputWriter}.
 *
 * <p>Contract: immutable (lists copied; state bytes copied on the way in and out); {@code states} maps a region
 * to its serialised warm state, which becomes the latest value of that key in the compacted state topic.
 * Thread-safe.
 *
 * @param parameters parameter updates
 * @param forecasts  forecasts
 * @param alerts     raised or cleared alerts
 * @param states     warm state per region (opaque bytes, the calibrator's format)
 */
public record OutputBatch(List<ParameterUpdate> parameters, List<Forecast> forecasts, List<DriftAlert> alerts,
                          Map<String, byte[]> states) {

    /** A batch with nothing in it (a transaction that only commits input offsets). */
    public static final OutputBatch EMPTY = new OutputBatch(List.of(), List.of(), List.of(), Map.of());

    public OutputBatch {
        parameters = List.copyOf(parameters);
        forecasts = List.copyOf(forecasts);
        alerts = List.copyOf(alerts);
        TreeMap<String, byte[]> copy = new TreeMap<>();
        states.forEach((region, bytes) -> copy.put(region, bytes.clone()));
        states = java.util.Collections.unmodifiableMap(copy);
    }

    /** The state bytes of each region (copies). */
    @Override
    public Map<String, byte[]> states() {
        TreeMap<String, byte[]> copy = new TreeMap<>();
        states.forEach((region, bytes) -> copy.put(region, bytes.clone()));
        return copy;
    }

    /** Each region's state bytes without a copy, for the writer of this package (which only sends them). */
    void forEachState(java.util.function.BiConsumer<String, byte[]> action) {
        states.forEach(action);
    }

    /** Number of messages the batch produces. */
    public int size() {
        return parameters.size() + forecasts.size() + alerts.size() + states.size();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof OutputBatch b) || !b.parameters.equals(parameters) || !b.forecasts.equals(forecasts)
                || !b.alerts.equals(alerts) || !b.states.keySet().equals(states.keySet())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : states.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.states.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = parameters.hashCode() * 31 + forecasts.hashCode();
        h = h * 31 + alerts.hashCode();
        for (Map.Entry<String, byte[]> e : states.entrySet()) {
            h = h * 31 + e.getKey().hashCode() * 17 + Arrays.hashCode(e.getValue());
        }
        return h;
    }

    @Override
    public String toString() {
        return "OutputBatch[parameters=" + parameters.size() + ", forecasts=" + forecasts.size() + ", alerts="
                + alerts.size() + ", states=" + states.keySet() + "]";
    }
}
