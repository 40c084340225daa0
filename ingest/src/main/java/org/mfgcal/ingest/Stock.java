package org.mfgcal.ingest;

import java.util.Arrays;
import java.util.HashMap;

/**
 * Stock bookkeeping of a {@link RegionBinner}: the stock per zone at the end of the last closed bin, and for a counts
 * region each station's latest count. Not thread-safe.
 *
 * <p>Stock at the end of a bin: trips region: stock += arrivals − departures; counts region: the sum, over the
 * stations the zone stands for (its own id, the stations mapped to it, and for {@code otherZone} every unmapped
 * station), of each station's latest count (latest in the bin, ties: the later record; a station without a record
 * in the bin keeps its previous count). So the External zone is the sum of what it stands for, whatever the row
 * order; a zone none of whose stations has reported yet keeps its initial stock. Per-station counts are not part of
 * a {@link RegionCheckpoint}: after a restore a zone's stock is rebuilt from the stations that report again
 * (identical when every station reports every bin).
 */
final class Stock {

    private static final long NONE = Long.MIN_VALUE;

    private final int d;
    private final StockSource source;
    private final double[] stock;
    /** Counts regions: station id → station index (first seen first); per station its zone and latest count. */
    private final HashMap<String, Integer> stationIndex = new HashMap<>();
    private int stations;
    private int[] stationZone = new int[8];
    private double[] stationStock = new double[8];
    private boolean[] stationKnown = new boolean[8];
    private double[] zoneSum;
    private boolean[] zoneReported;

    /** The region's initial stock. */
    Stock(RegionConfig cfg) {
        this.d = cfg.zoneCount();
        this.source = cfg.stockSource();
        this.stock = new double[d];
        for (int z = 0; z < d; z++) {
            stock[z] = cfg.zones().get(z).initialStock();
        }
    }

    /** The stock per zone (live, modified by {@link #close}). */
    double[] values() {
        return stock;
    }

    /** Number of count stations registered. */
    int stations() {
        return stations;
    }

    /** The index of a count station (registered on first sight with its zone). */
    int station(String id, int zone) {
        Integer i = stationIndex.get(id);
        if (i != null) {
            return i;
        }
        if (stations == stationZone.length) {
            stationZone = Arrays.copyOf(stationZone, 2 * stations);
            stationStock = Arrays.copyOf(stationStock, 2 * stations);
            stationKnown = Arrays.copyOf(stationKnown, 2 * stations);
        }
        stationZone[stations] = zone;
        stationIndex.put(id, stations);
        return stations++;
    }

    /** Moves the stock to the end of {@code bin} (not modified), whose parked arrivals are already moved. */
    void close(Bin bin) {
        if (source == StockSource.TRIPS) {
            for (int z = 0; z < d; z++) {
                stock[z] += bin.arr[z] - bin.dep[z];
            }
        } else {
            boolean any = false;
            for (int st = 0; st < bin.stations; st++) {
                if (bin.stAt[st] != NONE) {
                    stationStock[st] = bin.stCount[st];
                    stationKnown[st] = true;
                    any = true;
                }
            }
            if (any) {
                if (zoneSum == null) {
                    zoneSum = new double[d];
                    zoneReported = new boolean[d];
                }
                Arrays.fill(zoneSum, 0);
                Arrays.fill(zoneReported, false);
                for (int st = 0; st < stations; st++) {
                    if (stationKnown[st]) {
                        zoneSum[stationZone[st]] += stationStock[st];
                        zoneReported[stationZone[st]] = true;
                    }
                }
                for (int z = 0; z < d; z++) {
                    if (zoneReported[z]) {
                        stock[z] = zoneSum[z];
                    }
                }
            }
        }
    }
}
