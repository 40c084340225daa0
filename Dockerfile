# Multi-stage build of the mfgcal service image: stage 1 builds the application jar and its dependency directory
# (app/target/mfgcal.jar + app/target/lib, linked by the jar's Class-Path) with Maven, stage 2 runs it on a JRE as
# an unprivileged user. Used by docker-compose.yml (`docker compose up`).

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY calibrator/pom.xml calibrator/
COPY kafka-embedded/pom.xml kafka-embedded/
COPY ingest/pom.xml ingest/
COPY publisher/pom.xml publisher/
COPY app/pom.xml app/
COPY bench/pom.xml bench/
COPY calibrator/src calibrator/src
COPY kafka-embedded/src kafka-embedded/src
COPY ingest/src ingest/src
COPY publisher/src publisher/src
COPY app/src app/src
RUN mvn -B -q -DskipTests -pl app -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/mfgcal --create-home mfgcal
COPY --from=build /src/app/target/lib /opt/mfgcal/lib
COPY --from=build /src/app/target/mfgcal.jar /opt/mfgcal/mfgcal.jar
COPY docker/mfgcal.yaml /etc/mfgcal/config.yaml
USER 10001
WORKDIR /var/lib/mfgcal
# 8080: web page, 9464: Prometheus metrics (bound to 0.0.0.0 inside the container by docker/mfgcal.yaml).
EXPOSE 8080 9464
ENTRYPOINT ["java", "-Xss8m", "-XX:MaxRAMPercentage=75", "-jar", "/opt/mfgcal/mfgcal.jar"]
CMD ["serve", "--config", "/etc/mfgcal/config.yaml"]
