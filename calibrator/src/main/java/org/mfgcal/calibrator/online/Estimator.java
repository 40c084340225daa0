package org.mfgcal.calibrator.online;

import org.mfgcal.api.CalibrationListener;
import org.mfgcal.api.Health;
import org.mfgcal.calibrator.io.StateCodec;
import org.mfgcal.calibrator.optim.Adam;
import org.mfgcal.calibrator.optim.Descent;
import org.mfgcal.calibrator.optim.Lbfgs;
import org.mfgcal.calibrator.solver.Solution;

/**
 * The estimate of one region's log-rates θ on its window and how it is updated (class notes of
 * {@link RegionCalibrator}, "Update", "Cold start", "Checks, rollback, degraded bins"): warm-started from the
 * previous θ and μ* (shifted with the window), checked against the objective at the prior, cold when worse; then
 * checked ({@link UpdateCheck}), rolled back and retried once cold when it fails, else degraded to the last good
 * parameters. The optimiser is {@link Descent} (preconditioned L-BFGS, or Adam) on the {@link Objective}.
 *
 * <p>Owns θ, μ* of the last solve (the next warm start), the optimiser memories (Adam's moments with the Adam
 * optimiser only, L-BFGS pairs), the last good copies of them (the L-BFGS pairs' as a mark by reference,
 * {@link Lbfgs#mark}), the warm flags and their warm state. The optimiser driver is the calibrating thread's. Not
 * thread-safe.
 */
final class Estimator implements Descent.Problem {
    private static final System.Logger LOG = System.getLogger(Estimator.class.getName());
    /** Pairs kept by the quasi-Newton optimiser. */
    static final int LBFGS_MEMORY = 8;
    /** Largest change of any log-rate in one quasi-Newton step (a factor e² ≈ 7.4 in the rate). */
    static final double MAX_LOG_STEP = 2.0;
    /** The line search gives up when the largest change of a log-rate falls below this. */
    static final double MIN_LOG_STEP = 1e-4;
    /** Tests only: solve at the prior on every warm update (as before its lower bound was used); solves at it. */
    static boolean solvePriorAlways;
    int priorSolves;

    /** The result of one update: its health, start, optimiser steps, published loss and exploitability. */
    record Outcome(Health health, boolean cold, int steps, double loss, double exploitability) {
    }

    private final RegionShape s;
    private final OnlineConfig cfg;
    private final Window win;
    private final Objective obj;
    private final Uncertainty unc;
    private final CalibrationListener listener;
    private final int n;             // parameters; the optimiser's driver is the thread's (descent())
    final double[] theta;
    private final double[] priorTheta; // the prior's θ for the cold check (theta keeps the warm start)
    private final double[] muWarm;
    private final double[] bestMu;
    // Adam's moments exist only with the Adam optimiser (with L-BFGS they stay zero; the warm state writes zeros).
    private Adam adam;
    private final Lbfgs lbfgs;       // its mark is the rollback point of an update (keepGood/restoreGood)
    private WarmColdCopy saved;      // the warm/cold harness only: allocated on first use (≈ 2·8·n doubles)
    private final double[] goodTheta;
    private final double[] goodMu;
    private Adam goodAdam;
    private boolean goodHasMu;
    private boolean warm;
    private boolean hasMu;
    private long lastGoodBin = RegionShape.NONE;
    private boolean lastCold;
    private boolean fromCold;        // startCold ran since the last optimise (no curvature-predicted first trials)
    private double priorObjective;
    private double publishedLoss;

    Estimator(RegionShape s, OnlineConfig cfg, Window win, Objective obj, Uncertainty unc,
              CalibrationListener listener) {
        this.s = s;
        this.cfg = cfg;
        this.win = win;
        this.obj = obj;
        this.unc = unc;
        this.listener = listener;
        n = obj.table.size();
        theta = new double[n];
        priorTheta = new double[n];
        muWarm = new double[s.grid * s.d];
        bestMu = new double[s.grid * s.d];
        if (cfg.optimizer() == OnlineConfig.Optimizer.ADAM) {
            adam = new Adam(n);
            goodAdam = new Adam(n);
        }
        lbfgs = new Lbfgs(n, LBFGS_MEMORY);
        goodTheta = new double[n];
        goodMu = new double[s.grid * s.d];
    }

