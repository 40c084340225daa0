package org.mfgcal.app.service;

import java.util.List;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/** The JVM and process meters of a {@link Service}. */
final class JvmMeters {

    private JvmMeters() {
    }

    /**
     * Micrometer's JVM and process binders, and the resident set size ({@code process_resident_memory_bytes},
     * from {@code /proc/self/status} where it exists). Returns the binders to close.
     */
    static List<AutoCloseable> bindJvmMeters(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        java.nio.file.Path status = java.nio.file.Path.of("/proc/self/status");
        if (java.nio.file.Files.isReadable(status)) {
            Gauge.builder("process.resident.memory", status, JvmMeters::residentBytes).baseUnit("bytes")
                    .description("Resident set size of the process (VmRSS)").register(registry);
        }
        return List.of(gc);
    }

    /** VmRSS of {@code /proc/self/status} in bytes, or NaN. */
    static double residentBytes(java.nio.file.Path status) {
        try {
            for (String line : java.nio.file.Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024.0; // kB
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // reported as NaN
        }
        return Double.NaN;
    }
}
