package org.mfgcal.ingest;

import java.time.Instant;
import java.util.List;

/**
 * Event-time binning of one region: validated events in, closed {@link PopulationSnapshot}s out, in bin order.
 * The same code runs offline ({@link Binning#snapshots}) and in the Kafka pipeline, so both give identical
 * snapshots for the same records in the same order.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li>Bin k is {@code [k·w, (k+1)·w)} in epoch ms. Open bins live in a ring indexed {@code k − firstOpen}.
 *       The first accepted event opens its bin; until a bin has closed, earlier events may prepend bins.</li>
 *   <li>Watermark W = max event time − allowedLateness. After every accepted event, bins with end ≤ W close in
 *       order (empty bins too: the calibrator gets a regular series). A record whose bin has closed is
 *       {@link DeadLetterReason#TOO_LATE}; a record behind W whose bin is still open is accepted and counted in
 *       {@code lateEvents}.</li>
 *   <li>Idle: when no record arrived for {@code idleTimeout} of processing time p, W follows the clock:
 *       W = max(W, maxEventTime + (p − lastRecord − idleTimeout)), so a silent region still closes its bins.</li>
 *   <li>Trips: the departure is added to its bin at once; the arrival is parked in the departure bin's
 *       outgoing list and moved into its (later or same) arrival bin when the departure bin closes. Hence the
 *       open bins' arrival counters hold exactly the arrivals of trips whose departure bin has closed, which is
 *       what a {@link RegionCheckpoint} must carry.</li>
 *   <li>Stock at the end of a bin: see {@link Stock}. Duplicates: see {@link TripIds}. Event-time guard: see
 *       {@link EventChecks#guard}; the region's current time R = max(max event time, W + allowedLateness) (so R
 *       follows the clock while idle, and is the closed boundary + lateness right after a restore).</li>
 *   <li>Gaps: at most {@code window / binWidth} consecutive empty bins are emitted; further empty bins close
 *       without a snapshot (the consumer sees a gap in the bin sequence), in O(1) when nothing is open, so a
 *       long silence costs neither memory nor one snapshot per bin.</li>
 *   <li>End of input: {@link #onIdle} with an end-of-input bound closes every bin up to the bin of the latest
 *       event once the region has been silent for {@code idleTimeout} + that bound.</li>
 *   <li>Per-bin checkpoints: a {@link CloseListener} hears about every bin right after it closed, when
 *       {@link #checkpoint()} and {@link #minOpenOffset()} describe exactly the state "up to and including this
 *       bin", so each bin can commit its own resume point.</li>
 * </ul>
 *
 * <p>Contract: not thread-safe; one thread drives a binner (the pipeline's serial binning stage). No allocation
 * per accepted event except the remembered trip id and growth of internal buffers.
 */
public final class RegionBinner {

    private static final long NONE = Long.MIN_VALUE;

    private final RegionConfig cfg;
    private final int d;
    private final long width;
    private final long lateness;
    private final long idleTimeout;
    private final long maxFuture;
    private final long window;
    private final List<String> zoneIds;
    private final TripIds trips = new TripIds();
    private final EventChecks checks;

    private final BinRing bins;

    private boolean started;
    private boolean anyClosed;
    private long firstOpen;
    private long lastNeededBin = NONE;
    private final Stock stock;
    private long maxEventTime = NONE;
    private long watermark = NONE;
    private long lastRecordAt;
    private long restoredMaxEventTime = NONE;
    private boolean idle;
    private final long maxEmptyBins;
    private long emptyRun;
    private CloseListener closeListener;
    private final TimeQuorum quorum;

    /**
     * {@link #offer} returned this: the record is held until the region's event time is established; its fate
     * is reported later by {@link #drainDecided()}.
     */
    public static final Rejection HELD = new Rejection(null, "held until the region's event time is established");

    /** A held record's fate: {@code rejection} null = accepted (binned), else why it was not. */
    public record Decision(long offset, Rejection rejection) {
    }

