package org.mfgcal.calibrator.solver;

import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Graph;

/**
 * Wraps a game and hides its fused kernels, forcing the solver's generic sweeps (for cross-checks). With
 * {@code exitScaledCost = false} the running cost accrues over the whole Δt, the stable step before issue 11.
 */
public record Generic(Game g, boolean exitScaledCost) implements Game {
    public Generic(Game g) {
        this(g, g.exitScaledCost());
    }

    /** The game with the running cost over the whole Δt (the former stable step), generic sweeps. */
    static Generic costOverWholeStep(Game g) {
        return new Generic(g, false);
    }

    @Override
    public String name() {
        return g.name();
    }

    @Override
    public Graph graph() {
        return g.graph();
    }

    @Override
    public int paramsPerStep() {
        return g.paramsPerStep();
    }

    @Override
    public String[] parameterNames() {
        return g.parameterNames();
    }

    @Override
    public int scratchSize() {
        return g.scratchSize();
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff, double[] a,
                      double[] f, double[] scratch) {
        g.local(n, u, uOff, mu, muOff, gamma, gOff, a, f, scratch);
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff, double[] aBar,
                         double[] fBar, double[] uBar, int uBarOff, double[] muBar, int muBarOff, double[] gammaBar,
                         int gBarOff, double[] scratch) {
        g.localVjp(n, u, uOff, mu, muOff, gamma, gOff, aBar, fBar, uBar, uBarOff, muBar, muBarOff, gammaBar, gBarOff, scratch);
    }

    @Override
    public void terminal(double[] mu, int muOff, double[] gamma, int gOff, double[] out) {
        g.terminal(mu, muOff, gamma, gOff, out);
    }

    @Override
    public void terminalVjp(double[] mu, int muOff, double[] gamma, int gOff, double[] gBar, double[] muBar,
                            int muBarOff, double[] gammaBar, int gBarOff) {
        g.terminalVjp(mu, muOff, gamma, gOff, gBar, muBar, muBarOff, gammaBar, gBarOff);
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        g.checkParameters(gamma, gOff, n);
    }
}
