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
 * (none on PHX before the change). Saves {@code target/screenshot-web-demo.png} (the README's
 * {@code docs/screenshot-web.png} is a copy).
 */
class DemoWebPageChromiumIT {

    static final String ZONE = "PHX";
    static final int CHANGE_HOURS = 96;
    static final Path SCREENSHOT = Path.of("target", "screenshot-web-demo.png");

    @TempDir
    Path tmp;

    @Test
    void demo_withInjectedChange_pageShowsChartsAndTheAlert() throws Exception {
        Chromium chromium = new Chromium(tmp); // skips (or fails under MFGCAL_REQUIRE_TOOLS=1) without chromium
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Options options = new Demo.Options(0, tmp, false, HttpEndpoint.loopback(0), HttpEndpoint.loopback(0),
                new ServiceConfig.Model(null, 24, null, null, null, null, null, null, null, null, null, null,
                        org.mfgcal.app.DemoCommand.DEMO_DRIFT_WARMUP_BINS),
                new DemoData.Change(ZONE, CHANGE_HOURS));
        try (Demo demo = Demo.start(options, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            RegionConfig region = demo.input().regions().single();
            List<PopulationSnapshot> offline = Binning.snapshots(demo.input().events(), region);
            int bins = Brokers.binsClosedByWatermark(demo.input().events(), region, offline);
            Service service = demo.service();
            assertTrue(service.awaitCommitted(bins, Duration.ofSeconds(150)), "bins committed: "
                    + service.pipeline().committed() + " of " + bins + "; " + log.toString(StandardCharsets.UTF_8));
            long changeBin = demo.input().changeAt().toEpochMilli() / region.binWidth().toMillis();

            String dom = chromium.dumpDom(service.webUrl());

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
                    + "/([^/]+)/([A-Z]+)/(\\d+)\">").matcher(dom);
            List<String> phx = new ArrayList<>();
            boolean raised = false;
            while (rows.find()) {
                phx.add(rows.group(0));
                raised |= rows.group(1).equals("raised");
                assertTrue(Long.parseLong(rows.group(4)) >= changeBin, "PHX alert before the change: " + rows.group(0));
            }
            assertFalse(phx.isEmpty(), "no PHX alert on the page; alerts section: " + section(dom, "alerts"));
            assertTrue(raised, "no PHX alert shown as raised: " + phx);
            String phxCard = cards.stream().filter(c -> c.contains("data-zone=\"" + ZONE + "\"")).findFirst().orElseThrow();
            assertTrue(phxCard.contains("class=\"alertline\""), "raised alert not marked in the PHX chart");

            Files.createDirectories(SCREENSHOT.toAbsolutePath().getParent());
            chromium.screenshot(service.webUrl(), SCREENSHOT, 1400, 1650);
            PageDom.assertPlausiblePng(SCREENSHOT);
        }
    }

    private static String section(String dom, String id) {
        int i = dom.indexOf("id=\"" + id + "\"");
        return i < 0 ? "(none)" : dom.substring(i, Math.min(dom.length(), i + 2000));
    }
}