    /** Told about each bin right after it closed (see the class comment, per-bin checkpoints). */
    @FunctionalInterface
    public interface CloseListener {
        /**
         * @param binner   the binner, whose state now ends exactly after {@code snapshot}'s bin
         * @param snapshot the snapshot just emitted
         */
        void closed(RegionBinner binner, PopulationSnapshot snapshot);
    }

    /** A binner at the region's initial state. */
    public RegionBinner(RegionConfig cfg) {
        this.cfg = cfg;
        this.d = cfg.zoneCount();
        this.width = cfg.binWidth().toMillis();
        this.lateness = cfg.allowedLateness().toMillis();
        this.idleTimeout = cfg.idleTimeout().toMillis();
        this.maxFuture = cfg.maxFuture().toMillis();
        this.window = cfg.window().toMillis();
        this.maxEmptyBins = Math.max(1, window / width);
        this.zoneIds = cfg.zoneIds();
        this.checks = new EventChecks(cfg);
        this.stock = new Stock(cfg);
        this.bins = new BinRing(d);
        this.quorum = new TimeQuorum(cfg);
    }

    /**
     * Sets how many first records must agree (lie within {@code maxFuture} of each other) before the region's
     * event time is established (see the class comment). Before that they are held ({@link #HELD}); at the
     * {@code quorum}-th record, or once the region has been silent for {@code idleTimeout}, the largest group of
     * held records that agree is binned, the others are rejected ({@link #drainDecided()}). 1 (the default): the
     * first record establishes the time. Only before the first record.
     */
    public void timeQuorum(int quorum) {
        if (quorum < 1) {
            throw new IllegalArgumentException("timeQuorum must be >= 1, got " + quorum);
        }
        if (!started && this.quorum.isEmpty() && maxEventTime == NONE && watermark == NONE) {
            this.quorum.set(quorum);
        }
    }

    /** Whether the region's event time is established (else its first records are held). */
    public boolean established() {
        return quorum.established();
    }

    /** Fates of held records decided since the last call, in offset order of decision (drained). */
    public List<Decision> drainDecided() {
        return quorum.drainDecided();
    }

    /** Sets the listener told about every closed bin ({@code null}: none). */
    public void closeListener(CloseListener l) {
        this.closeListener = l;
    }

    /** The region config. */
    public RegionConfig config() {
        return cfg;
    }

    /** The zone index of a station id, or −1 when the region cannot map it. */
    public int zoneOf(String station) {
        return checks.zoneOf(station);
    }

    /**
     * Offers one event of this region.
     *
     * @param e         the event ({@code e.region()} must be this region)
     * @param offset    source position of the record (Kafka offset; any increasing number offline)
     * @param nowMillis processing time, for the idle timeout
     * @param wallMillis wall-clock time, for the future check
     * @param out       receives the snapshots this event closes (modified)
     * @return {@code null} when accepted, else why not (state unchanged)
     */
    public Rejection offer(IngestEvent e, long offset, long nowMillis, long wallMillis, List<PopulationSnapshot> out) {
        if (!quorum.established()) {
            Rejection r = check(e, offset, nowMillis, wallMillis, out, true);
            if (r != null) {
                return r;
            }
            if (quorum.hold(e, offset, nowMillis, wallMillis)) {
                quorum.establish(this, nowMillis, out);
            }
            return HELD;
        }
        return check(e, offset, nowMillis, wallMillis, out, false);
    }

