package org.mfgcal.publisher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Every PromQL expression of the Grafana files under {@code grafana/}: panel targets (rows included) and
 * {@code label_values} variable queries of each dashboard, and the Prometheus queries of each provisioned alert
 * rule. Dashboard variables are replaced by values Prometheus accepts ({@link #VARIABLES}).
 */
public final class GrafanaQueries {

    /** A query and where it comes from. */
    public record Query(String source, String expr) {
    }

    /** Grafana variables and what they stand for when a query is sent to Prometheus directly. */
    public static final Map<String, String> VARIABLES = Map.of(
            "$__rate_interval", "30s", "$__interval", "5s", "$__range", "5m", "$region", ".+");

    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_]\\w*)\\)");

    private GrafanaQueries() {
    }

    /** All queries of the dashboards and alert rules under {@code grafanaDir}, variables substituted. */
    public static List<Query> all(Path grafanaDir) throws IOException {
        List<Query> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        try (Stream<Path> files = Files.list(grafanaDir.resolve("dashboards"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                JsonNode dash = json.readTree(f.toFile());
                panels(f.getFileName() + "", dash.path("panels"), out);
                for (JsonNode v : dash.path("templating").path("list")) {
                    String q = v.path("query").isObject() ? v.path("query").path("query").asText()
                            : v.path("query").asText();
                    Matcher m = LABEL_VALUES.matcher(q);
                    if (m.matches()) {
                        out.add(new Query(f.getFileName() + " variable " + v.path("name").asText(),
                                "count by (" + m.group(2) + ") (" + m.group(1) + ")"));
                    } else if (!q.isEmpty()) {
                        throw new IllegalStateException(f + ": variable " + v.path("name").asText()
                                + " has a query this test cannot check: " + q);
                    }
                }
            }
        }
        YAMLMapper yaml = new YAMLMapper();
        try (Stream<Path> files = Files.list(grafanaDir.resolve("provisioning").resolve("alerting"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                    .sorted().toList()) {
                JsonNode root = yaml.readTree(f.toFile());
                for (JsonNode group : root.path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        for (JsonNode d : rule.path("data")) {
                            if (!"__expr__".equals(d.path("datasourceUid").asText())) {
                                out.add(new Query(f.getFileName() + " rule " + rule.path("uid").asText() + "/"
                                        + d.path("refId").asText(), substitute(d.path("model").path("expr").asText())));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static void panels(String file, JsonNode panels, List<Query> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(file + " panel '" + p.path("title").asText() + "'/" + t.path("refId").asText(),
                        substitute(t.path("expr").asText())));
            }
            panels(file, p.path("panels"), out);
        }
    }

    static String substitute(String expr) {
        String s = expr;
        // longest names first, so $__rate_interval is not taken for $__range...
        for (String k : VARIABLES.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
            s = s.replace(k, VARIABLES.get(k));
        }
        if (s.contains("$")) {
            throw new IllegalStateException("query uses a Grafana variable this test does not know: " + expr);
        }
        return s;
    }
}
