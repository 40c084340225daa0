package org.mfgcal.ingest.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.mfgcal.ingest.CountsCsv;
import org.mfgcal.ingest.IngestEvent;
import org.mfgcal.ingest.ParseResult;
import org.mfgcal.ingest.RecordCodec;
import org.mfgcal.ingest.Rejection;
import org.mfgcal.ingest.TripEvent;
import org.mfgcal.ingest.flights.FlightsCsv;
import org.mfgcal.ingest.flights.FlightsData;

/**
 * Publishes a file as live records, in event-time order: the engine behind {@code mfgcal replay}.
 *
 * <p>Records: key = region (UTF-8), value = the JSON of {@link RecordCodec}, Kafka timestamp = publish time
 * (event times of old data would make the broker's time-based retention delete them at once). Pacing: the
 * gap between two records is their event-time gap divided by {@code speedup}; a speedup ≤ 0 or infinite
 * publishes as fast as the producer takes them.
 *
 * <p>Contract: stateless functions; thread-safe. File errors name the line, the field and the value.
 */
public final class Replay {

    private Replay() {
    }

    /**
     * Reads a file into events ordered by event time (stable).
     *
     * @param spec     a path, or {@code classpath:NAME}
     * @param region   region id for flights and counts files (trips carry their own)
     * @param airports airports.csv spec for flights (null: the shipped one)
     */
    public static List<IngestEvent> read(String spec, ReplayFormat format, String region, String airports) {
        List<IngestEvent> out = new ArrayList<>();
        switch (format) {
            case FLIGHTS -> out.addAll(FlightsCsv.readTrips(spec,
                    FlightsCsv.readAirports(airports == null ? FlightsData.AIRPORTS : airports), region));
            case TRIPS -> readLines(spec, (line, no) -> {
                ParseResult p = RecordCodec.parse(null, line.getBytes(StandardCharsets.UTF_8));
                if (p instanceof Rejection r) {
                    throw new IllegalArgumentException(spec + " line " + no + ": " + r.reason() + ": " + r.message());
                }
                if (!(p instanceof TripEvent)) {
                    throw new IllegalArgumentException(spec + " line " + no + ": expected a trip record, got "
                            + org.mfgcal.ingest.Texts.clip(line));
                }
                out.add((TripEvent) p);
            });
            case COUNTS -> out.addAll(CountsCsv.read(spec, region).events()); // same reader as `online`
            default -> throw new IllegalArgumentException("unknown format " + format);
        }
        out.sort(Comparator.comparingLong(IngestEvent::eventTimeMillis));
        return out;
    }

    private interface LineHandler {
        void line(String line, int no);
    }

    private static void readLines(String spec, LineHandler h) {
        try (BufferedReader r = FlightsData.open(spec)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (!line.isBlank()) {
                    h.line(line, no);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + spec, e);
        }
    }

    /**
     * Result of a replay.
     *
     * @param records records acknowledged by the broker
     * @param elapsed wall time
     */
    public record Result(long records, Duration elapsed) {
        /** Records per second. */
        public double rate() {
            return records / Math.max(1e-9, elapsed.toNanos() / 1e9);
        }
    }

    /**
     * Publishes events in order, paced by {@code speedup}, and waits for every acknowledgement.
     *
     * @param progress where the progress bar goes (stderr), or {@code null} for none
     * @throws IllegalStateException when a send failed (after all sends completed)
     */
    public static Result publish(List<? extends IngestEvent> events, String topic, double speedup,
                                 Producer<byte[], byte[]> producer, PrintStream progress) {
        long t0 = System.nanoTime();
        AtomicLong acked = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        boolean paced = speedup > 0 && Double.isFinite(speedup);
        long firstEvent = events.isEmpty() ? 0 : events.get(0).eventTimeMillis();
        Progress bar = progress == null ? null : new Progress(progress, events.size());
        java.util.Map<String, byte[]> keys = new java.util.HashMap<>();
        org.apache.kafka.clients.producer.Callback onAck = (md, ex) -> { // one instance for all records
            if (ex != null) {
                failure.compareAndSet(null, ex);
            } else {
                acked.incrementAndGet();
            }
        };
        for (int i = 0; i < events.size(); i++) {
            IngestEvent e = events.get(i);
            if (paced) {
                long dueNanos = t0 + (long) ((e.eventTimeMillis() - firstEvent) * 1e6 / speedup);
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("replay interrupted after " + i + " records", ex);
                    }
                }
            }
            byte[] key = keys.computeIfAbsent(e.region(), r -> r.getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topic, key, RecordCodec.toBytes(e)), onAck);
            if (bar != null) {
                bar.update(i + 1, e.eventTimeMillis(), false);
            }
        }
        producer.flush();
        if (bar != null && !events.isEmpty()) {
            bar.update(events.size(), events.get(events.size() - 1).eventTimeMillis(), true);
        }
        if (failure.get() != null) {
            throw new IllegalStateException("replay: " + (events.size() - acked.get()) + " of " + events.size()
                    + " records failed; first error: " + failure.get().getMessage(), failure.get());
        }
        return new Result(acked.get(), Duration.ofNanos(System.nanoTime() - t0));
    }

    /** A one-line progress bar redrawn with carriage returns at most every 200 ms. */
    static final class Progress {
        private static final int WIDTH = 30;
        private final PrintStream out;
        private final long total;
        private final long start = System.nanoTime();
        private long lastDraw;

        Progress(PrintStream out, long total) {
            this.out = out;
            this.total = total;
        }

        void update(long done, long eventTime, boolean last) {
            long now = System.nanoTime();
            if (!last && now - lastDraw < 200_000_000L) {
                return;
            }
            lastDraw = now;
            double f = total == 0 ? 1 : (double) done / total;
            int filled = (int) Math.round(f * WIDTH);
            double secs = Math.max(1e-9, (now - start) / 1e9);
            out.print(String.format(Locale.ROOT, "\r[%s%s] %3.0f%% %,d/%,d records %,.0f rec/s event time %s",
                    "#".repeat(filled), ".".repeat(WIDTH - filled), f * 100, done, total, done / secs,
                    Instant.ofEpochMilli(eventTime)));
            if (last) {
                out.println();
            }
            out.flush();
        }
    }
}
