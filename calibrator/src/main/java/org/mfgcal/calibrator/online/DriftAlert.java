package org.mfgcal.calibrator.online;

/**
 * A change detected in a parameter path or in forecast residuals; published to {@code mfg.alerts} (schema
 * {@code schemas/drift-alert.schema.json} in the publisher). An alert is RAISED once when the detector fires and
 * CLEARED once when the change ends; both messages carry the same {@link #id}, so consumers de-duplicate on it.
 *
 * <p>Contract: immutable; {@code magnitude} finite and non-negative (size of the change, in the parameter's
 * units, or in share for residual alerts), {@code firstBin <= bin}. Thread-safe (immutable).
 *
 * @param id         de-duplication id, {@link #idOf}
 * @param region     region name
 * @param target     zone, or edge {@code "FROM->TO"}
 * @param parameter  parameter name, or {@link #RESIDUAL} for an alert on forecast residuals
 * @param direction  direction of the change
 * @param magnitude  estimated size of the change
 * @param firstBin   first bin of the change (the detector's change-point estimate)
 * @param bin        the bin at which this state was reached
 * @param state      RAISED or CLEARED
 * @param provenance where the detection comes from
 */
public record DriftAlert(String id, String region, String target, String parameter, Direction direction,
                         double magnitude, long firstBin, long bin, State state, Provenance provenance) {

    /** Parameter name used for alerts on forecast residuals (observed minus forecast share). */
    public static final String RESIDUAL = "residual";

    /** Direction of a change. */
    public enum Direction { UP, DOWN }

    /** Life cycle of an alert. */
    public enum State { RAISED, CLEARED }

    public DriftAlert {
        Records.nonBlank("id", id);
        Records.nonBlank("region", region);
        Records.nonBlank("target", target);
        Records.nonBlank("parameter", parameter);
        Records.nonNull("direction", direction);
        Records.nonNegative("magnitude", magnitude);
        if (firstBin > bin) {
            throw new IllegalArgumentException("alert " + id + ": firstBin " + firstBin + " is after bin " + bin);
        }
        Records.nonNull("state", state);
        Records.nonNull("provenance", provenance);
    }

    /** The de-duplication id of the alert on {@code parameter} of {@code target} in {@code region} from {@code firstBin}. */
    public static String idOf(String region, String target, String parameter, long firstBin) {
        return region + "/" + target + "/" + parameter + "/" + firstBin;
    }
}