    boolean isWarm() {
        return warm;
    }

    void reset() { // the next update starts cold
        warm = false;
        hasMu = false;
    }

    /** Slides θ, the priors, the optimiser memories and μ* by one bin (k grid rows). */
    void shift() {
        final int k = s.k;
        final int d = s.d;
        System.arraycopy(muWarm, k * d, muWarm, 0, (s.grid - k) * d);
        for (int n = s.grid - k; n < s.grid; n++) {
            System.arraycopy(muWarm, (s.grid - k - 1) * d, muWarm, n * d, d);
        }
        obj.table.shift(theta);
        if (adam != null) {
            adam.shift(obj.table.shiftStride());
        }
        lbfgs.shift(obj.table.shiftStride());
    }

    /**
     * Enters the prior of the newest table row {@code row} (from {@link Window#priorRow}); on a full warm window the
     * new row starts at the minimiser of its own regulariser terms given the previous row,
     * (λ_p·prior + λ_s·previous row)/(λ_p + λ_s), not at its noisy per-bin prior (which costs smoothness and warm
     * steps; bench/BENCHMARKS.md, "Online loop").
     */
    void enterRow(int row, boolean full) {
        final double[] priorRow = win.priorRow;
        if (full && warm) {
            final int last = (s.rows - 1) * s.edges;
            final double lp = cfg.priorWeight();
            final double ls = cfg.smoothness();
            for (int e = 0; e < s.edges; e++) {
                theta[last + e] = (lp * priorRow[e] + ls * theta[last - s.edges + e]) / (lp + ls);
            }
        }
        obj.table.setPriorRow(row, priorRow);
    }

