package org.mfgcal.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * Text form of the region checkpoints carried in a committed offset's metadata, so that whoever resumes a
 * partition (after a restart or a rebalance) rebuilds the regions' stocks exactly.
 *
 * <p>Format: {@code mfg1 <processedUpTo>} then, per region,
 * {@code ;<region>@<closedUntil>,<maxEventTime>[,<emptyRun>]|<stock,..>|<bin:zone:n,..>} (emptyRun only when > 0).
 * Region ids must not contain {@code ; @ | ,}. Contract: stateless, thread-safe.
 */
public final class CheckpointCodec {

    private static final String MAGIC = "mfg1 ";

    private CheckpointCodec() {
    }

    /**
     * A partition's checkpoint.
     *
     * @param processedUpTo offset after the last record processed when the checkpoint was taken
     * @param regions       the checkpoints of the regions whose records come from the partition
     */
    public record PartitionCheckpoint(long processedUpTo, List<RegionCheckpoint> regions) {
    }

    public static String encode(PartitionCheckpoint pc) {
        StringBuilder sb = new StringBuilder(256).append(MAGIC).append(pc.processedUpTo());
        for (RegionCheckpoint c : pc.regions()) {
            sb.append(';').append(c.region()).append('@').append(c.closedUntilMillis()).append(',')
                    .append(c.maxEventTimeMillis());
            if (c.emptyRun() > 0) {
                sb.append(',').append(c.emptyRun());
            }
            sb.append('|');
            double[] s = c.stock();
            for (int i = 0; i < s.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(s[i]);
            }
            sb.append('|');
            long[] a = c.pendingArrivals();
            for (int i = 0; i < a.length; i += 3) {
                if (i > 0) {
                    sb.append(',');
                }
                sb.append(a[i]).append(':').append(a[i + 1]).append(':').append(a[i + 2]);
            }
        }
        return sb.toString();
    }

    /** Decodes metadata; {@code null} when it is empty or not a checkpoint. */
    public static PartitionCheckpoint decode(String meta) {
        if (meta == null || !meta.startsWith(MAGIC)) {
            return null;
        }
        String[] parts = meta.substring(MAGIC.length()).split(";", -1);
        long processed = Long.parseLong(parts[0]);
        List<RegionCheckpoint> regions = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int at = p.indexOf('@');
            String region = p.substring(0, at);
            String[] f = p.substring(at + 1).split("\\|", -1);
            String[] times = f[0].split(",");
            String[] st = f[1].split(",");
            double[] stock = new double[st.length];
            for (int k = 0; k < st.length; k++) {
                stock[k] = Double.parseDouble(st[k]);
            }
            long[] arr;
            if (f[2].isEmpty()) {
                arr = new long[0];
            } else {
                String[] tr = f[2].split(",");
                arr = new long[3 * tr.length];
                for (int k = 0; k < tr.length; k++) {
                    String[] x = tr[k].split(":");
                    arr[3 * k] = Long.parseLong(x[0]);
                    arr[3 * k + 1] = Long.parseLong(x[1]);
                    arr[3 * k + 2] = Long.parseLong(x[2]);
                }
            }
            long emptyRun = times.length > 2 ? Long.parseLong(times[2]) : 0;
            regions.add(new RegionCheckpoint(region, Long.parseLong(times[0]), Long.parseLong(times[1]), stock, arr,
                    emptyRun));
        }
        return new PartitionCheckpoint(processed, regions);
    }
}
