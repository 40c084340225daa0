package org.mfgcal.simd;

/**
 * Whether the vector row kernels ({@link Rows}) run in this JVM: only when it was started with
 * {@code --add-modules jdk.incubator.vector} (bin/mfgcal, the Docker image and the build's test JVMs do), the CPU has
 * 256-bit vectors (AVX2) and the system property {@code mfgcal.simd} is not {@code false}. Otherwise the callers keep
 * their scalar loops. This class refers to the vector API only through {@link Rows}, which is loaded only when the
 * module is present.
 *
 * <p>The two paths agree to rounding (their sums are formed in another order); results are reproducible for one
 * choice, so a service should not change it between restarts if it wants bit-identical continuations.
 */
public final class Simd {
    /** The vector kernels run (decided once, at class initialisation). */
    public static final boolean ENABLED = decide();

    private Simd() {
    }

    private static boolean decide() {
        if (!Boolean.parseBoolean(System.getProperty("mfgcal.simd", "true"))) {
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return false;
        }
        try {
            return Rows.usable();
        } catch (LinkageError e) {
            return false;
        }
    }

    /** A one-line description for logs: which sweep kernels this JVM runs and why. */
    public static String describe() {
        if (ENABLED) {
            return "vector sweep kernels (jdk.incubator.vector, 256-bit)";
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "scalar sweep kernels (start the JVM with --add-modules jdk.incubator.vector for the vector ones)";
        }
        return "scalar sweep kernels (vector kernels off: -Dmfgcal.simd=false or no 256-bit vectors)";
    }
}
