package org.mfgcal.app.service;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.Observation;
import org.mfgcal.api.ParameterValue;
import org.mfgcal.calibrator.online.OnlineConfig;
import org.mfgcal.calibrator.online.RegionCalibrator;

/**
 * A region's records on the compacted state topic: a snapshot of the calibrator every few bins plus the closed bins
 * since, from which a restart rebuilds the calibrator exactly (snapshot, then the same updates again). Writing the
 * whole warm state with every bin cost more CPU than the update itself (≈ 14 ms of encoding for an 11-zone region;
 * bench/BENCHMARKS.md, "Service throughput"); a logged bin costs a few hundred bytes.
 *
 * <h2>Keys and values (format {@link StateSummary#FORMAT})</h2>
 * <ul>
 *   <li>{@code R} (the region id): the head, {@link StateSummary} JSON: the readable summary, the bin of the
 *       snapshot ({@code snapshotBin}) and how many bins were logged after it ({@code replayBins} = n). Written
 *       with every bin.</li>
 *   <li>{@code R#snapshot}: the calibrator's warm state ({@link RegionCalibrator#exportState()}) after bin
 *       {@code snapshotBin}. Written every {@code topics.stateSnapshotBins} bins (default {@link #SNAPSHOT_EVERY}), at
 *       a phase that depends on the region (so that many regions do not all snapshot at the same bin), and at a
 *       region's first bin after a cold start or a restore from an older format.</li>
 *   <li>{@code R#bin-i}, i = 1..n: the i-th closed bin after the snapshot (the update's input).</li>
 * </ul>
 * Every value other than the head starts with a plain header: magic {@value #MAGIC_TEXT}, kind ({@code S} or
 * {@code B}), the bin whose transaction wrote it, the snapshot's bin, the index i (0 for a snapshot); then the
 * payload (a snapshot as is; a bin deflated: bin, population, shares as float64 bits, OD counts as varints). All of a
 * bin's records are in that bin's transaction, so a read_committed reader always finds the snapshot and the bins the
 * latest head names; each is checked against the head (kind, snapshot bin, index, region's zones), and a mismatch is
 * an error naming the key (the region then cold-starts, as with any unusable state).
 *
 * <p>Restore ({@link #restore}): the snapshot, then the logged bins through {@link RegionCalibrator#update} with the
 * listener muted (their outputs were published when they were first computed); an update that throws is skipped
 * exactly as it was the first time. The result must end at the head's bin. Replaying is deterministic (the
 * calibrator's random draws are seeded per seed, region and bin), so the restored calibrator equals the one that
 * wrote the head, bit for bit. A region id must not contain {@value #SEP} ({@link ServiceConfig} refuses it).
 *
 * <p>Thread-safety: a {@link Cursor} belongs to one region and is used by that region's updates only (they run one
 * after another); the static methods are stateless.
 */
final class StateLog {

    /**
     * Default bins between two snapshots of a region (service config {@code topics.stateSnapshotBins}): at most this
     * many − 1 bins are replayed on restore. Per bin this costs 1/24 of an export of the warm state (≈ 14 ms for an
     * 11-zone region); a restart replays up to 23 updates per region (≈ 5 ms each for 11 zones warm, more in a cold
     * JVM; ≈ 150 ms for a 263-zone city, where a smaller value restarts faster).
     */
    static final int SNAPSHOT_EVERY = 24;
    /** Largest accepted snapshot interval (and replay length read from a head). */
    static final int MAX_SNAPSHOT_EVERY = 10_000;
    static final char SEP = '#';
    static final String MAGIC_TEXT = "MFGA";
    private static final byte[] MAGIC = MAGIC_TEXT.getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 4 + 1 + 8 + 8 + 4;
    private static final long NONE = Long.MIN_VALUE;

    private StateLog() {
    }

    static String snapshotKey(String region) {
        return region + SEP + "snapshot";
    }

    static String binKey(String region, int i) {
        return region + SEP + "bin-" + i;
    }

    /** The region a state key belongs to (the key up to {@value #SEP}). */
    static String regionOf(String key) {
        int at = key.indexOf(SEP);
        return at < 0 ? key : key.substring(0, at);
    }

    /** Where a region's log stands: the snapshot's bin and the bins logged after it. */
    static final class Cursor {
        private final int every;
        private boolean hasSnapshot;
        private long snapshotBin = NONE;
        private int logged;

        /** A region with no snapshot yet (its next bin writes one); a snapshot every {@code every} bins. */
        Cursor(int every) {
            if (every < 1 || every > MAX_SNAPSHOT_EVERY) {
                throw new IllegalArgumentException("snapshot interval must be in 1.." + MAX_SNAPSHOT_EVERY + ", got "
                        + every);
            }
            this.every = every;
        }