    /** {@link #offer}; with {@code validateOnly} only the checks that need no event time (state unchanged). */
    private Rejection check(IngestEvent e, long offset, long nowMillis, long wallMillis, List<PopulationSnapshot> out,
                            boolean validateOnly) {
        long t = e.eventTimeMillis();
        Rejection invalid = checks.validate(e, wallMillis);
        if (invalid != null) {
            return invalid;
        }
        int o = checks.origin;
        int dst = checks.destination;
        long arrBin = checks.arrivalBin;
        String timeField = e instanceof TripEvent ? "departedAt" : "at";
        if (validateOnly) {
            return null;
        }
        Rejection far = checks.guard(t, timeField, currentTime(), idle);
        if (far != null) {
            return far;
        }
        long b = Math.floorDiv(t, width);
        if (anyClosed && b < firstOpen) {
            return new Rejection(DeadLetterReason.TOO_LATE, "field '" + timeField + "' " + Instant.ofEpochMilli(t)
                    + " falls in bin " + Instant.ofEpochMilli(b * width) + " which closed (bins before "
                    + Instant.ofEpochMilli(firstOpen * width) + " are closed; watermark " + Instant.ofEpochMilli(watermark) + ")");
        }
        if (e instanceof TripEvent trip) {
            Long prev = trips.putIfAbsent(trip.tripId(), t);
            if (prev != null) {
                return new Rejection(DeadLetterReason.DUPLICATE_TRIP, "field 'tripId' '" + trip.tripId()
                        + "' was already seen (departedAt " + Instant.ofEpochMilli(prev) + ") within window " + cfg.window());
            }
            trips.rememberTrip(trip.tripId(), b);
        }
        // accepted
        Bin bin = binFor(b);
        bin.events++;
        if (t < watermark) {
            bin.late++;
        }
        if (offset < bin.minOffset) {
            bin.minOffset = offset;
        }
        if (e instanceof TripEvent) {
            bin.dep[o]++;
            bin.od[o * d + dst]++;
            if (arrBin != NONE) {
                bin.addOutgoing(arrBin, dst);
                lastNeededBin = Math.max(lastNeededBin, arrBin);
            }
        } else {
            CountEvent c = (CountEvent) e;
            int st = stock.station(c.zone(), o);
            bin.ensureStations(stock.stations());
            if (t >= bin.stAt[st]) {
                bin.stAt[st] = t;
                bin.stCount[st] = c.count();
            }
        }
        if (t > maxEventTime) {
            maxEventTime = t;
        }
        lastRecordAt = nowMillis;
        idle = false;
        if (maxEventTime - lateness > watermark) {
            watermark = maxEventTime - lateness;
        }
        advance(out);
        return null;
    }

    /** R = max(max event time, watermark + lateness), or NONE before the region has any time reference. */
    private long currentTime() {
        if (maxEventTime == NONE && watermark == NONE) {
            return NONE;
        }
        return Math.max(maxEventTime, watermark == NONE ? NONE : watermark + lateness);
    }

    /**
     * Processing-time tick: when the region has had no record for {@code idleTimeout}, the watermark follows
     * the clock and due bins close.
     *
     * @param out receives closed snapshots (modified)
     */
    public void onIdle(long nowMillis, List<PopulationSnapshot> out) {
        onIdle(nowMillis, Long.MAX_VALUE, out);
    }

    /**
     * Processing-time tick with an end-of-input bound: as {@link #onIdle(long, List)}, and once the region has
     * been silent for {@code idleTimeout + endOfInputMillis}, every bin up to the bin of the latest event closes
     * at once (the input is taken as finished; later records of those bins are {@link DeadLetterReason#TOO_LATE}).
     *
     * @param endOfInputMillis extra silence after which the last bins close; {@code Long.MAX_VALUE}: never
     * @param out              receives closed snapshots (modified)
     */
    public void onIdle(long nowMillis, long endOfInputMillis, List<PopulationSnapshot> out) {
        if (!quorum.established()) {
            if (quorum.silent(nowMillis, idleTimeout)) {
                quorum.establish(this, nowMillis, out); // fewer records than the quorum, then silence: decide with those
            }
            return;
        }
        if (!started) {
            return;
        }
        long base = maxEventTime;
        if (base == NONE) {
            // restored and no record since: idle from the first tick on, from the checkpoint's latest event time
            if (restoredMaxEventTime == NONE) {
                return;
            }
            if (lastRecordAt == NONE) {
                lastRecordAt = nowMillis;
            }
            base = restoredMaxEventTime;
        }
        long silent = nowMillis - lastRecordAt;
        if (silent < idleTimeout) {
            return;
        }
        idle = true;
        long w = base + (silent - idleTimeout);
        if (endOfInputMillis != Long.MAX_VALUE && silent - idleTimeout >= endOfInputMillis) {
            w = Math.max(w, (Math.floorDiv(base, width) + 1) * width);
        }
        if (w > watermark) {
            watermark = w;
            advance(out);
        }
    }

