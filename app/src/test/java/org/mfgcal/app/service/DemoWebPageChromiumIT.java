package org.mfgcal.app.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mfgcal.ingest.Binning;
import org.mfgcal.ingest.PopulationSnapshot;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.publisher.Chromium;
import org.mfgcal.publisher.HttpEndpoint;
import org.mfgcal.publisher.PageDom;

/**
 * Issue 6, "must show" 3: the web page of a running demo in headless Chromium. The demo replays the real flights
 * week through the embedded broker with an injected change (every second Phoenix departure cancelled from hour
 * 96 on); after its bins are committed, the page has one observed point per committed bin in every zone chart,
 * forecast bands, parameter and health charts with points, and the drift alert on PHX that the real loop raised
 * (none on PHX before the change), with its local time (America/Chicago, the region's time zone); the time axes
 * are labelled in that zone; the overview lists the region with its active alert and links to it; the page logs
 * nothing to the console. Saves the README's screenshots {@code docs/web-overview.png} and {@code docs/web-region.png}
 * and checks their pixels (alert red, forecast blue).
 */
class DemoWebPageChromiumIT {

    static final String ZONE = "PHX";
    static final int CHANGE_HOURS = 96;
    static final Path OVERVIEW_PNG = org.mfgcal.publisher.Tools.repoRoot().resolve("docs/web-overview.png");
    static final Path REGION_PNG = org.mfgcal.publisher.Tools.repoRoot().resolve("docs/web-region.png");
    /** Colours of the page's stylesheet: the alert red, the forecast line blue. */
    static final int RED = 0xd92d20;
    static final int BLUE = 0x2563eb;

    @TempDir
    Path tmp;

    @Test
    void demo_withInjectedChange_pageShowsChartsAndTheAlert() throws Exception {
        Chromium chromium = new Chromium(tmp); // skips (or fails under MFGCAL_REQUIRE_TOOLS=1) without chromium
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Options options = new Demo.Options(0, tmp, false, HttpEndpoint.loopback(0), HttpEndpoint.loopback(0),
                ServiceConfig.Model.DEFAULTS.with("seasonBins", 24)
                        .with("driftWarmupBins", org.mfgcal.app.DemoCommand.DEMO_DRIFT_WARMUP_BINS),
                new DemoData.Change(ZONE, CHANGE_HOURS));
        try (Demo demo = Demo.start(options, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            RegionConfig region = demo.input().regions().single();
            List<PopulationSnapshot> offline = Binning.snapshots(demo.input().events(), region);
            int bins = Brokers.binsClosedByWatermark(demo.input().events(), region, offline);
            Service service = demo.service();
            assertTrue(service.awaitCommitted(bins, Duration.ofSeconds(150)), "bins committed: "
                    + service.pipeline().committed() + " of " + bins + "; " + log.toString(StandardCharsets.UTF_8));
            long changeBin = demo.input().changeAt().toEpochMilli() / region.binWidth().toMillis();

            String overview = chromium.dumpDom(service.webUrl());
            assertEquals(List.of(), chromium.consoleMessages(), "console output of the overview");
            String row = PageDom.first(overview, "(<tr class=\"region-row alerting\" data-region=\"flights\">.*?</tr>)");
            assertTrue(row.contains("<a href=\"#region=flights\">flights</a>") && row.contains("<td class=\"tz\">America/Chicago</td>"),
                    "overview row: " + row);
            String dom = chromium.dumpDom(service.webUrl() + "#region=flights");
            assertEquals(List.of(), chromium.consoleMessages(), "console output of the region view");
            assertEquals("0", PageDom.first(dom, "data-cut-labels=\"(\\d+)\""), "chart labels outside their chart: "
                    + PageDom.cutLabels(dom));
            PageDom.assertTimeTicks(dom, java.time.ZoneId.of("America/Chicago"), 2 * region.zoneCount());

            assertTrue(dom.contains("data-version=\"" + service.dashboard().version() + "\""),
                    "page did not render the current state (version " + service.dashboard().version() + ")");
            List<String> cards = PageDom.split(dom, "<div class=\"card zone\"");
            assertEquals(region.zoneCount(), cards.size(), "zone charts");
            for (String card : cards) {
                assertEquals(bins, Integer.parseInt(PageDom.first(card, "data-points=\"(\\d+)\"")), "observed points in " + card.substring(0, 60));
                assertTrue(card.contains("class=\"band\""), "one-bin-ahead band missing");
                assertTrue(card.contains("class=\"fan\""), "latest forecast band missing");
            }
            int points = 0;
            Matcher pts = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
            while (pts.find()) {
                points += Integer.parseInt(pts.group(1));
            }
            assertTrue(points > 3 * region.zoneCount() * bins / 2, "data points over all charts: " + points);

            // the alert on PHX raised by the real loop, and none on PHX before the change
            Matcher rows = Pattern.compile("<tr class=\"alert (raised|cleared)\" data-id=\"flights/" + ZONE
                    + "/([^/]+)/([A-Z]+)/(\\d+)\" data-first-bin=\"\\d+\"><td>[A-Z]+</td>(?:<td>[^<]*</td>){7}<td>(\\d{4}-\\d\\d-\\d\\d"
                    + " \\d\\d:\\d\\d)</td>").matcher(dom);
            List<String> phx = new ArrayList<>();
            boolean raised = false;
            while (rows.find()) {
                phx.add(rows.group(0));
                raised |= rows.group(1).equals("raised");
                long first = Long.parseLong(rows.group(4));
                assertTrue(first >= changeBin, "PHX alert before the change: " + rows.group(0));
                assertEquals(java.time.Instant.ofEpochMilli(first * region.binWidth().toMillis())
                                .atZone(java.time.ZoneId.of("America/Chicago")).toLocalDateTime().toString().replace('T', ' '),
                        rows.group(5), "local time of the alert's first bin");
            }
            assertFalse(phx.isEmpty(), "no PHX alert on the page; alerts section: " + section(dom, "alerts"));
            assertTrue(raised, "no PHX alert shown as raised: " + phx);
            String phxCard = cards.stream().filter(c -> c.contains("data-zone=\"" + ZONE + "\"")).findFirst().orElseThrow();
            assertTrue(phxCard.contains("class=\"alertline\""), "raised alert not marked in the PHX chart");

            chromium.screenshot(service.webUrl(), OVERVIEW_PNG, 1400, 360);
            assertTrue(PageDom.pixels(OVERVIEW_PNG, RED, 40) > 50, "the active alert's red missing in the overview shot");
            chromium.screenshot(service.webUrl() + "#region=flights", REGION_PNG, 1400, 1700);
            PageDom.assertPlausiblePng(REGION_PNG);
            assertTrue(PageDom.pixels(REGION_PNG, RED, 40) > 200, "alert red (row, markers) missing in the region shot");
            assertTrue(PageDom.pixels(REGION_PNG, BLUE, 40) > 500, "forecast lines missing in the region shot");
        }
    }

    private static String section(String dom, String id) {
        int i = dom.indexOf("id=\"" + id + "\"");
        return i < 0 ? "(none)" : dom.substring(i, Math.min(dom.length(), i + 2000));
    }
}