        private Cursor(int every, long snapshotBin, int logged) {
            this(every);
            this.hasSnapshot = true;
            this.snapshotBin = snapshotBin;
            this.logged = logged;
        }

        /**
         * The records of the bin {@code rc} just processed ({@code bin}: the update's input, null when none was
         * built), in write order: a snapshot or a logged bin, then the head.
         */
        Records after(RegionCalibrator rc, ClosedBin bin, List<ParameterValue> latest) {
            Map<String, byte[]> out = new LinkedHashMap<>();
            String region = rc.region();
            long last = rc.lastBin();
            if (!hasSnapshot || logged + 1 >= every
                    || (last != NONE && Math.floorMod(last + region.hashCode(), (long) every) == 0)) {
                hasSnapshot = true;
                snapshotBin = last;
                logged = 0;
                out.put(snapshotKey(region), value('S', last, last, 0, rc.exportState()));
            } else if (bin != null) {
                logged++;
                out.put(binKey(region, logged), value('B', last, snapshotBin, logged, encode(bin)));
            }
            StateSummary head = StateSummary.of(rc, latest, snapshotBin, logged);
            out.put(region, head.toBytes());
            return new Records(head, out);
        }
    }

    /** A bin's records for the state topic, in write order (the head last), and the head's summary. */
    record Records(StateSummary head, Map<String, byte[]> values) {
    }

    /** A restored calibrator and its log cursor. */
    record Restored(RegionCalibrator calibrator, Cursor cursor, StateSummary head) {
    }

    /**
     * Rebuilds region {@code id} from the latest values of the state topic ({@code latest}: key → value) whose head
     * is {@code head}, to go on with a snapshot every {@code every} bins; a head of the previous format ({@link StateSummary#FORMAT_2}, the whole warm state inline)
     * restores from it and snapshots at the next bin.
     *
     * @throws IllegalArgumentException naming the key and the mismatch when a record is missing or does not match
     */
    static Restored restore(OnlineConfig cfg, String id, StateSummary head, Map<String, byte[]> latest,
                            CalibrationListener listener, int every) {
        if (StateSummary.FORMAT_2.equals(head.format())) {
            return new Restored(RegionCalibrator.restore(cfg, id, head.zones(), listener, head.warmState()),
                    new Cursor(every), head);
        }
        int n = head.replayBins();
        if (n < 0 || n >= MAX_SNAPSHOT_EVERY) {
            throw new IllegalArgumentException("state head of region '" + id + "': replayBins " + n + " not in 0.."
                    + (MAX_SNAPSHOT_EVERY - 1));
        }
        String sk = snapshotKey(id);
        byte[] snap = payload(latest.get(sk), sk, 'S', head.snapshotBin(), 0);
        Muted muted = new Muted(listener);
        RegionCalibrator rc = RegionCalibrator.restore(cfg, id, head.zones(), muted, snap);
        for (int i = 1; i <= n; i++) {
            String bk = binKey(id, i);
            ClosedBin b = decode(payload(latest.get(bk), bk, 'B', head.snapshotBin(), i), id, head.zones(), bk);
            try {
                rc.update(b);
            } catch (RuntimeException e) {
                // the same update failed the same way when the bin was first computed; its state is kept as then
            }
        }
        if (rc.lastBin() != head.lastBin()) {
            throw new IllegalArgumentException("state of region '" + id + "': replaying " + n + " bin(s) after the"
                    + " snapshot of bin " + head.snapshotBin() + " ends at bin " + rc.lastBin() + ", the head says "
                    + head.lastBin());
        }
        muted.on = true;
        // the log goes on from n, also when the interval was changed meanwhile (it then snapshots at its next bin)
        return new Restored(rc, new Cursor(every, head.snapshotBin(), n), head);
    }

    /** The bin whose transaction wrote a snapshot or logged-bin value; {@link Long#MIN_VALUE} for other values. */
    static long writtenAt(byte[] v) {
        if (v == null || v.length < HEADER || !startsWithMagic(v)) {
            return NONE;
        }
        return ByteBuffer.wrap(v, 5, 8).getLong();
    }

    private static boolean startsWithMagic(byte[] v) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (v[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] value(char kind, long writtenAt, long snapshotBin, int index, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length);
        b.put(MAGIC).put((byte) kind).putLong(writtenAt).putLong(snapshotBin).putInt(index).put(payload);
        return b.array();
    }

