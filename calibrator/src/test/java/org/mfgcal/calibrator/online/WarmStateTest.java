package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.ClosedBin;

/**
 * {@link RegionCalibrator#exportState()} / {@link RegionCalibrator#restore}: a restored calibrator continues
 * bit-identically (the decisive check, {@link Continuation}), bad snapshots are refused with messages that name the
 * field, and the snapshot sizes of the shipped shapes. Synthetic data of {@link RegionCalibratorTest} (four zones,
 * six-hour bins, window 4, season 28); app's {@code WarmStateFlightsTest} does the same on the real flights sample.
 */
class WarmStateTest {
    static final List<String> ZONES = RegionCalibratorTest.ZONES;
    /** Outgoing rates of zone A halved from this bin: the drift alert is raised in 100..104. */
    static final long HALVE_FROM = 100;

    private static RegionCalibrator fresh(OnlineConfig cfg) {
        return new RegionCalibrator(cfg, "syn", ZONES, CalibrationListener.NONE);
    }

    /** Runs bins[0..n−1] on a fresh calibrator. */
    private static RegionCalibrator run(OnlineConfig cfg, List<ClosedBin> bins, int n) {
        RegionCalibrator rc = fresh(cfg);
        for (int i = 0; i < n; i++) {
            rc.update(bins.get(i));
        }
        return rc;
    }

