package org.mfgcal.api;

import java.util.List;

/**
 * Validation helpers shared by the output records of this package and the calibrator's configuration; messages name
 * the field and the value. Stateless.
 */
public final class Records {
    private Records() {
    }

    public static String nonBlank(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must be a non-blank string, got "
                    + (value == null ? "null" : "'" + value + "'"));
        }
        return value;
    }

    public static double finite(String field, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(field + " must be finite, got " + value);
        }
        return value;
    }

    public static double nonNegative(String field, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be finite and >= 0, got " + value);
        }
        return value;
    }

    public static long nonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, got " + value);
        }
        return value;
    }

    public static <T> T nonNull(String field, T value) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    /** An unmodifiable copy; rejects a null list or null elements. */
    public static <T> List<T> copy(String field, List<T> values) {
        nonNull(field, values);
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                throw new IllegalArgumentException(field + "[" + i + "] must not be null");
            }
        }
        return List.copyOf(values);
    }

    /** An unmodifiable copy of finite values, of the given size. */
    public static List<Double> finiteValues(String field, List<Double> values, int size) {
        List<Double> copy = copy(field, values);
        if (copy.size() != size) {
            throw new IllegalArgumentException(field + " must have " + size + " values (one per zone), got "
                    + copy.size());
        }
        for (int i = 0; i < copy.size(); i++) {
            finite(field + "[" + i + "]", copy.get(i));
        }
        return copy;
    }
}