    private static byte[] payload(byte[] v, String key, char kind, long snapshotBin, int index) {
        if (v == null) {
            throw new IllegalArgumentException("state key '" + key + "' is missing (the head names it)");
        }
        if (v.length < HEADER || !startsWithMagic(v)) {
            throw new IllegalArgumentException("state key '" + key + "': not a " + MAGIC_TEXT + " value ("
                    + v.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(v);
        b.position(4);
        char k = (char) b.get();
        b.getLong();
        long snap = b.getLong();
        int i = b.getInt();
        if (k != kind || snap != snapshotBin || i != index) {
            throw new IllegalArgumentException("state key '" + key + "': kind " + k + ", snapshot bin " + snap
                    + ", index " + i + "; the head expects kind " + kind + ", snapshot bin " + snapshotBin
                    + ", index " + index);
        }
        byte[] p = new byte[v.length - HEADER];
        System.arraycopy(v, HEADER, p, 0, p.length);
        return p;
    }

    /** A closed bin without its region and zones: bin, population, d shares, OD count and OD varints; deflated. */
    static byte[] encode(ClosedBin bin) {
        Observation o = bin.observation();
        long[] od = bin.od();
        ByteBuffer b = ByteBuffer.allocate(8 + 8 + 4 + 8 * o.shares().size() + 4 + 10 * od.length);
        b.putLong(o.bin()).putLong(o.population()).putInt(o.shares().size());
        for (double s : o.shares()) {
            b.putLong(Double.doubleToRawLongBits(s));
        }
        b.putInt(od.length);
        for (long c : od) {
            long v = c;
            while ((v & ~0x7FL) != 0) {
                b.put((byte) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            b.put((byte) v);
        }
        Deflater def = new Deflater(Deflater.BEST_SPEED);
        try {
            def.setInput(b.array(), 0, b.position());
            def.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(b.position() / 2 + 64);
            byte[] buf = new byte[8192];
            while (!def.finished()) {
                out.write(buf, 0, def.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            def.end();
        }
    }

    /** The bin {@link #encode} wrote, as region {@code region} with {@code zones}. */
    static ClosedBin decode(byte[] deflated, String region, List<String> zones, String key) {
        Inflater inf = new Inflater();
        try {
            inf.setInput(deflated);
            ByteArrayOutputStream out = new ByteArrayOutputStream(deflated.length * 4 + 64);
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int k = inf.inflate(buf);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new IllegalArgumentException("state key '" + key + "': truncated bin record");
                }
                out.write(buf, 0, k);
            }
            ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
            long bin = b.getLong();
            long population = b.getLong();
            int d = b.getInt();
            if (d != zones.size()) {
                throw new IllegalArgumentException("state key '" + key + "': " + d + " shares, the region has "
                        + zones.size() + " zones");
            }
            List<Double> shares = new ArrayList<>(d);
            for (int i = 0; i < d; i++) {
                shares.add(Double.longBitsToDouble(b.getLong()));
            }
            long[] od = new long[b.getInt()];
            for (int i = 0; i < od.length; i++) {
                long v = 0;
                int shift = 0;
                byte x;
                do {
                    x = b.get();
                    v |= (long) (x & 0x7F) << shift;
                    shift += 7;
                } while (x < 0);
                od[i] = v;
            }
            return new ClosedBin(new Observation(region, bin, zones, shares, population), od);
        } catch (DataFormatException | java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("state key '" + key + "': unreadable bin record (" + e + ")", e);
        } finally {
            inf.end();
        }
    }

    /** A listener silent while a restore replays bins, then forwarding. */
    private static final class Muted implements CalibrationListener {
        private final CalibrationListener to;
        private volatile boolean on;

        Muted(CalibrationListener to) {
            this.to = to;
        }

        @Override
        public void snapshotClosed(Observation observation) {
            if (on) {
                to.snapshotClosed(observation);
            }
        }

        @Override
        public void parametersUpdated(org.mfgcal.api.ParameterUpdate update) {
            if (on) {
                to.parametersUpdated(update);
            }
        }

        @Override
        public void updateFailed(String region, long bin, String reason) {
            if (on) {
                to.updateFailed(region, bin, reason);
            }
        }

        @Override
        public void forecastIssued(org.mfgcal.api.Forecast forecast) {
            if (on) {
                to.forecastIssued(forecast);
            }
        }

        @Override
        public void driftScore(String region, long bin, double score) {
            if (on) {
                to.driftScore(region, bin, score);
            }
        }

        @Override
        public void driftAlert(org.mfgcal.api.DriftAlert alert) {
            if (on) {
                to.driftAlert(alert);
            }
        }
    }
}
