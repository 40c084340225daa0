package org.mfgcal.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

/**
 * Issue 12 (compose that works), checked statically because this machine has no Docker engine: the image holds
 * everything the service and the compose {@code replay} read (module sources, every directory a module's pom takes
 * resources from such as {@code data/}, so {@code classpath:data/...} resolves in the image), the health check's
 * command exists in the image's base and probes {@code /readyz} on the configured metrics port, the Kafka log
 * directory is on the mounted volume, stop grace periods are set, and every image is pinned to a release.
 * ({@code docker-compose config} validation: publisher's ComposeFileTest.)
 */
class DockerImageTest {

    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+(\\S+)(?:\\s+AS\\s+(\\S+))?");
    private static final Pattern COPY = Pattern.compile("(?m)^COPY\\s+(?:--from=(\\S+)\\s+)?(.+?)\\s+(\\S+)\\s*$");

    private final Path repo = repoRoot();
    private final YAMLMapper yaml = new YAMLMapper();

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("docker-compose.yml"))) {
            p = p.getParent();
        }
        assertNotNull(p, "repository root (docker-compose.yml) not found above " + Path.of("").toAbsolutePath());
        return p;
    }

    private record Copy(String from, List<String> sources, String dest, String stage) {
    }

    private List<Copy> copies(String dockerfile) {
        List<Copy> out = new ArrayList<>();
        String stage = null;
        for (String line : dockerfile.split("\n")) {
            Matcher f = FROM.matcher(line);
            if (f.find()) {
                stage = f.group(2) == null ? "final" : f.group(2);
                continue;
            }
            Matcher c = COPY.matcher(line);
            if (c.find()) {
                out.add(new Copy(c.group(1), List.of(c.group(2).trim().split("\\s+")), c.group(3), stage));
            }
        }
        return out;
    }

    @Test
    void dockerfile_buildStageCopiesEveryModuleAndResourceDirectory() throws IOException {
        String df = Files.readString(repo.resolve("Dockerfile"));
        List<Copy> build = copies(df).stream().filter(c -> c.from() == null && "build".equals(c.stage())).toList();
        List<String> copied = build.stream().flatMap(c -> c.sources().stream()).map(s -> s.replaceAll("/$", "")).toList();
        String rootPom = Files.readString(repo.resolve("pom.xml"));
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
        List<String> needed = new ArrayList<>(List.of("pom.xml"));
        while (m.find()) {
            String mod = m.group(1);
            needed.add(mod + "/pom.xml");
            if (!mod.equals("bench")) {
                needed.add(mod + "/src");
                // resource or source directories outside the module: ${project.basedir}/../X
                Matcher r = Pattern.compile("\\$\\{project\\.basedir}/\\.\\./([^<\\s/]+)")
                        .matcher(Files.readString(repo.resolve(mod).resolve("pom.xml")));
                while (r.find()) {
                    needed.add(r.group(1));
                }
            }
        }
        assertTrue(needed.contains("data"), "ingest's pom takes data/ as resources: " + needed);
        for (String n : needed) {
            assertTrue(copied.contains(n), "the build stage does not COPY " + n + " (copied: " + copied + ")");
            assertTrue(Files.exists(repo.resolve(n)), n + " missing in the repository");
        }
        String ignore = Files.readString(repo.resolve(".dockerignore"));
        for (String n : needed) {
            assertTrue(ignore.lines().map(String::strip).noneMatch(l -> l.equals(n) || l.equals(n + "/")),
                    ".dockerignore excludes " + n);
        }
    }

    @Test
    void image_holdsWhatTheServiceAndTheReplayRead() throws IOException {
        String df = Files.readString(repo.resolve("Dockerfile"));
        List<Copy> all = copies(df);
        List<Copy> runtime = all.stream().filter(c -> "final".equals(c.stage())).toList();
        List<String> dests = runtime.stream().map(Copy::dest).toList();
        assertTrue(dests.contains("/opt/mfgcal/mfgcal.jar") && dests.contains("/opt/mfgcal/lib"),
                "application jar and lib/ (its Class-Path) in the runtime image: " + dests);
        assertTrue(df.contains("\"-jar\", \"/opt/mfgcal/mfgcal.jar\""), "entrypoint runs the copied jar");
        // the config the CMD names is in the image (and compose mounts the repository's copy over it)
        Matcher cmd = Pattern.compile("--config\", \"([^\"]+)\"").matcher(df);
        assertTrue(cmd.find(), "CMD names a config");
        String config = cmd.group(1);
        Copy cfg = runtime.stream().filter(c -> c.dest().equals(config)).findFirst().orElse(null);
        assertNotNull(cfg, config + " is not copied into the image");
        JsonNode service = yaml.readTree(repo.resolve(cfg.sources().get(0)).toFile());
        // every classpath: resource the service and the replay read exists under a copied resource directory
        List<String> resources = new ArrayList<>();
        resources.add(service.path("regions").asText());
        JsonNode compose = yaml.readTree(repo.resolve("docker-compose.yml").toFile());
        JsonNode replay = compose.path("services").path("replay").path("command");
        for (int i = 0; i + 1 < replay.size(); i++) {
            if (replay.get(i).asText().equals("--file")) {
                resources.add(replay.get(i + 1).asText());
            }
        }
        assertEquals(2, resources.size(), "regions of the config and the replay file: " + resources);
        for (String r : resources) {
            assertTrue(r.startsWith("classpath:data/"), "read from the image's class path: " + r);
            Path file = repo.resolve(r.substring("classpath:".length()));
            assertTrue(Files.isRegularFile(file), r + " is not in the repository's data/ (copied by the build stage)");
            assertNotNull(getClass().getResource("/" + r.substring("classpath:".length())),
                    r + " is not on the built class path");
        }
    }

    @Test
    void healthCheck_runsInTheImageBaseAndProbesReadiness() throws IOException, ClassNotFoundException {
        String df = Files.readString(repo.resolve("Dockerfile"));
        JsonNode compose = yaml.readTree(repo.resolve("docker-compose.yml").toFile());
        JsonNode mfgcal = compose.path("services").path("mfgcal");
        JsonNode test = mfgcal.path("healthcheck").path("test");
        assertEquals("CMD", test.get(0).asText(), "exec form: the image's /bin/sh is dash (no /dev/tcp)");
        List<String> argv = new ArrayList<>();
        test.forEach(a -> argv.add(a.asText()));
        argv.remove(0);
        // the executable: java, on the PATH of the eclipse-temurin base of the runtime stage
        List<String> froms = new ArrayList<>();
        Matcher f = FROM.matcher(df);
        while (f.find()) {
            froms.add(f.group(1));
        }
        String base = froms.get(froms.size() - 1);
        assertTrue(base.startsWith("eclipse-temurin:") && base.contains("-jre"), "runtime base " + base);
        assertEquals("java", argv.get(0), "the probe runs on the base image's JRE");
        // the class path is the copied jar, the class exists and uses java.base only
        String cp = argv.get(argv.indexOf("-cp") + 1);
        assertTrue(copies(df).stream().anyMatch(c -> c.dest().equals(cp)), cp + " is not copied into the image");
        String cls = argv.get(argv.indexOf("-cp") + 2);
        Class<?> probe = Class.forName(cls);
        assertEquals("org.mfgcal.app.HealthProbe", probe.getName());
        // it probes /readyz on the metrics port the config binds
        JsonNode service = yaml.readTree(repo.resolve("docker/mfgcal.yaml").toFile());
        int port = service.path("http").path("metrics").path("port").asInt();
        assertEquals("http://127.0.0.1:" + port + "/readyz", argv.get(argv.size() - 1));
        // the Dockerfile's own HEALTHCHECK is the same command
        assertTrue(df.contains("HEALTHCHECK") && df.contains(String.join("\", \"", argv)),
                "Dockerfile HEALTHCHECK differs from compose's: " + argv);
        // the replay waits for it
        assertEquals("service_healthy", compose.path("services").path("replay").path("depends_on").path("mfgcal")
                .path("condition").asText());

        // Kafka's health check: a CLI script the apache/kafka image ships under /opt/kafka/bin
        JsonNode kafka = compose.path("services").path("kafka");
        String kcheck = kafka.path("healthcheck").path("test").get(1).asText();
        assertTrue(kcheck.startsWith("/opt/kafka/bin/kafka-broker-api-versions.sh "), kcheck);
        assertTrue(!kcheck.contains("/dev/tcp") && !kcheck.contains("curl") && !kcheck.contains("wget"), kcheck);
    }

    @Test
    void compose_kafkaLogsOnTheVolume_gracePeriods_pinnedImages() throws IOException {
        JsonNode compose = yaml.readTree(repo.resolve("docker-compose.yml").toFile());
        JsonNode kafka = compose.path("services").path("kafka");
        String logDirs = kafka.path("environment").path("KAFKA_LOG_DIRS").asText();
        assertTrue(!logDirs.isEmpty(), "KAFKA_LOG_DIRS unset: the apache/kafka image writes /tmp/kraft-combined-logs");
        String mount = null;
        for (JsonNode v : kafka.path("volumes")) {
            String[] parts = v.asText().split(":");
            if (compose.path("volumes").has(parts[0])) {
                mount = parts[1];
            }
        }
        assertNotNull(mount, "kafka has no named volume");
        for (String d : logDirs.split(",")) {
            assertTrue(d.equals(mount) || d.startsWith(mount + "/"), "log dir " + d + " is not on the volume " + mount);
        }
        for (String s : List.of("kafka", "mfgcal")) {
            String grace = compose.path("services").path(s).path("stop_grace_period").asText();
            Matcher g = Pattern.compile("(\\d+)s").matcher(grace);
            assertTrue(g.matches() && Integer.parseInt(g.group(1)) >= 30, s + " stop_grace_period: '" + grace + "'");
        }
        Pattern pinned = Pattern.compile("[^:]+:v?\\d+\\.\\d+\\.\\d+.*");
        for (Map.Entry<String, JsonNode> e : compose.path("services").properties()) {
            String image = e.getValue().path("image").asText();
            if (!e.getValue().has("build")) {
                assertTrue(pinned.matcher(image).matches(), e.getKey() + " image not pinned to a release: " + image);
            }
        }
        Matcher f = FROM.matcher(Files.readString(repo.resolve("Dockerfile")));
        while (f.find()) {
            assertTrue(pinned.matcher(f.group(1)).matches(), "Dockerfile base not pinned to a release: " + f.group(1));
        }
    }
}
