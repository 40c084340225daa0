package org.mfgcal.bench;

import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Graph;

/** A game with its {@link Game#kernels()} hidden: the solver's generic sweeps, to show what the kernels pay. */
record NoKernels(Game g) implements Game {
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
    public boolean exitScaledCost() {
        return g.exitScaledCost();
    }

    @Override
    public void checkParameters(double[] gamma, int gOff, int n) {
        g.checkParameters(gamma, gOff, n);
    }

    @Override
    public void local(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff, double[] a,
                      double[] f, double[] scratch) {
        g.local(n, u, uOff, mu, muOff, gamma, gOff, a, f, scratch);
    }

    @Override
    public void localVjp(int n, double[] u, int uOff, double[] mu, int muOff, double[] gamma, int gOff,
                         double[] aBar, double[] fBar, double[] uBar, int uBarOff, double[] muBar, int muBarOff,
                         double[] gammaBar, int gBarOff, double[] scratch) {
        g.localVjp(n, u, uOff, mu, muOff, gamma, gOff, aBar, fBar, uBar, uBarOff, muBar, muBarOff, gammaBar, gBarOff,
                scratch);
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
}
