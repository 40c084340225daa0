package org.mfgcal.api;

/**
 * A change detected in a parameter path or in forecast residuals; published to {@code mfg.alerts} (schema
 * {@code schemas/drift-alert.schema.json} in the publisher). An alert is RAISED once when the detector fires and
 * CLEARED once when the change ends; both messages carry the same {@link #id}, so consumers de-duplicate on it.
 *
 * <p><b>Reading an alert.</b> {@code direction} is the sign of the change of the named quantity against its
 * {@code reference}, measured in the data over the alert's run (bins {@code firstBin..bin}): for an outgoing rate
 * ({@code outRate}) the zone's observed departures per individual and hour against the same bins' reference (a
 * collapse of departures is DOWN, a surge UP), {@code observedChange} = Σ observed / Σ reference − 1 (−0.95: 95%
 * fewer); {@code modelChange} is the same change of the calibrated rate against its own reference, so the two can be
 * read side by side (the model lags a sudden change and is smoothed). For a {@code residual} alert the named quantity
 * is the zone's share against the model's forecast: both changes are relative to the share observed one bin before
 * (at the forecast's issue), {@code observedChange} what happened and {@code modelChange} what the forecast expected,
 * and UP means the share came in above the forecast. Without observations of the quantity (counts data have no
 * departures) the observed change is the model's.
 *
 * <p>Contract: immutable; {@code magnitude} finite and non-negative (size of the change, in the parameter's
 * units, or in share for residual alerts), {@code observedChange} and {@code modelChange} finite and ≥ −1,
 * {@code firstBin <= bin}. Thread-safe (immutable).
 *
 * @param id         de-duplication id, {@link #idOf}
 * @param region     region name
 * @param target     zone, or edge {@code "FROM->TO"}
 * @param parameter  parameter name, or {@link #RESIDUAL} for an alert on forecast residuals
 * @param direction  direction of the change
 * @param magnitude  estimated size of the change (mean absolute difference from the reference over the run)
 * @param reference  what the change is measured against
 * @param observedChange relative change of the quantity in the data against the reference over the run
 * @param modelChange    relative change of the model's value of the quantity against its reference over the run
 * @param firstBin   first bin of the change (the detector's change-point estimate)
 * @param bin        the bin at which this state was reached
 * @param state      RAISED or CLEARED
 * @param provenance where the detection comes from
 */
public record DriftAlert(String id, String region, String target, String parameter, Direction direction,
                         double magnitude, String reference, double observedChange, double modelChange,
                         long firstBin, long bin, State state, Provenance provenance) {

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
        Records.nonBlank("reference", reference);
        if (!(observedChange >= -1) || Double.isInfinite(observedChange)) {
            throw new IllegalArgumentException("alert " + id + ": observedChange must be finite and >= -1, got "
                    + observedChange);
        }
        if (!(modelChange >= -1) || Double.isInfinite(modelChange)) {
            throw new IllegalArgumentException("alert " + id + ": modelChange must be finite and >= -1, got "
                    + modelChange);
        }
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
