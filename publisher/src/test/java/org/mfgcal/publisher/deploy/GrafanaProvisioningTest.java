package org.mfgcal.publisher.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mfgcal.publisher.Tools;

/**
 * The Grafana files under {@code grafana/} read with a YAML/JSON parser (Grafana itself is not installed in tests):
 * every panel has a unit and thresholds; each alert rule has the A/B/C structure Grafana evaluates, a runbook
 * pointing at README.md's "Alerts and what to do" table (which has a row for it), a chosen noDataState (Alerting
 * for the rules that must fire on a dead service), and a dashboard panel drawing its threshold; every rule is
 * routed by the provisioned notification policy to the provisioned webhook contact point, whose URL
 * docker-compose.yml provides. The expressions themselves are evaluated against Prometheus by
 * {@code GrafanaQueriesAgainstPrometheusTest} and the app module's {@code GrafanaRulesIT}.
 */
class GrafanaProvisioningTest {

    /** Rule uid → the dashboard panel that draws its threshold, and the threshold step the panel must have. */
    static final Map<String, Object[]> RULE_PANELS = Map.of(
            "mfgcal-service-down", new Object[] {45, 1.0},
            "mfgcal-stall", new Object[] {46, 3.0},
            "mfgcal-update-failing", new Object[] {19, 2.0},
            "mfgcal-drift-alert-active", new Object[] {17, 1.0},
            "mfgcal-drift-score-high", new Object[] {16, 1.0},
            "mfgcal-band-coverage-low", new Object[] {15, 0.8},
            "mfgcal-update-latency-p99", new Object[] {8, 0.05},
            "mfgcal-dead-letters", new Object[] {3, 1.0},
            "mfgcal-consumer-lag", new Object[] {5, 10000.0});
    /** Rules whose series exist whenever the service runs: no data must alert. */
    static final Set<String> ALERT_ON_NO_DATA = Set.of("mfgcal-service-down", "mfgcal-stall");
    static final String RUNBOOK = "README.md#alerts-and-what-to-do";
    private static final Pattern METRIC = Pattern.compile("\\b(mfgcal_[a-z_]+|up)\\b");

    private final Path repo = Tools.repoRoot();