    /**
     * The update of bin b on the full window: calibrated, checked before it replaces the warm state, rolled back and
     * retried once cold when it fails, else degraded to the last good parameters; then the uncertainty. With a
     * non-null {@code warmRun} a warm update's optimisation is replaced by it (a measurement, {@link WarmRun}).
     */
    Outcome update(long b, WarmRun warmRun) {
        win.startShares();
        obj.begin(win.observationVariance());
        keepGood();
        boolean cold = !warm;
        int steps;
        String failure;
        String firstFailure = null;
        try {
            steps = calibrate(b, warmRun);
            cold = lastCold;
            failure = check();
        } catch (RuntimeException e) {
            steps = 0;
            failure = Health.REASON_EXCEPTION + ": " + e.getMessage();
        }
        if (failure != null) {
            firstFailure = failure;
            reportFailure(b, failure, cold ? "cold" : "warm");
            if (!cold) {
                restoreGood();
                cold = true;
                try {
                    startCold();
                    steps = optimise(cfg.coldSteps(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
                    priorObjective = descent().firstObjective();
                    finish();
                    failure = check();
                } catch (RuntimeException e) {
                    failure = Health.REASON_EXCEPTION + ": " + e.getMessage();
                }
                if (failure != null) {
                    reportFailure(b, failure, "cold retry");
                }
            }
        }
        if (failure == null) {
            Health health = firstFailure == null ? Health.ok(b) : new Health(Health.State.RECOVERED, firstFailure, b);
            warm = true;
            if (cold) {
                unc.forget();
            }
            Solution sol = obj.lastSolution();
            double expl = Math.max(0, sol.exploitability());
            unc.update(b, sol, theta);
            lastGoodBin = b;
            lbfgs.release();
            return new Outcome(health, cold, steps, publishedLoss, expl);
        }
        // Degraded: the last good state (shifted with the window), its loss and exploitability on this window.
        restoreGood();
        Health health = new Health(Health.State.DEGRADED, failure,
                lastGoodBin == RegionShape.NONE ? null : lastGoodBin);
        warm = lastGoodBin != RegionShape.NONE;
        double[] fallback = fallbackSolve();
        lbfgs.release();
        return new Outcome(health, cold, steps, fallback[0], fallback[1]);
    }

    /**
     * The update proper: warm (checked against the objective at the prior, cold when worse) or cold, or a
     * {@link WarmRun}; then {@link #finish}. Returns the optimiser's steps; sets {@link #lastCold} and
     * {@link #priorObjective}.
     */
    private int calibrate(long b, WarmRun warmRun) {
        boolean cold = !warm;
        int steps;
        priorObjective = Double.NaN;
        if (warmRun != null && warm) {
            steps = warmRun.run(this, b);
        } else {
            steps = -1;
            if (warm) {
                // The warm start's first evaluation doubles as the check against the cold start's objective (within
                // REACH, relative). That objective is at least the regulariser at the prior (no solve; 4–10 times the
                // warm objective on the flights and the city); only above it the prior is solved and the run redone.
                double bound = solvePriorAlways ? Double.NEGATIVE_INFINITY : obj.table.regulariserValue(atPrior());
                priorObjective = bound;
                steps = optimise(cfg.warmSteps(), Double.NEGATIVE_INFINITY, bound + UpdateCheck.REACH * bound);
                if (steps < 0) {
                    double first = descent().firstObjective();
                    double coldObjective = coldCheck();
                    priorObjective = coldObjective;
                    double limit = coldObjective + UpdateCheck.REACH * Math.abs(coldObjective);
                    steps = first <= limit ? optimise(cfg.warmSteps(), Double.NEGATIVE_INFINITY, limit) : -1;
                }
                if (steps < 0) {
                    LOG.log(System.Logger.Level.INFO, "region ''{0}'' bin {1}: warm start objective {2} is worse than"
                            + " the cold start''s {3}; starting cold", s.region, b, descent().firstObjective(),
                            priorObjective);
                    cold = true;
                }
            }
            if (cold) {
                startCold();
                steps = optimise(cfg.coldSteps(), Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
                priorObjective = descent().firstObjective();
            }
        }
        lastCold = cold;
        finish();
        return steps;
    }

    /** The checks of {@link UpdateCheck} on the published equilibrium; sets {@link #publishedLoss} when they pass. */
    private String check() {
        Solution sol = obj.lastSolution();
        String failure = UpdateCheck.equilibrium(descent().bestObjective(), sol, theta);
        if (failure != null) {
            return failure;
        }
        double v = obj.valueAt(sol.mu(), theta);
        failure = UpdateCheck.loss(v, priorObjective);
        if (failure == null) {
            publishedLoss = v;
        }
        return failure;
    }

    private void reportFailure(long b, String reason, String attempt) {
        LOG.log(System.Logger.Level.WARNING, "region ''{0}'' bin {1}: {2} update failed its checks: {3}", s.region, b,
                attempt, reason);
        listener.updateFailed(s.region, b, UpdateCheck.label(reason));
    }

    /** The state an update may replace, kept before it starts (θ, μ*, optimiser memory, curvature). */
    private void keepGood() {
        System.arraycopy(theta, 0, goodTheta, 0, theta.length);
        System.arraycopy(muWarm, 0, goodMu, 0, muWarm.length);
        unc.keepGood();
        if (adam != null) {
            goodAdam.copyFrom(adam);
        }
        lbfgs.mark();
        goodHasMu = hasMu;
    }

    /** Rolls back to what {@link #keepGood} kept. */
    private void restoreGood() {
        System.arraycopy(goodTheta, 0, theta, 0, theta.length);
        System.arraycopy(goodMu, 0, muWarm, 0, muWarm.length);
        unc.restoreGood();
        if (adam != null) {
            adam.copyFrom(goodAdam);
        }
        lbfgs.rollback();
        hasMu = goodHasMu;
        if (lastGoodBin == RegionShape.NONE) {
            obj.table.reset(theta); // no good update yet: the prior rates
            hasMu = false;
        }
    }

    /**
     * Loss and exploitability of the restored (last good) parameters on this bin's window, for a degraded bin: one
     * solve from μ_0 (the warm start may be what failed). When even that fails, {@link UpdateCheck#UNAVAILABLE} for
     * both (finite, so the record stays valid JSON; the health says the bin is degraded).
     */
    private double[] fallbackSolve() {
        try {
            Solution sol = obj.publishedSolve(theta, null);
            double v = obj.valueAt(sol.mu(), theta);
            if (sol.converged() && Double.isFinite(v) && Double.isFinite(sol.exploitability())) {
                System.arraycopy(sol.mu(), 0, muWarm, 0, muWarm.length);
                hasMu = true;
                return new double[] {v, Math.max(0, sol.exploitability())};
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "region ''{0}'': fallback solve failed: {1}", s.region,
                    e.getMessage());
        }
        hasMu = false;
        return new double[] {UpdateCheck.UNAVAILABLE, UpdateCheck.UNAVAILABLE};
    }

    void startCold() {
        obj.table.reset(theta);
        if (adam != null) {
            adam.reset();
        }
        lbfgs.reset();
        hasMu = false;
        fromCold = true;
    }

    /** Objective at the prior, solving from the current warm start (what a cold start is measured against). */
    private double coldCheck() {
        priorSolves++;
        return obj.evaluate(atPrior(), false, hasMu ? muWarm : null);
    }

    private double[] atPrior() { // the prior's θ (the table's priors) in priorTheta; θ keeps the warm start
        System.arraycopy(theta, 0, priorTheta, 0, theta.length);
        obj.table.reset(priorTheta);
        return priorTheta;
    }

    /**
     * The optimiser from the current θ: {@link Descent#quasiNewton} preconditioned by {@link Uncertainty#preconditioner}
     * (from a warm start with curvature-predicted first trials; a cold start's line searches start at the unit step),
     * or {@link Descent#adam}; returns the steps taken, or −1 when the first objective is above {@code abortAbove}.
     */
    int optimise(int budget, double target, double abortAbove) {
        final boolean warmRun = !fromCold;
        fromCold = false;
        if (cfg.optimizer() == OnlineConfig.Optimizer.LBFGS) {
            Lbfgs.Preconditioner m = unc.preconditioner();
            return descent().quasiNewton(this, theta, lbfgs, m, budget, target, abortAbove, cfg.relativeTolerance(),
                    MAX_LOG_STEP, MIN_LOG_STEP, warmRun);
        }
        return descent().adam(this, theta, adam, cfg.learningRate(), budget, target, abortAbove,
                cfg.relativeTolerance());
    }

    /** Restores the best θ and leaves the solver's workspace at its equilibrium (with its exploitability). */
    private void finish() {
        if (!Double.isFinite(descent().bestObjective())) {
            return;
        }
        System.arraycopy(descent().best(), 0, theta, 0, theta.length);
        System.arraycopy(bestMu, 0, muWarm, 0, muWarm.length);
        // One solve from the best equilibrium (it converges at once): it leaves the solver's workspace linearised at
        // the published equilibrium and computes its exploitability, which the optimiser's solves skip.
        Solution sol = obj.publishedSolve(theta, muWarm);
        if (sol.converged()) {
            System.arraycopy(sol.mu(), 0, muWarm, 0, muWarm.length);
        }
    }

    /**
     * Replaces the optimisation of a warm update on one bin (the warm/cold measurement of the tests' and benchmarks'
     * harness, {@code WarmColdHarness}); returns the optimiser's steps. It may use {@link #keepForMeasurement},
     * {@link #startCold}, {@link #optimise}, {@link #restoreAfterMeasurement} and the counters.
     */
    @FunctionalInterface
    interface WarmRun {
        int run(Estimator e, long bin);
    }

    void keepForMeasurement() { // θ, μ* and the optimiser memories, before a measured cold start
        if (saved == null) {
            saved = new WarmColdCopy(theta.length, muWarm.length);
        }
        saved.keep(theta, muWarm, adam, lbfgs, hasMu);
    }

    void restoreAfterMeasurement() { // back to what keepForMeasurement kept
        hasMu = saved.restore(theta, muWarm, adam, lbfgs);
    }

    /** Solver iterations (Picard/Anderson plus adjoint) since the counters were last reset ({@link #resetCounters}). */
    int iterations() {
        return obj.picard() + obj.adjoint();
    }

    void resetCounters() {
        obj.resetCounters();
    }

    /** The thread's optimiser driver ({@link Descent#forThread}): work space of one update, read within it. */
    private Descent descent() {
        return Descent.forThread(n);
    }

    double bestObjective() { // of the last optimise
        return descent().bestObjective();
    }

    OnlineConfig config() {
        return cfg;
    }

    // Descent.Problem: F with its gradient, μ* of the last finite evaluation as the companion (warm-start) state.

    @Override
    public double evaluate(double[] x) {
        return obj.evaluate(x, true, hasMu ? muWarm : null);
    }

    @Override
    public double value(double[] x) {
        return obj.evaluate(x, false, hasMu ? muWarm : null);
    }

    @Override
    public boolean gradientOfValue() {
        return obj.gradientOfLast();
    }

    @Override
    public double[] gradient() {
        return obj.thetaBar;
    }

    @Override
    public void evaluated() {
        System.arraycopy(obj.lastSolution().mu(), 0, muWarm, 0, muWarm.length);
        hasMu = true;
    }

    @Override
    public void best() {
        System.arraycopy(muWarm, 0, bestMu, 0, muWarm.length);
    }

    @Override
    public void restart() {
        System.arraycopy(bestMu, 0, muWarm, 0, muWarm.length);
    }

    /** For tests: F of the calibrated window at {@code th}, solved from μ_0, and its gradient into {@code grad}. */
    double objectiveAt(double[] th, double[] grad) {
        double v = obj.evaluate(th, grad != null, null);
        if (grad != null) {
            System.arraycopy(obj.thetaBar, 0, grad, 0, grad.length);
        }
        return v;
    }

    /** Warm state: the warm flags (in the header block). */
    void writeFlags(StateCodec.Writer out) {
        out.bool(warm).bool(hasMu);
    }

    /** Reads the flags; the last good bin is the last bin when warm (a warm state is a good one). */
    void readFlags(StateCodec.Reader in, long lastBin) {
        warm = in.bool("warm");
        hasMu = in.bool("hasMu");
        lastGoodBin = warm ? lastBin : RegionShape.NONE;
    }

    /** Warm state: θ, the table's priors, μ* of the last solve. */
    void writeParameters(StateCodec.Writer out) {
        out.doubles(theta);
        obj.table.writeState(out);
        out.doubles(muWarm);
    }

    void readParameters(StateCodec.Reader in) {
        in.doubles("theta", theta);
        obj.table.readState(in);
        in.doubles("muWarm", muWarm);
    }

    /** Warm state: Adam's moments and the L-BFGS pairs. */
    void writeOptimiser(StateCodec.Writer out) {
        if (adam != null) {
            adam.writeState(out);
        } else {
            Adam.writeZero(out, theta.length);
        }
        lbfgs.writeState(out);
    }

    void readOptimiser(StateCodec.Reader in) {
        if (adam != null) {
            adam.readState(in);
        } else if ((adam = Adam.readUnlessZero(in, theta.length)) != null) { // kept, as with the Adam optimiser
            goodAdam = new Adam(theta.length);
        }
        lbfgs.readState(in);
    }
}
