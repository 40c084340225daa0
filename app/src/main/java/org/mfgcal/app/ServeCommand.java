package org.mfgcal.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.mfgcal.app.service.Service;
import org.mfgcal.app.service.ServiceConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mfgcal serve --config FILE.yaml}: the service against any Kafka cluster (layout of the file:
 * {@link ServiceConfig}). Runs until SIGTERM or Ctrl-C (graceful: the running transaction finishes, the consumer
 * and producer close), or until the pipeline fails (exit code 1; a restart resumes from the committed offsets).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the service: Kafka input -> ingest -> online calibration -> transactional output topics,"
                + " Prometheus metrics and the web page.",
            "Example: mfgcal serve --config docker/mfgcal.yaml"})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE.yaml",
            description = "Service configuration (kafka, topics, regions, model, http); see README.")
    Path config;

    @Override
    public Integer call() throws Exception {
        ServiceConfig cfg = ServiceConfig.load(config);
        Service service = Service.start(cfg).closeOnShutdown();
        System.out.printf("mfgcal serve: consuming %s at %s; web page %s ; metrics %s%n", cfg.inputTopics(),
                cfg.bootstrapServers(), service.webUrl(), service.metricsUrl());
        Throwable failure = service.awaitTermination();
        service.close();
        if (failure != null) {
            System.err.println("mfgcal serve: " + failure);
            return 1;
        }
        return 0;
    }
}
