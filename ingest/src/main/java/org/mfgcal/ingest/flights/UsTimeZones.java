package org.mfgcal.ingest.flights;

import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;

/**
 * IANA time zone of a US airport from its state (two-letter code) and longitude — airports.csv has no zone
 * column. States in one zone map directly; states split between two zones use a longitude cut that puts
 * every major airport on the right side (for example Texas: El Paso, west of −104.9°, is Mountain; Florida:
 * the panhandle west of −85.0° is Central; Tennessee: west of −85.4° is Central).
 *
 * <p>Contract: stateless, thread-safe. Unknown states fail with a message naming the state.
 */
public final class UsTimeZones {

    private static final ZoneId EASTERN = ZoneId.of("America/New_York");
    private static final ZoneId CENTRAL = ZoneId.of("America/Chicago");
    private static final ZoneId MOUNTAIN = ZoneId.of("America/Denver");
    private static final ZoneId PACIFIC = ZoneId.of("America/Los_Angeles");

    private static final Map<String, ZoneId> SINGLE = Map.ofEntries(
            Map.entry("CT", EASTERN), Map.entry("DE", EASTERN), Map.entry("DC", EASTERN), Map.entry("GA", EASTERN),
            Map.entry("ME", EASTERN), Map.entry("MD", EASTERN), Map.entry("MA", EASTERN), Map.entry("NH", EASTERN),
            Map.entry("NJ", EASTERN), Map.entry("NY", EASTERN), Map.entry("NC", EASTERN), Map.entry("OH", EASTERN),
            Map.entry("PA", EASTERN), Map.entry("RI", EASTERN), Map.entry("SC", EASTERN), Map.entry("VT", EASTERN),
            Map.entry("VA", EASTERN), Map.entry("WV", EASTERN),
            Map.entry("AL", CENTRAL), Map.entry("AR", CENTRAL), Map.entry("IL", CENTRAL), Map.entry("IA", CENTRAL),
            Map.entry("LA", CENTRAL), Map.entry("MN", CENTRAL), Map.entry("MS", CENTRAL), Map.entry("MO", CENTRAL),
            Map.entry("OK", CENTRAL), Map.entry("WI", CENTRAL),
            Map.entry("CO", MOUNTAIN), Map.entry("MT", MOUNTAIN), Map.entry("NM", MOUNTAIN), Map.entry("UT", MOUNTAIN),
            Map.entry("WY", MOUNTAIN),
            Map.entry("AZ", ZoneId.of("America/Phoenix")),
            Map.entry("CA", PACIFIC), Map.entry("NV", PACIFIC), Map.entry("WA", PACIFIC),
            Map.entry("HI", ZoneId.of("Pacific/Honolulu")),
            Map.entry("PR", ZoneId.of("America/Puerto_Rico")), Map.entry("VI", ZoneId.of("America/St_Thomas")),
            Map.entry("GU", ZoneId.of("Pacific/Guam")), Map.entry("AS", ZoneId.of("Pacific/Pago_Pago")),
            Map.entry("MP", ZoneId.of("Pacific/Saipan")), Map.entry("CQ", ZoneId.of("Pacific/Saipan")));

    private UsTimeZones() {
    }

    /**
     * The zone of an airport.
     *
     * @param state     two-letter state code
     * @param longitude degrees east (negative in the US)
     */
    public static ZoneId zoneOf(String state, double longitude) {
        String s = state == null ? "" : state.trim().toUpperCase(Locale.ROOT);
        ZoneId z = SINGLE.get(s);
        if (z != null) {
            return z;
        }
        switch (s) {
            case "TX":
                return longitude < -104.9 ? MOUNTAIN : CENTRAL;
            case "FL":
                return longitude < -85.0 ? CENTRAL : EASTERN;
            case "TN":
                return longitude < -85.4 ? CENTRAL : EASTERN;
            case "KY":
                return longitude < -86.0 ? CENTRAL : ZoneId.of("America/Kentucky/Louisville");
            case "IN":
                return longitude < -87.0 ? CENTRAL : ZoneId.of("America/Indiana/Indianapolis");
            case "MI":
                return longitude < -87.6 ? ZoneId.of("America/Menominee") : ZoneId.of("America/Detroit");
            case "KS":
                return longitude < -101.5 ? MOUNTAIN : CENTRAL;
            case "NE":
                return longitude < -101.0 ? MOUNTAIN : CENTRAL;
            case "ND":
                return longitude < -101.0 ? MOUNTAIN : CENTRAL;
            case "SD":
                return longitude < -100.5 ? MOUNTAIN : CENTRAL;
            case "ID":
                return longitude < -116.5 ? PACIFIC : ZoneId.of("America/Boise");
            case "OR":
                return longitude > -117.3 ? ZoneId.of("America/Boise") : PACIFIC;
            case "AK":
                return longitude < -169.5 ? ZoneId.of("America/Adak") : ZoneId.of("America/Anchorage");
            default:
                throw new IllegalArgumentException("no time zone known for state '" + state + "' (longitude " + longitude + ")");
        }
    }
}
