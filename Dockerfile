# Multi-stage build of the mfgcal service image: stage 1 builds the application jar and its dependency directory
# (app/target/mfgcal.jar + app/target/lib, linked by the jar's Class-Path) with Maven, stage 2 runs it on a JRE as
# an unprivileged user. Used by docker-compose.yml (`docker compose up`). Base images are pinned to a release
# (DockerImageTest checks it, and that every file the service reads is in the image).

FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY api/pom.xml api/
COPY simd/pom.xml simd/
COPY calibrator/pom.xml calibrator/
COPY kafka-embedded/pom.xml kafka-embedded/
COPY ingest/pom.xml ingest/
COPY publisher/pom.xml publisher/
COPY app/pom.xml app/
COPY bench/pom.xml bench/
COPY api/src api/src
COPY simd/src simd/src
COPY calibrator/src calibrator/src
COPY kafka-embedded/src kafka-embedded/src
COPY ingest/src ingest/src
COPY publisher/src publisher/src
COPY app/src app/src
# ingest/pom.xml puts the repository's data/ on the class path (classpath:data/flights/...: the region config of
# docker/mfgcal.yaml and the week the compose `replay` service publishes)
COPY data data
# No .git in the image's build context: the code version of the outputs says "git unknown" (api/pom.xml).
RUN mvn -B -q -DskipTests -pl app -am package

FROM eclipse-temurin:17.0.13_11-jre-jammy
# The ENTRYPOINT's --add-modules names the vector kernels' module (README, "Vector kernels"): a JRE without it would
# stop the container at start, so the build stops here instead.
RUN java --add-modules jdk.incubator.vector -version
RUN useradd --system --uid 10001 --home-dir /var/lib/mfgcal --create-home mfgcal
COPY --from=build /src/app/target/lib /opt/mfgcal/lib
COPY --from=build /src/app/target/mfgcal.jar /opt/mfgcal/mfgcal.jar
COPY docker/mfgcal.yaml /etc/mfgcal/config.yaml
USER 10001
WORKDIR /var/lib/mfgcal
# 8080: web page, 9464: Prometheus metrics (bound to 0.0.0.0 inside the container by docker/mfgcal.yaml).
EXPOSE 8080 9464
# Readiness of /readyz through a JRE-only probe (the image's /bin/sh is dash: no /dev/tcp, and no curl or wget).
HEALTHCHECK --interval=10s --timeout=8s --start-period=60s --retries=6 \
  CMD ["java", "-Xmx16m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", "/opt/mfgcal/mfgcal.jar", "org.mfgcal.app.HealthProbe", "http://127.0.0.1:9464/readyz"]
# SIGTERM (docker stop): the running transaction finishes, the consumer and producers close; compose gives it
# stop_grace_period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-Xss8m", "--add-modules", "jdk.incubator.vector", "-XX:MaxRAMPercentage=75", "-jar", "/opt/mfgcal/mfgcal.jar"]
CMD ["serve", "--config", "/etc/mfgcal/config.yaml"]