    @Test
    void restore_afterSeventyBins_nextNinetyBinsIdentical_acrossRealisedForecastsAndAlerts() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 160, HALVE_FROM, 0.0);
        OnlineConfig cfg = RegionCalibratorTest.config();
        RegionCalibrator original = run(cfg, bins, 70);
        byte[] snapshot = original.exportState();
        RegionCalibrator restored = RegionCalibrator.restore(cfg, "syn", ZONES, CalibrationListener.NONE, snapshot);
        assertEquals(original.lastBin(), restored.lastBin());
        assertTrue(restored.isWarm());
        assertArrayEquals(snapshot, restored.exportState(), "export of the restored state equals the snapshot");
        Continuation.Seen seen = Continuation.assertSameUpdates(original, restored, bins.subList(70, 160));
        assertEquals(90, seen.published());
        assertTrue(seen.warm() >= 80, "warm updates compared: " + seen.warm()); // a few restart cold after the change
        assertTrue(seen.realised() >= 90 * 12 - 1, "realised forecasts compared: " + seen.realised());
        assertTrue(seen.alerts() >= 1, "no drift alert in the compared bins");
    }

    @Test
    void restore_adamOptimiser_identical() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 120, HALVE_FROM, 0.0);
        OnlineConfig cfg = RegionCalibratorTest.config().withOptimizer(OnlineConfig.Optimizer.ADAM);
        RegionCalibrator original = run(cfg, bins, 65);
        RegionCalibrator restored = RegionCalibrator.restore(cfg, "syn", ZONES, CalibrationListener.NONE,
                original.exportState());
        Continuation.Seen seen = Continuation.assertSameUpdates(original, restored, bins.subList(65, 120));
        assertEquals(55, seen.published());
        assertTrue(seen.alerts() >= 1, "no drift alert in the compared bins");
    }

    @Test
    void restore_whileWindowFillsAndBeforeFirstBin_identical() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 40, Long.MAX_VALUE);
        OnlineConfig cfg = RegionCalibratorTest.config();
        for (int n : new int[] {0, 2}) {
            RegionCalibrator original = run(cfg, bins, n);
            RegionCalibrator restored = RegionCalibrator.restore(cfg, "syn", ZONES, CalibrationListener.NONE,
                    original.exportState());
            assertEquals(original.lastBin(), restored.lastBin());
            Continuation.Seen seen = Continuation.assertSameUpdates(original, restored, bins.subList(n, 40));
            assertEquals(40 - n - (cfg.windowBins() - 1 - n), seen.published(), "after " + n + " bins");
        }
    }

    @Test
    void restore_thenGap_bothColdStartTheSame() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 60, Long.MAX_VALUE);
        OnlineConfig cfg = RegionCalibratorTest.config();
        RegionCalibrator original = run(cfg, bins, 30);
        RegionCalibrator restored = RegionCalibrator.restore(cfg, "syn", ZONES, CalibrationListener.NONE,
                original.exportState());
        Continuation.assertSameUpdates(original, restored, bins.subList(35, 60)); // bins 30..34 missing
    }

    @Test
    void restore_badSnapshots_clearErrors() {
        List<ClosedBin> bins = RegionCalibratorTest.simulate(0, 10, Long.MAX_VALUE);
        OnlineConfig cfg = RegionCalibratorTest.config();
        byte[] good = run(cfg, bins, 10).exportState();

        byte[] magic = good.clone();
        magic[0] = 'X';
        assertMessage(cfg, "syn", ZONES, magic, "magic 0x58464753, expected 0x4D464753");

        byte[] version = good.clone();
        version[5] = 9;
        assertMessage(cfg, "syn", ZONES, version, "version 9, this code reads version 2");

        OnlineConfig other = cfg.withSeed(cfg.seed() + 1);
        assertMessage(other, "syn", ZONES, good, "configHash " + cfg.hash() + " differs from the config's "
                + other.hash());

        assertMessage(cfg, "other", ZONES, good, "region 'syn' differs from 'other'");

        List<String> zones = List.of("A", "C", "B", "External");
        assertMessage(cfg, "syn", zones, good, "zones [A, B, C, External] differ from the region's zones "
                + "[A, C, B, External]");

        assertMessage(cfg, "syn", ZONES, Arrays.copyOf(good, good.length / 2), "warm-state snapshot is truncated");
        assertMessage(cfg, "syn", ZONES, Arrays.copyOf(good, 3), "too short for its header");

        byte[] garbage = good.clone();
        for (int i = 6; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31);
        }
        assertMessage(cfg, "syn", ZONES, garbage, "warm-state snapshot is corrupt at field configHash");
        assertThrows(IllegalArgumentException.class, () -> RegionCalibrator.restore(cfg, "syn", ZONES,
                CalibrationListener.NONE, null));
    }

    private static void assertMessage(OnlineConfig cfg, String region, List<String> zones, byte[] snapshot,
                                      String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegionCalibrator.restore(cfg, region, zones, CalibrationListener.NONE, snapshot));
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    /**
     * Snapshot size of a region of 21 zones, hourly bins, W = 96 and a season of 672 bins with every array full:
     * filled here with noise of the magnitudes the loop holds (log-rates, variances, shares), which deflate about as
     * badly as real estimates (the mantissas are noise either way). Running the loop through 2 seasons of this shape
     * takes too long for a unit test. Printed; the flights shape is measured on real data in app's test.
     */
    @Test
    void exportState_size_d21_w96_season672() {
        List<String> zones = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            zones.add("Z" + i);
        }
        zones.add("External");
        OnlineConfig cfg = OnlineConfig.defaults(0.25).withWindow(96, 672);
        RegionCalibrator rc = new RegionCalibrator(cfg, "big", zones, CalibrationListener.NONE);
        int empty = rc.exportState().length;
        byte[] full = WarmStateFill.fillAndExport(rc, new SplittableRandom(7));
        RegionCalibrator back = RegionCalibrator.restore(cfg, "big", zones, CalibrationListener.NONE, full);
        assertArrayEquals(full, back.exportState(), "round trip of a full state");
        System.out.printf(Locale.ROOT, "warm-state snapshot d=21 W=96 season=672: %,d bytes with every array full"
                + " (raw float64 %,d bytes); %,d bytes at construction%n", full.length, WarmStateFill.rawBytes(full),
                empty);
        assertTrue(full.length < 16_000_000, "snapshot " + full.length + " bytes");
    }
}
