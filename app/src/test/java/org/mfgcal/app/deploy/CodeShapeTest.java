package org.mfgcal.app.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The shape the code keeps (issue 13, docs/MODEL.md is what comments cite): no main class over 500 lines; the
 * numerical core imports neither Kafka nor Micrometer; no source cites a document that is not in the repository.
 */
class CodeShapeTest {

    /** The workplace's documents outside the repository (spelt in two parts so this file does not cite them). */
    private static final String REFERENCE_DOC = "REFERENCE" + ".md";
    private static final String SHARED_DIR = ".." + "/shared";

    static final int MAX_LINES = 500;
    static final List<String> MODULES = List.of("api", "simd", "calibrator", "ingest", "publisher", "app", "kafka-embedded", "bench");

    private final Path repo = DockerImageTest.repoRoot();

    @Test
    void mainClasses_atMost500Lines() throws IOException {
        TreeMap<String, Long> over = new TreeMap<>();
        int files = 0;
        for (Path f : sources("src/main/java")) {
            files++;
            long lines = Files.readAllLines(f).size();
            if (lines > MAX_LINES) {
                over.put(repo.relativize(f).toString(), lines);
            }
        }
        assertTrue(files > 100, "main sources found: " + files);
        assertEquals(new TreeMap<String, Long>(), over, "main classes over " + MAX_LINES + " lines");
    }

    @Test
    void calibrator_importsNoKafkaNorMicrometer() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Path f : sources("src/main/java")) {
            if (!repo.relativize(f).startsWith("calibrator")) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                if (line.startsWith("import") && (line.contains("org.apache.kafka") || line.contains("io.micrometer"))) {
                    bad.add(repo.relativize(f) + ": " + line);
                }
            }
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void sources_citeNoDocumentOutsideTheRepository() throws IOException {
        List<String> bad = new ArrayList<>();
        List<Path> all = new ArrayList<>(sources("src/main/java"));
        all.addAll(sources("src/test/java"));
        for (Path f : all) {
            if (f.getFileName().toString().equals("CodeShapeTest.java")) {
                continue;
            }
            String text = Files.readString(f);
            if (text.contains(REFERENCE_DOC) || text.contains(SHARED_DIR)) {
                bad.add(repo.relativize(f).toString());
            }
        }
        assertEquals(List.of(), bad, "sources citing " + REFERENCE_DOC + " or " + SHARED_DIR + " (cite docs/*.md instead)");
    }

    private List<Path> sources(String under) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String m : MODULES) {
            Path root = repo.resolve(m).resolve(under);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                s.filter(p -> p.toString().endsWith(".java")).forEach(out::add);
            }
        }
        return out;
    }
}
