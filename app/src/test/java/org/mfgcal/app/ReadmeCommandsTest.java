package org.mfgcal.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.ParseResult;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.publisher.Tools;

/**
 * The README doc test: every example command of README.md is extracted and checked against the code
 * ({@link ReadmeCommands}: parsed by the real command line and its {@code --help} run; the demo and the test command
 * only syntactically), the example input records parse and carry every field their schema requires, and every
 * README section that files of the repository point to exists. The README can be replaced by
 * {@code -Dmfgcal.readme=FILE} (to see the test fail on a broken copy); a broken README string must fail too.
 */
class ReadmeCommandsTest {

    private final Path repo = Tools.repoRoot();

    private String readme() throws Exception {
        String override = System.getProperty("mfgcal.readme");
        return Files.readString(override == null || override.isBlank() ? repo.resolve("README.md") : Path.of(override),
                StandardCharsets.UTF_8);
    }

    @Test
    void readme_everyExampleCommand_agreesWithTheCode() throws Exception {
        String md = readme();
        List<ReadmeCommands.Command> commands = ReadmeCommands.extract(md);
        List<String> texts = commands.stream().map(ReadmeCommands.Command::text).toList();
        // the two main commands, and a few others, are found (so the extractor cannot silently find nothing)
        for (String expected : List.of("bin/mfgcal demo", "./mvnw -B verify", "docker compose up --build")) {
            assertTrue(texts.contains(expected), "README command not extracted: " + expected + " in " + texts);
        }
        assertTrue(texts.stream().anyMatch(t -> t.startsWith("bin/mfgcal replay ") && t.contains("127.0.0.1:29092")),
                "the producing-from-the-host example");
        assertTrue(commands.size() >= 10, "commands: " + texts);
        assertEquals(List.of(), ReadmeCommands.problems(md, repo), "README commands that disagree with the code");
        System.out.println("README doc test: " + commands.size() + " commands checked: " + texts);
    }

    @Test
    void brokenReadme_fails_namingTheCommand() {
        String broken = """
                # x

                    bin/mfgcal demo --inject-chnage PHX@96

                text `bin/mfgcal online --inptu a.csv` and `bin/mfgcall demo`

                    ./mvnw -B verfiy

                    bin/mfgcal bench NoSuchBench
                    mfgcal demo: this is output, not a command
                """;
        List<ReadmeCommands.Command> commands = ReadmeCommands.extract(broken);
        assertEquals(5, commands.size(), "commands: " + commands);
        List<String> problems = ReadmeCommands.problems(broken, repo);
        assertEquals(5, problems.size(), "every broken command is reported: " + problems);
        assertTrue(problems.get(0).startsWith("line 3: `bin/mfgcal demo --inject-chnage PHX@96`")
                && problems.get(0).contains("--inject-chnage"), problems.get(0));
        assertTrue(problems.get(1).contains("--inptu"), problems.get(1));
        assertTrue(problems.get(2).contains("unknown program 'bin/mfgcall'"), problems.get(2));
        assertTrue(problems.get(3).contains("verfiy"), problems.get(3));
        assertTrue(problems.get(4).contains("NoSuchBench"), problems.get(4));
        // and the same commands spelled right pass
        assertEquals(List.of(), ReadmeCommands.problems("""
                    bin/mfgcal demo --inject-change PHX@96
                    ./mvnw -B verify
                """, repo));
    }

    @Test
    void readme_inputRecordExamples_parseAndHaveTheirSchemasRequiredFields() throws Exception {
        String md = readme();
        Matcher m = Pattern.compile("\\| `(ingest/src/main/resources/schemas/(trip|count)\\.schema\\.json)` \\| `(\\{[^`]+})` \\|")
                .matcher(md);
        List<String> kinds = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        while (m.find()) {
            kinds.add(m.group(2));
            JsonNode schema = json.readTree(repo.resolve(m.group(1)).toFile());
            JsonNode example = json.readTree(m.group(3));
            for (JsonNode req : schema.path("required")) {
                assertTrue(example.has(req.asText()), m.group(2) + " example lacks required field " + req);
            }
            example.fieldNames().forEachRemaining(f -> assertTrue(schema.path("properties").has(f),
                    m.group(2) + " example has a field the schema does not define: " + f));
            ParseResult r = RecordCodec.parse(example.path("region").asText().getBytes(StandardCharsets.UTF_8),
                    m.group(3).getBytes(StandardCharsets.UTF_8));
            assertTrue(m.group(2).equals("trip") ? r instanceof TripEvent : r instanceof CountEvent,
                    m.group(2) + " example parsed as " + r);
        }
        assertEquals(List.of("trip", "count"), kinds, "README's input record table");
    }

    @Test
    void filesPointingToReadmeSections_pointToExistingHeadings() throws Exception {
        String md = readme();
        Pattern ref = Pattern.compile("README\\.md \\(\"([^\"]+)\"\\)|README\\.md#([a-z0-9-]+)|README\\.md \"([^\"]+)\"");
        List<String> missing = new ArrayList<>();
        int refs = 0;
        for (String file : List.of("docker/mfgcal.yaml", "docker-compose.yml",
                "grafana/provisioning/alerting/mfgcal-rules.yml", "grafana/provisioning/alerting/mfgcal-notifications.yml")) {
            Matcher m = ref.matcher(Files.readString(repo.resolve(file)));
            while (m.find()) {
                refs++;
                String title = m.group(1) != null ? m.group(1) : m.group(3);
                boolean ok = title != null ? md.lines().anyMatch(l -> l.startsWith("#") && l.contains(title))
                        : md.lines().anyMatch(l -> l.startsWith("#") && anchor(l).equals(m.group(2)));
                if (!ok) {
                    missing.add(file + ": " + m.group());
                }
            }
        }
        assertEquals(List.of(), missing, "pointers to README sections that do not exist");
        assertTrue(refs >= 3, "pointers found: " + refs);
        assertNotNull(md);
        assertFalse(md.contains("](docs/screenshot-web.png)"), "the old screenshot is gone");
        Matcher img = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
        while (img.find()) {
            assertTrue(Files.exists(repo.resolve(img.group(1))), "README image missing: " + img.group(1));
        }
    }

    /** GitHub's anchor of a Markdown heading line. */
    static String anchor(String heading) {
        return heading.replaceFirst("^#+\\s*", "").toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 -]", "")
                .trim().replace(' ', '-');
    }
}
