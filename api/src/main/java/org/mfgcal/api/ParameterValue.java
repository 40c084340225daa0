package org.mfgcal.api;

/**
 * One calibrated parameter value of a zone or an edge.
 *
 * <p>Contract: immutable; {@code target} is a zone name (e.g. {@code "LHR"}) or an edge written
 * {@code "FROM->TO"}; {@code value} is finite. Thread-safe (immutable).
 *
 * @param name   parameter name as the model calls it, e.g. {@code "rate"} or {@code "attractiveness"}
 * @param target zone or edge the value belongs to
 * @param value  the estimate
 */
public record ParameterValue(String name, String target, double value) {

    /** Separator of the two zones of an edge target. */
    public static final String EDGE = "->";

    public ParameterValue {
        Records.nonBlank("name", name);
        Records.nonBlank("target", target);
        Records.finite("value of " + name + "/" + target, value);
    }

    /** The target string of the edge {@code from -> to}. */
    public static String edge(String from, String to) {
        return from + EDGE + to;
    }
}
