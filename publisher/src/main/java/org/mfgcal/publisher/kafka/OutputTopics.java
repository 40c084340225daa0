package org.mfgcal.publisher.kafka;

import java.util.List;
import java.util.Map;
import java.util.HashSet;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Names of the output topics. Keys of every output message are the region, so one region's outputs stay in order
 * on one partition; partition the input by region too and scale out with more consumers in the group.
 *
 * <p>Contract: immutable, names non-blank and pairwise different. Thread-safe.
 *
 * @param parameters topic of {@code ParameterUpdate} values
 * @param forecasts  topic of {@code Forecast} values
 * @param alerts     topic of {@code DriftAlert} values
 * @param state      compacted topic of the warm state per region (latest value per key wins)
 */
public record OutputTopics(String parameters, String forecasts, String alerts, String state) {

    /** The default names: {@code mfg.parameters}, {@code mfg.forecasts}, {@code mfg.alerts}, {@code mfg.state}. */
    public static final OutputTopics DEFAULT =
            new OutputTopics("mfg.parameters", "mfg.forecasts", "mfg.alerts", "mfg.state");

    public OutputTopics {
        check("parameters", parameters);
        check("forecasts", forecasts);
        check("alerts", alerts);
        check("state", state);
        if (new HashSet<>(List.of(parameters, forecasts, alerts, state)).size() != 4) {
            throw new IllegalArgumentException("output topics must be four different names, got parameters="
                    + parameters + ", forecasts=" + forecasts + ", alerts=" + alerts + ", state=" + state);
        }
    }

    private static void check(String field, String name) {
        if (name == null || name.isBlank() || !name.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("topics." + field + " must be a Kafka topic name ([a-zA-Z0-9._-],"
                    + " 1..249 chars), got " + (name == null ? "null" : "'" + name + "'"));
        }
    }

    /** All four names. */
    /**
     * Largest value on the state topic ({@code max.message.bytes} of the created topic, and the producer's
     * {@code max.request.size}): a region's warm state is about 10 MB of float64 for 21 zones, a window of 96 bins and
     * a season of 672 (13.9 MB as base64 in JSON); 0.7 MB for the shipped flights region.
     */
    public static final int STATE_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

    public List<String> all() {
        return List.of(parameters, forecasts, alerts, state);
    }

    /**
     * Topic definitions for an admin client: {@code partitions} each, the state topic compacted with
     * {@code max.message.bytes} = {@link #STATE_MAX_MESSAGE_BYTES}.
     *
     * @param partitions        partitions per topic, at least 1
     * @param replicationFactor replicas per partition, at least 1
     */
    public List<NewTopic> newTopics(int partitions, short replicationFactor) {
        if (partitions < 1 || replicationFactor < 1) {
            throw new IllegalArgumentException("partitions and replicationFactor must be >= 1, got " + partitions
                    + " and " + replicationFactor);
        }
        return List.of(
                new NewTopic(parameters, partitions, replicationFactor),
                new NewTopic(forecasts, partitions, replicationFactor),
                new NewTopic(alerts, partitions, replicationFactor),
                new NewTopic(state, partitions, replicationFactor)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(STATE_MAX_MESSAGE_BYTES))));
    }
}
