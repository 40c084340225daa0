package org.mfgcal.calibrator.online;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.SplittableRandom;
import java.util.zip.InflaterInputStream;
import org.mfgcal.calibrator.optim.Adam;
import org.mfgcal.calibrator.optim.Lbfgs;

/**
 * Test-only: fills every float64 array of a calibrator's state (and of its rate table, optimisers and drift monitor)
 * with noise, and the L-BFGS memory to its capacity, to measure the size of a snapshot with every array full without
 * running the loop for two seasons. Reflection, on purpose: it reaches every array, including ones a future field
 * adds.
 */
final class WarmStateFill {
    private WarmStateFill() {
    }

    /** Fills {@code rc} (modified) and returns its export. */
    static byte[] fillAndExport(RegionCalibrator rc, SplittableRandom rng) {
        fill(rc, rng);
        return rc.exportState();
    }

    /** Size of the snapshot's body before deflate. */
    static long rawBytes(byte[] snapshot) {
        try (InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(snapshot, 6,
                snapshot.length - 6))) {
            return in.transferTo(java.io.OutputStream.nullOutputStream()) + 6;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void fill(Object o, SplittableRandom rng) {
        try {
            for (Field f : o.getClass().getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object v = f.get(o);
                if (v instanceof double[] a) {
                    noise(a, rng);
                } else if (v instanceof double[][] aa) {
                    for (int i = 0; i < aa.length; i++) {
                        boolean pairs = f.getName().equals("s") || f.getName().equals("y");
                        if (aa[i] == null && o instanceof Lbfgs && pairs) {
                            Field size = Lbfgs.class.getDeclaredField("n"); // pair arrays are allocated on first use
                            size.setAccessible(true);
                            aa[i] = new double[size.getInt(o)];
                        }
                        if (aa[i] != null) {
                            noise(aa[i], rng);
                        }
                    }
                } else if (v instanceof RateTable || v instanceof Adam || v instanceof Lbfgs
                        || v instanceof DriftMonitor || isPart(v)) {
                    fill(v, rng);
                }
            }
            if (o instanceof Lbfgs) {
                Field count = Lbfgs.class.getDeclaredField("count");
                Field memory = Lbfgs.class.getDeclaredField("memory");
                count.setAccessible(true);
                memory.setAccessible(true);
                count.setInt(o, memory.getInt(o));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The calibrator's parts (package-private classes of the loop that own state), reached like its own fields. */
    private static boolean isPart(Object v) {
        return v instanceof Window || v instanceof Objective || v instanceof Uncertainty || v instanceof Estimator
                || v instanceof SeasonalMemory || v instanceof ShareMemory || v instanceof Forecaster
                || v instanceof DriftChannels;
    }

    /** Log-rate-like values: −3 + N(0, 1). */
    private static void noise(double[] a, SplittableRandom rng) {
        for (int i = 0; i < a.length; i++) {
            a[i] = -3 + rng.nextGaussian();
        }
    }
}
