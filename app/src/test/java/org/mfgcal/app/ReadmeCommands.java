package org.mfgcal.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The README doc test's machinery: extracts every example command of a Markdown text and checks it against the
 * code.
 *
 * <p>Commands are (1) every line of an indented code block or of a fenced {@code sh}/{@code bash}/{@code console}
 * block, except program output (lines starting with {@code mfgcal }), with {@code \} continuations joined, and
 * (2) every inline code span starting with {@code bin/mfgcal }, {@code ./mvnw }, {@code docker compose } or
 * {@code java -}. A command whose program is not one of those is a problem (so a typo cannot hide).
 *
 * <p>Checks, fast variants of running each command: {@code bin/mfgcal SUB ARGS} is parsed by the real command line
 * ({@link Main#commandLine()}: unknown options, missing values, bad numbers or enum values fail; {@code [..]} marks
 * optional parts, {@code a|b} alternatives, the first is used) and {@code bin/mfgcal SUB --help} is run (exit 0);
 * the two main commands ({@code bin/mfgcal demo}, {@code ./mvnw -B verify}) are only checked that way, never run
 * (the test would run itself); {@code bin/mfgcal bench} and {@code java -jar|-cp bench/target/benchmarks.jar} name
 * existing benchmark classes (and their {@code -p} parameters); {@code ./mvnw} uses known phases and flags;
 * {@code docker compose} uses a known subcommand and the compose file exists.
 */
final class ReadmeCommands {

    /** One example command and the line of the README it starts on. */
    record Command(int line, String text, boolean inline) {
        Command(int line, String text) {
            this(line, text, false);
        }
    }

    private static final Pattern INLINE = Pattern.compile("`((?:bin/mfgcal|\\./mvnw|docker compose|java -)[^`]*)`");
    private static final Set<String> MAVEN_PHASES = Set.of("validate", "compile", "test", "package", "verify",
            "clean");
    private static final Set<String> COMPOSE_SUBCOMMANDS = Set.of("up", "down", "stop", "start", "ps", "logs",
            "config", "build", "pull", "restart");

    private ReadmeCommands() {
    }

    /** Every example command of {@code markdown}, in order. */
    static List<Command> extract(String markdown) {
        List<Command> out = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        boolean fenced = false;
        boolean shellFence = false;
        boolean previousBlank = true;
        boolean inIndented = false;
        StringBuilder pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.startsWith("```")) {
                if (!fenced) {
                    String lang = line.substring(3).trim();
                    shellFence = Set.of("sh", "bash", "shell", "console").contains(lang);
                }
                fenced = !fenced;
                previousBlank = false;
                continue;
            }
            boolean code;
            String content;
            if (fenced) {
                code = shellFence;
                content = line.startsWith("$ ") ? line.substring(2) : line;
            } else {
                code = line.startsWith("    ") && (previousBlank || inIndented) && !line.isBlank();
                inIndented = code || (inIndented && line.isBlank());
                content = code ? line.substring(4) : line;
            }
            previousBlank = line.isBlank();
            if (code) {
                String c = content.strip();
                if (pending != null) {
                    pending.append(' ').append(c);
                } else if (!c.isEmpty() && !c.startsWith("mfgcal ") && !c.startsWith("#")) {
                    pending = new StringBuilder(c);
                    pendingLine = i + 1;
                }
                if (pending != null && pending.toString().endsWith("\\")) {
                    pending.setLength(pending.length() - 1);
                    continue;
                }
                if (pending != null) {
                    out.add(new Command(pendingLine, pending.toString().replaceAll("\\s+", " ").strip()));
                    pending = null;
                }
            } else if (!fenced) {
                Matcher m = INLINE.matcher(line);
                while (m.find()) {
                    out.add(new Command(i + 1, m.group(1).strip(), true));
                }
            }
        }
        return out;
    }

    /** Null when {@code c} agrees with the code in {@code repo}, else the problem. */
    static String check(Command c, Path repo) {
        List<String> words = tokens(c.text());
        if (words.isEmpty()) {
            return "empty command";
        }
        try {
            switch (words.get(0)) {
                case "bin/mfgcal":
                    return mfgcal(words.subList(1, words.size()), repo, c.inline());
                case "./mvnw":
                    return maven(words.subList(1, words.size()), repo);
                case "docker":
                    return words.size() >= 3 && words.get(1).equals("compose") ? compose(words.subList(2, words.size()), repo)
                            : "unknown docker command";
                case "java":
                    return java(words.subList(1, words.size()), repo);
                default:
                    return "unknown program '" + words.get(0) + "' (the doc test knows bin/mfgcal, ./mvnw, docker"
                            + " compose and java)";
            }
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Every problem of {@code markdown}'s commands, as "line N: `command`: problem". */
    static List<String> problems(String markdown, Path repo) {
        List<String> out = new ArrayList<>();
        for (Command c : extract(markdown)) {
            String p = check(c, repo);
            if (p != null) {
                out.add("line " + c.line() + ": `" + c.text() + "`: " + p);
            }
        }
        return out;
    }

    /**
     * An inline span may be a mention or a fragment ({@code bin/mfgcal online --optimizer adam}): its options must
     * exist and take its values, but required options may be left out. A code block holds whole commands.
     */
    private static String mfgcal(List<String> args, Path repo, boolean inline) throws IOException {
        if (args.isEmpty()) {
            return inline ? null : "no subcommand";
        }
        if (args.get(0).equals("bench")) {
            List<String> rest = args.subList(1, args.size());
            return rest.isEmpty() ? null : benchmark(rest, repo);
        }
        if (args.get(0).matches("[A-Z_]+")) { // a placeholder for any subcommand: every one has --help
            for (String sub : Main.commandLine().getSubcommands().keySet()) {
                String p = help(sub);
                if (p != null) {
                    return p;
                }
            }
            return null;
        }
        CommandLine cl = Main.commandLine();
        List<String> concrete = new ArrayList<>(args);
        CommandLine sub = cl.getSubcommands().get(args.get(0));
        for (int i = 2; sub != null && i < concrete.size(); i++) {
            // a placeholder value (R, N) of a numeric option stands for a number
            CommandLine.Model.OptionSpec o = sub.getCommandSpec().findOption(concrete.get(i - 1));
            if (o != null && concrete.get(i).matches("[A-Z][A-Z0-9_]*") && (Number.class.isAssignableFrom(boxed(o.type())))) {
                concrete.set(i, "1");
            }
        }
        try {
            cl.parseArgs(concrete.toArray(String[]::new));
        } catch (CommandLine.MissingParameterException e) {
            if (!inline) {
                return "rejected by the command line: " + e.getMessage();
            }
            for (String w : concrete.subList(1, concrete.size())) { // a fragment: at least its options must exist
                if (w.startsWith("-") && sub != null && sub.getCommandSpec().findOption(w.split("=", 2)[0]) == null) {
                    return "rejected by the command line: unknown option '" + w + "' of " + args.get(0);
                }
            }
        } catch (CommandLine.ParameterException e) {
            return "rejected by the command line: " + e.getMessage();
        }
        return help(args.get(0));
    }

    private static Class<?> boxed(Class<?> t) {
        return t == int.class ? Integer.class : t == long.class ? Long.class : t == double.class ? Double.class : t;
    }

    private static String help(String sub) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(out, true, StandardCharsets.UTF_8));
        int code = cl.execute(sub, "--help");
        return code == 0 ? null : "`bin/mfgcal " + sub + " --help` exited " + code + ": " + out;
    }

    private static String benchmark(List<String> args, Path repo) throws IOException {
        String name = args.get(0);
        Path src = benchSource(repo, name);
        if (src == null) {
            return "no benchmark class " + name + " under bench/src/main/java";
        }
        String text = Files.readString(src);
        for (int i = 1; i < args.size(); i++) {
            if (args.get(i).equals("-p") && i + 1 < args.size()) {
                String param = args.get(i + 1).split("=", 2)[0];
                if (!Pattern.compile("@Param\\([^)]*\\)\\s*(?:public\\s+)?\\w+\\s+" + Pattern.quote(param) + "\\b")
                        .matcher(text).find()) {
                    return name + " has no @Param " + param;
                }
            }
        }
        return null;
    }

    private static Path benchSource(Path repo, String simpleOrQualified) throws IOException {
        String simple = simpleOrQualified.substring(simpleOrQualified.lastIndexOf('.') + 1);
        try (Stream<Path> files = Files.walk(repo.resolve("bench/src/main/java"))) {
            return files.filter(f -> f.getFileName().toString().equals(simple + ".java")).findFirst().orElse(null);
        }
    }

    private static String maven(List<String> args, Path repo) {
        if (!Files.isExecutable(repo.resolve("mvnw"))) {
            return "mvnw is not executable";
        }
        boolean phase = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (MAVEN_PHASES.contains(a)) {
                phase = true;
            } else if (a.equals("-pl")) {
                i++;
                if (i >= args.size() || !Files.isDirectory(repo.resolve(args.get(i)))) {
                    return "-pl names no module directory";
                }
            } else if (!Set.of("-B", "-q", "-o", "-am", "-e").contains(a) && !a.startsWith("-D")) {
                return "unknown Maven argument '" + a + "'";
            }
        }
        return phase ? null : "no lifecycle phase";
    }

    private static String compose(List<String> args, Path repo) {
        if (!COMPOSE_SUBCOMMANDS.contains(args.get(0))) {
            return "unknown docker compose subcommand '" + args.get(0) + "'";
        }
        return Files.exists(repo.resolve("docker-compose.yml")) ? null : "docker-compose.yml missing";
    }

    private static String java(List<String> args, Path repo) throws IOException {
        while (!args.isEmpty() && (args.get(0).startsWith("-X") || args.get(0).startsWith("-D")
                || args.get(0).equals("--add-modules"))) { // JVM options before -jar/-cp
            args = args.subList(args.get(0).equals("--add-modules") ? Math.min(2, args.size()) : 1, args.size());
        }
        if (args.size() >= 3 && args.get(0).equals("-jar") && args.get(1).equals("bench/target/benchmarks.jar")) {
            return benchmark(args.subList(2, args.size()), repo);
        }
        if (args.size() >= 3 && args.get(0).equals("-cp") && args.get(1).equals("bench/target/benchmarks.jar")) {
            return benchSource(repo, args.get(2)) == null ? "no class " + args.get(2) + " under bench/src/main/java"
                    : null;
        }
        return "unknown java invocation (the doc test knows -jar/-cp bench/target/benchmarks.jar)";
    }

    /** Shell-like words; {@code [..]} marks optional parts (kept), {@code a|b} alternatives (the first kept). */
    static List<String> tokens(String command) {
        List<String> out = new ArrayList<>();
        for (String w : command.replace("[", " ").replace("]", " ").trim().split("\\s+")) {
            if (w.isEmpty()) {
                continue;
            }
            if (w.contains("|") && !w.startsWith("'") && !w.startsWith("\"")) {
                w = w.substring(0, w.indexOf('|'));
            }
            out.add(w);
        }
        return out.isEmpty() ? List.of() : Arrays.asList(out.toArray(String[]::new));
    }
}