    /**
     * Processing-time tick for a region whose input is not silent although no record of it was processed: its
     * partition is paused by backpressure, has records not fetched yet (lag), or fetched but not processed yet.
     * Such a region is not idle; its silence starts again from {@code nowMillis}.
     */
    public void onBusy(long nowMillis) {
        quorum.busy(nowMillis);
        if (started && (lastRecordAt == NONE || lastRecordAt < nowMillis)) {
            lastRecordAt = nowMillis;
            idle = false;
        }
    }

    /**
     * Closes every open bin, up to the last bin any parked arrival falls in (end of input).
     *
     * @param out receives closed snapshots (modified)
     */
    public void flush(List<PopulationSnapshot> out) {
        if (!quorum.established()) {
            quorum.establish(this, Long.MIN_VALUE / 2, out);
        }
        if (!started) {
            return;
        }
        long last = Math.max(lastNeededBin, firstOpen + bins.size() - 1);
        while (firstOpen <= last) {
            closeHead(out);
        }
        evictTrips();
    }

    private void advance(List<PopulationSnapshot> out) {
        if (!started) {
            return;
        }
        boolean closed = false;
        while ((firstOpen + 1) * width <= watermark) {
            if (bins.size() == 0 && emptyRun >= maxEmptyBins) {
                // nothing open and the gap already reached its emitted length: skip the rest of it at once
                firstOpen = Math.floorDiv(watermark, width);
                anyClosed = true;
                closed = true;
                break;
            }
            closeHead(out);
            closed = true;
        }
        if (closed) {
            evictTrips();
        }
    }

    /** Forgets trip ids of departure bins that end at or before closedUntil − window (whole bins at a time). */
    private void evictTrips() {
        trips.evict(firstOpen * width - window, width);
    }

    private Bin binFor(long b) {
        if (!started) {
            started = true;
            firstOpen = b;
        }
        while (b < firstOpen) { // only before any bin closed (checked by the caller)
            bins.prepend();
            firstOpen--;
        }
        while (b >= firstOpen + bins.size()) {
            bins.append();
        }
        if (b > lastNeededBin) {
            lastNeededBin = b;
        }
        return bins.get((int) (b - firstOpen));
    }

    private void closeHead(List<PopulationSnapshot> out) {
        if (bins.size() == 0) {
            bins.append();
        }
        Bin bin = bins.get(0);
        // move parked arrivals into their bins (same or later)
        for (int i = 0; i < bin.outSize; i++) {
            ensure(bin.outBin[i]);
            Bin target = bins.get((int) (bin.outBin[i] - firstOpen));
            target.arr[bin.outZone[i]]++;
        }
        stock.close(bin);
        boolean empty = bin.events == 0 && bin.outSize == 0 && Bin.isZero(bin.arr);
        boolean emit = !empty || emptyRun < maxEmptyBins;
        emptyRun = empty ? emptyRun + 1 : 0;
        long start = firstOpen * width;
        PopulationSnapshot snap = emit ? new PopulationSnapshot(cfg.id(), Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(start + width), zoneIds, stock.values(), bin.dep, bin.arr, bin.od, bin.events, bin.late) : null;
        bins.removeHead();
        firstOpen++;
        anyClosed = true;
        bins.recycle(bin);
        if (snap != null) {
            out.add(snap);
            if (closeListener != null) {
                closeListener.closed(this, snap);
            }
        }
    }

