package org.mfgcal.calibrator.solver;

/** Fixed-point method for the equilibrium and for the adjoint equation. */
public enum Method {
    /** Damped Picard iteration x ← (1−δ)F(x) + δx, docs/MODEL.md's stopping rule. */
    PICARD,
    /** Anderson acceleration (type II, memory m), falling back to a damped step when the residual grows. */
    ANDERSON;

    public static Method parse(String s) {
        for (Method v : values()) {
            if (v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new IllegalArgumentException("solver = '" + s + "': expected picard or anderson");
    }
}
