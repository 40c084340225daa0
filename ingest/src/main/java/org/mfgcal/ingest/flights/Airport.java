package org.mfgcal.ingest.flights;

import java.time.ZoneId;

/**
 * An airport of vega-datasets' {@code airports.csv}, with its time zone derived by {@link UsTimeZones}.
 *
 * @param iata      IATA code
 * @param name      name
 * @param city      city
 * @param state     two-letter state
 * @param latitude  degrees
 * @param longitude degrees
 * @param zone      local time zone
 */
public record Airport(String iata, String name, String city, String state, double latitude, double longitude,
                      ZoneId zone) {
}