    /** Ensures the ring reaches bin index {@code b} (used when parked arrivals are moved). */
    private void ensure(long b) {
        while (b >= firstOpen + bins.size()) {
            bins.append();
        }
    }

    /** Lowest source offset among records whose departure/count bin is still open, or {@code Long.MAX_VALUE}. */
    public long minOpenOffset() {
        return Math.min(quorum.minOffset(), bins.minOffset());
    }

    /** Start of the first open bin once a bin has closed, else {@code Long.MIN_VALUE}: events before it are late. */
    public long closedUntilMillis() {
        return anyClosed ? firstOpen * width : NONE;
    }

    /**
     * End (epoch ms) of the last bin emitted as a snapshot once a bin has closed, else {@code Long.MIN_VALUE}: the
     * closed-until boundary minus the trailing empty bins that were not emitted (the gap rule).
     */
    public long lastEmittedEndMillis() {
        if (!anyClosed) {
            return NONE;
        }
        return (firstOpen - Math.max(0, emptyRun - maxEmptyBins)) * width;
    }

    /** Current watermark (epoch ms), {@code Long.MIN_VALUE} before the first event. */
    public long watermarkMillis() {
        return watermark;
    }

    /** Number of trip ids currently remembered for duplicate detection. */
    public int rememberedTrips() {
        return trips.size();
    }

    /**
     * The state needed to resume this region after a restart from the lowest open offset: closed-until
     * boundary, stock there, latest event time, and the arrivals already moved into open bins.
     * Only meaningful once a bin has closed.
     */
    public RegionCheckpoint checkpoint() {
        if (!anyClosed) {
            return null;
        }
        long[] arrivals = bins.pendingArrivals(firstOpen);
        return new RegionCheckpoint(cfg.id(), firstOpen * width, maxEventTime, stock.values().clone(), arrivals,
                emptyRun);
    }

    /** A binner resumed from a checkpoint of the same region config. */
    public static RegionBinner restore(RegionConfig cfg, RegionCheckpoint cp) {
        RegionBinner r = new RegionBinner(cfg);
        if (cp.stock().length != r.d) {
            throw new IllegalArgumentException("checkpoint of region '" + cfg.id() + "' has " + cp.stock().length
                    + " zones, config has " + r.d);
        }
        if (cp.closedUntilMillis() % r.width != 0) {
            throw new IllegalArgumentException("checkpoint of region '" + cfg.id() + "' closedUntil "
                    + Instant.ofEpochMilli(cp.closedUntilMillis()) + " is not on a bin boundary of " + cfg.binWidth());
        }
        r.started = true;
        r.anyClosed = true;
        r.quorum.markEstablished();
        r.firstOpen = cp.closedUntilMillis() / r.width;
        System.arraycopy(cp.stock(), 0, r.stock.values(), 0, r.d);
        // The watermark restarts at the closed boundary and is rebuilt by the re-read records (from the commit
        // position on), so they are judged late or not as they were the first time, as far as the records before
        // the commit position did not raise it further (then lateEvents may come out lower after a restart).
        r.watermark = cp.closedUntilMillis();
        r.emptyRun = cp.emptyRun();
        // used only for idling when no record arrives after the restore (then nothing re-read rebuilds the max)
        r.restoredMaxEventTime = cp.maxEventTimeMillis();
        r.lastRecordAt = NONE;
        long[] a = cp.pendingArrivals();
        for (int k = 0; k < a.length; k += 3) {
            r.ensure(a[k]);
            r.bins.get((int) (a[k] - r.firstOpen)).arr[(int) a[k + 1]] += a[k + 2];
            r.lastNeededBin = Math.max(r.lastNeededBin, a[k]);
        }
        return r;
    }
}
