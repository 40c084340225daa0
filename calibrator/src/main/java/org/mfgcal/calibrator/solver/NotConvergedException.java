package org.mfgcal.calibrator.solver;

/** An equilibrium or adjoint iteration stopped at its iteration limit, or diverged. */
public final class NotConvergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NotConvergedException(String message) {
        super(message);
    }
}
