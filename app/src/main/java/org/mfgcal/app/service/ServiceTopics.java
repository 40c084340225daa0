package org.mfgcal.app.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.mfgcal.kafka.EmbeddedKafka;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The topics of a {@link Service}: created when missing and configured so, checked to exist with a leader. */
final class ServiceTopics {

    private static final Logger LOG = LoggerFactory.getLogger(Service.class);
    private static final Duration ADMIN_TIMEOUT = Service.ADMIN_TIMEOUT;

    private ServiceTopics() {
    }

    /** Creates the missing topics (when configured) and checks that every topic exists and has a leader. */
    static void ensureTopics(Admin admin, ServiceConfig config) {
        List<NewTopic> wanted = new ArrayList<>();
        for (String t : config.inputTopics()) {
            wanted.add(new NewTopic(t, config.partitions(), config.replicationFactor()));
        }
        wanted.add(new NewTopic(config.deadLetterTopic(), config.partitions(), config.replicationFactor()));
        wanted.addAll(config.outputTopics().newTopics(config.partitions(), config.replicationFactor()));
        List<String> names = wanted.stream().map(NewTopic::name).toList();
        try {
            java.util.Set<String> existing = admin.listTopics().names().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (!missing.isEmpty()) {
                if (!config.createTopics()) {
                    throw new IllegalStateException("topics " + missing.stream().map(NewTopic::name).toList()
                            + " do not exist at " + config.bootstrapServers() + " and topics.create is false");
                }
                for (var e : admin.createTopics(missing).values().entrySet()) {
                    try {
                        e.getValue().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        LOG.info("created topic {}", e.getKey());
                    } catch (ExecutionException ex) {
                        if (!(ex.getCause() instanceof TopicExistsException)) {
                            throw new IllegalStateException("cannot create topic " + e.getKey() + " at "
                                    + config.bootstrapServers() + ": " + ex.getCause().getMessage(), ex.getCause());
                        }
                    }
                }
            }
            EmbeddedKafka.awaitLeaders(admin, names, ADMIN_TIMEOUT);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Kafka at " + config.bootstrapServers() + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no Kafka broker answered at " + config.bootstrapServers() + " within "
                    + ADMIN_TIMEOUT.toSeconds() + " s (kafka.bootstrapServers)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking topics", e);
        }
    }
}
