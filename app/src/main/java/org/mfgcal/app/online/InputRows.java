package org.mfgcal.app.online;

import static org.mfgcal.app.online.OnlineInput.DUPLICATE;
import static org.mfgcal.app.online.OnlineInput.FAR_OFF;
import static org.mfgcal.app.online.OnlineInput.NO_REGION;
import static org.mfgcal.app.online.OnlineInput.where;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mfgcal.app.online.OnlineInput.Item;
import org.mfgcal.app.online.OnlineInput.Report;
import org.mfgcal.ingest.CountEvent;
import org.mfgcal.ingest.CountsCsv;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.RegionConfig;
import org.mfgcal.ingest.Texts;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.Zone;

/**
 * The rows of an {@code online} input that cannot be used, counted in the {@link Report} instead of silently dropped
 * (see {@link OnlineInput}): duplicate count rows, rows far from the file's main time span, and rows reaching no
 * configured region; the other rows are routed to every region they touch. Stateless; thread-safe.
 */
final class InputRows {
    private InputRows() {
    }

    /**
     * Count rows with the same zone and instant as a later row: the later row (file order) is used, the earlier
     * ones are rejected as {@link OnlineInput#DUPLICATE}. Returns the rows used, in file order.
     */
    static List<Item> dropDuplicateCounts(String spec, CountsCsv.Rows rows, Report report) {
        List<CountEvent> ev = rows.events();
        Map<String, Integer> last = new HashMap<>();
        for (int i = 0; i < ev.size(); i++) {
            last.put(ev.get(i).zone() + '\u0000' + ev.get(i).atMillis(), i);
        }
        List<Item> out = new ArrayList<>(ev.size());
        for (int i = 0; i < ev.size(); i++) {
            CountEvent c = ev.get(i);
            int j = last.get(c.zone() + '\u0000' + c.atMillis());
            if (j != i) {
                report.reject(DUPLICATE, spec + " line " + rows.lines()[i] + ": zone '" + Texts.clip(c.zone())
                        + "' at " + c.at() + " appears again on line " + rows.lines()[j]
                        + "; the later row is used (count " + ev.get(j).count() + " instead of " + c.count() + ")");
            } else {
                out.add(new Item(c, rows.lines()[i]));
            }
        }
        return out;
    }

    /**
     * Splits the time-sorted rows where consecutive timestamps are more than {@code far} ms apart and keeps the
     * span with the most rows (ties: the earliest); the others are rejected as {@link OnlineInput#FAR_OFF}.
     */
    static List<Item> dropFarOff(String spec, List<Item> sorted, long far, Report report) {
        if (sorted.isEmpty()) {
            return sorted;
        }
        int bestFrom = 0;
        int bestTo = 0;
        int from = 0;
        for (int i = 1; i <= sorted.size(); i++) {
            if (i == sorted.size() || sorted.get(i).event().eventTimeMillis()
                    - sorted.get(i - 1).event().eventTimeMillis() > far) {
                if (i - from > bestTo - bestFrom) {
                    bestFrom = from;
                    bestTo = i;
                }
                from = i;
            }
        }
        if (bestFrom == 0 && bestTo == sorted.size()) {
            return sorted;
        }
        Instant lo = Instant.ofEpochMilli(sorted.get(bestFrom).event().eventTimeMillis());
        Instant hi = Instant.ofEpochMilli(sorted.get(bestTo - 1).event().eventTimeMillis());
        for (int i = 0; i < sorted.size(); i++) {
            if (i < bestFrom || i >= bestTo) {
                Item it = sorted.get(i);
                IngestEvent e = it.event();
                String field = e instanceof TripEvent ? "departedAt" : "at";
                report.reject(FAR_OFF, where(spec, it) + "field '" + field + "' " + Instant.ofEpochMilli(e.eventTimeMillis())
                        + " is more than " + Duration.ofMillis(far) + " away from the file's main time span " + lo
                        + " .. " + hi + " (" + (bestTo - bestFrom) + " rows); rejected");
            }
        }
        return sorted.subList(bestFrom, bestTo);
    }

    /** Whether {@code station} is a zone or a mapped station of {@code region} (its catch-all zone does not count). */
    static boolean touches(RegionConfig region, String station) {
        if (region.stations().containsKey(station)) {
            return true;
        }
        for (Zone z : region.zones()) {
            if (z.id().equals(station) && !z.id().equals(region.otherZone())) {
                return true;
            }
        }
        return false;
    }

    /** Each trip, re-labelled, to every region it touches; the trips that touch none are rejected. */
    static void routeTrips(String spec, List<TripEvent> trips, List<RegionConfig> regions, List<Item> out,
                           Report report) {
        for (TripEvent t : trips) {
            boolean any = false;
            for (RegionConfig r : regions) {
                if (touches(r, t.origin()) || touches(r, t.destination())) {
                    out.add(new Item(t.region().equals(r.id()) ? t : new TripEvent(r.id(), t.tripId(), t.origin(),
                            t.destination(), t.departedAtMillis(), t.arrivedAtMillis()), 0));
                    any = true;
                }
            }
            if (!any) {
                report.reject(NO_REGION, spec + ": trip '" + Texts.clip(t.tripId()) + "' fields 'origin' '"
                        + Texts.clip(t.origin()) + "' and 'destination' '" + Texts.clip(t.destination())
                        + "' are in no configured region");
            }
        }
    }

    /** Each count row, re-labelled, to every region whose zone or station it names; rows reaching none are rejected. */
    static void routeCounts(String spec, List<Item> counts, List<RegionConfig> regions, List<Item> out, Report report) {
        for (Item it : counts) {
            CountEvent c = (CountEvent) it.event();
            boolean any = false;
            for (RegionConfig r : regions) {
                if (touches(r, c.zone())) {
                    out.add(new Item(c.region().equals(r.id()) ? c
                            : new CountEvent(r.id(), c.zone(), c.atMillis(), c.count()), it.line()));
                    any = true;
                }
            }
            if (!any) {
                report.reject(NO_REGION, where(spec, it) + "field 'zone' value '" + Texts.clip(c.zone())
                        + "' is a zone or station of no configured region");
            }
        }
    }
}