    @Test
    void dashboard_everyPanel_hasAUnitAndThresholds() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(repo.resolve("grafana/dashboards/mfgcal-overview.json").toFile());
        List<String> problems = new ArrayList<>();
        int panels = 0;
        for (JsonNode p : dash.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                continue;
            }
            panels++;
            JsonNode d = p.path("fieldConfig").path("defaults");
            String title = p.path("id").asInt() + " '" + p.path("title").asText() + "'";
            if (d.path("unit").asText().isBlank()) {
                problems.add(title + ": no unit");
            }
            JsonNode steps = d.path("thresholds").path("steps");
            if (!steps.isArray() || steps.isEmpty() || !steps.get(0).path("value").isNull()) {
                problems.add(title + ": thresholds must start with a base step (value null), got " + steps);
            }
            for (int i = 2; i < steps.size(); i++) {
                if (steps.get(i).path("value").asDouble() <= steps.get(i - 1).path("value").asDouble()) {
                    problems.add(title + ": threshold steps not increasing: " + steps);
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(panels >= 25, "panels: " + panels);
    }

    @Test
    void rules_structureRunbooksNoDataAndPanels() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(repo.resolve("grafana/provisioning/alerting/mfgcal-rules.yml").toFile());
        JsonNode dash = new ObjectMapper().readTree(repo.resolve("grafana/dashboards/mfgcal-overview.json").toFile());
        Map<Integer, JsonNode> panels = new HashMap<>();
        dash.path("panels").forEach(p -> panels.put(p.path("id").asInt(), p));
        String readme = Files.readString(repo.resolve("README.md"));
        String alertsSection = section(readme, "## Alerts and what to do");
        Set<String> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                String uid = rule.path("uid").asText();
                seen.add(uid);
                String title = rule.path("title").asText();
                if (!RUNBOOK.equals(rule.path("annotations").path("runbook_url").asText())) {
                    problems.add(uid + ": runbook_url must be " + RUNBOOK);
                }
                if (rule.path("annotations").path("runbook").asText().isBlank()
                        || rule.path("annotations").path("summary").asText().isBlank()) {
                    problems.add(uid + ": summary and runbook annotations required");
                }
                if (!alertsSection.contains("| " + title + " |")) {
                    problems.add(uid + ": no row '| " + title + " |' in README's Alerts and what to do table");
                }
                String noData = rule.path("noDataState").asText();
                if (!Set.of("Alerting", "NoData", "OK", "KeepLast").contains(noData)) {
                    problems.add(uid + ": noDataState " + noData);
                }
                if (ALERT_ON_NO_DATA.contains(uid) != "Alerting".equals(noData)) {
                    problems.add(uid + ": noDataState " + noData + (ALERT_ON_NO_DATA.contains(uid) ? " (must be Alerting)" : ""));
                }
                if (!"mfgcal".equals(rule.path("labels").path("team").asText())) {
                    problems.add(uid + ": label team=mfgcal (the notification policy routes on it)");
                }
                // A: Prometheus query; B: last of A; C: threshold on B, the rule's condition
                JsonNode data = rule.path("data");
                if (data.size() != 3 || !"prometheus".equals(data.get(0).path("datasourceUid").asText())
                        || !"reduce".equals(data.get(1).path("model").path("type").asText())
                        || !"A".equals(data.get(1).path("model").path("expression").asText())
                        || !"threshold".equals(data.get(2).path("model").path("type").asText())
                        || !"B".equals(data.get(2).path("model").path("expression").asText())
                        || !"C".equals(rule.path("condition").asText())) {
                    problems.add(uid + ": data must be A (prometheus), B = reduce(A), C = threshold(B), condition C");
                    continue;
                }
                JsonNode evaluator = data.get(2).path("model").path("conditions").get(0).path("evaluator");
                if (!Set.of("gt", "lt").contains(evaluator.path("type").asText()) || evaluator.path("params").size() != 1) {
                    problems.add(uid + ": evaluator " + evaluator);
                }
                Object[] panel = RULE_PANELS.get(uid);
                if (panel == null) {
                    problems.add(uid + ": no dashboard panel declared for this rule in RULE_PANELS");
                    continue;
                }
                JsonNode p = panels.get((Integer) panel[0]);
                boolean step = false;
                for (JsonNode s : p.path("fieldConfig").path("defaults").path("thresholds").path("steps")) {
                    step |= !s.path("value").isNull() && s.path("value").asDouble() == (Double) panel[1];
                }
                if (!step) {
                    problems.add(uid + ": panel " + panel[0] + " has no threshold step at " + panel[1]);
                }
                Matcher m = METRIC.matcher(data.get(0).path("model").path("expr").asText());
                assertTrue(m.find(), uid + ": no metric in " + data.get(0));
                if (!p.path("targets").toString().contains(m.group(1))) {
                    problems.add(uid + ": panel " + panel[0] + " does not query " + m.group(1));
                }
            }
        }
        assertEquals(List.of(), problems);
        assertEquals(RULE_PANELS.keySet(), seen, "rules");
    }

    @Test
    void notifications_everyRuleRoutedToTheWebhookContactPoint() throws Exception {
        JsonNode n = new YAMLMapper().readTree(repo.resolve("grafana/provisioning/alerting/mfgcal-notifications.yml").toFile());
        Set<String> contactPoints = new HashSet<>();
        for (JsonNode cp : n.path("contactPoints")) {
            contactPoints.add(cp.path("name").asText());
            for (JsonNode r : cp.path("receivers")) {
                assertEquals("webhook", r.path("type").asText());
                assertEquals("${MFGCAL_ALERT_WEBHOOK_URL}", r.path("settings").path("url").asText());
            }
        }
        JsonNode policy = n.path("policies").get(0);
        assertTrue(contactPoints.contains(policy.path("receiver").asText()), "default receiver defined");
        JsonNode route = policy.path("routes").get(0);
        assertTrue(contactPoints.contains(route.path("receiver").asText()), "route receiver defined");
        JsonNode matcher = route.path("object_matchers").get(0);
        assertEquals(List.of("team", "=", "mfgcal"), List.of(matcher.get(0).asText(), matcher.get(1).asText(),
                matcher.get(2).asText()));
        String compose = Files.readString(repo.resolve("docker-compose.yml"));
        assertTrue(compose.contains("MFGCAL_ALERT_WEBHOOK_URL:"), "docker-compose.yml gives Grafana the webhook URL");
    }

    @Test
    void readme_alertsSection_isWhereTheRunbooksPoint() throws Exception {
        String readme = Files.readString(repo.resolve("README.md"));
        // GitHub's anchor of "## Alerts and what to do"
        assertTrue(readme.contains("\n## Alerts and what to do\n"), "README heading for " + RUNBOOK);
        assertFalse(section(readme, "## Alerts and what to do").isBlank());
    }

    static String section(String md, String heading) {
        int i = md.indexOf("\n" + heading + "\n");
        if (i < 0) {
            return "";
        }
        int j = md.indexOf("\n## ", i + heading.length() + 2);
        return md.substring(i, j < 0 ? md.length() : j);
    }
}
