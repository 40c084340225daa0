package org.mfgcal.calibrator.discrete;

import java.util.Arrays;

/**
 * Equilibrium solvers for a {@link DiscreteGame}: fictitious play, online mirror descent, damped softmax fixed point
 * and Anderson-accelerated softmax fixed point (docs/DISCRETE_GAMES.md §3).
 *
 * <p>Implementation notes. Every iteration evaluates the exploitability of the current policy exactly (forward sweep,
 * policy evaluation and best response share one {@link Evaluator}), records it with the elapsed time, and stops at
 * the first iteration whose exploitability is ≤ the target. FP: π̄_{k+1} = ((1−γ) μ̄_k π̄_k + γ μ_BR π_BR) /
 * ((1−γ) μ̄_k + γ μ_BR) per (t, x), π_BR greedy w.r.t. Q* under μ̄_k, μ_BR its own mean field, γ = 1/(n+1) with n
 * policies averaged (uniform start), or the exact Frank–Wolfe line search on a {@link PotentialGame}. OMD:
 * y ← y + η Q^{π_k}, π_{k+1} = softmax(y) (uniform start). Fixed point: π ← (1−δ) π + δ softBR_τ(μ^π). Anderson:
 * the same softmax map on the policy, type-II Anderson mixing (memory m, mixing weight δ), projection onto the
 * simplex (negatives to 0, renormalised), temperature continuation τ_k = max(τ, τ_0 ρ^k), and a safeguard (once
 * τ_k = τ): when the exploitability at an Anderson point exceeds 10 times the best one of an accepted point, the
 * point is rejected, the plain damped step x ← x + 0.1 (softBR(x) − x) of the base map is taken from the last
 * accepted point instead (accepted unconditionally) and the history restarts. Flow-shift ({@link FlowShift}) and Newton
 * ({@link NewtonFlow}, followed by two flow-shift sweeps per iteration) work on crowd potential games only;
 * newton-windows ({@link TimeWindows}) records the uniform policy, then the policy glued from Newton solves of three
 * overlapping time windows as its second iteration, then continues as Newton on the whole game (games with windows:
 * four-rooms). All buffers are allocated at construction (the windows' solvers at the first newton-windows solve).
 *
 * <p>Not thread-safe: one solver per thread.
 */
public final class DiscreteSolver {
    private final Evaluator ev;
    private final SolverOptions opt;
    private final int len;
    private final int nS, nA, nT;
    private final double[] policy, other, muBar, y, qs, vs;
    private final double[] saBar, dMu, dSa, muMix, saMix;
    private final double[] deriv = new double[2];
    // Anderson
    private final double[] x, fx, res, prevX, prevRes;
    private final double[][] dX, dR;
    private final double[] gram, rhs;
    private final FlowShift flowShift;
    private final NewtonFlow newton;

    /**
     * Newton–CG of rounds 2–4: at most 50 CG iterations, relative preconditioned residual 0.03, one flow-shift sweep
     * per Newton step (kept as the reference path of {@code NewtonFlowTest}).
     */
    static final int NEWTON_CG = 50;
    /**
     * Newton iteration since issue 14, fifth round (docs/DISCRETE_GAMES.md §6): a looser Newton–CG step (at most 30
     * CG iterations, relative residual 0.1) followed by two flow-shift sweeps. Four-rooms: 21 iterations from the
     * uniform policy and 21–24 from round-off-perturbed ones (the previous setting: 33, but 37–41 perturbed).
     */
    static final int NEWTON_STEP_CG = 30;
    static final double NEWTON_STEP_TOL = 0.1;
    static final int NEWTON_SWEEPS = 2;
    /** Damping of the plain (base-map) step Anderson falls back to when the safeguard rejects a point. */
    static final double SAFE_DAMPING = 0.1;
    /**
     * Anderson safeguard: once the temperature has reached its final value, a point whose exploitability exceeds
     * this factor times the best exploitability of an accepted point is rejected.
     */
    static final double SAFE_GROWTH = 10;
    /** Anderson steps rejected by the safeguard in the last solve. */
    private int safeguards;
    /** The time windows of newton-windows (built at its first solve). */
    private TimeWindows windows;
    static final double NEWTON_TOL = 0.03;

    public DiscreteSolver(DiscreteGame game, SolverOptions options) {
        this.ev = new Evaluator(game);
        this.opt = options;
        nS = ev.nS;
        nA = ev.nA;
        nT = ev.nT;
        len = nT * nS * nA;
        policy = new double[len];
        other = new double[len];
        muBar = new double[nT * nS];
        saBar = new double[len];
        dMu = new double[nT * nS];
        dSa = new double[len];
        muMix = new double[nT * nS];
        saMix = new double[len];
        y = new double[len];
        qs = new double[len];
        vs = new double[nT * nS];
        int m = options.memory();
        x = new double[len];
        fx = new double[len];
        res = new double[len];
        prevX = new double[len];
        prevRes = new double[len];
        dX = new double[m][len];
        dR = new double[m][len];
        gram = new double[m * m];
        rhs = new double[m];
        flowShift = game instanceof CrowdPotentialGame cg ? new FlowShift(cg, ev) : null;
        newton = game instanceof CrowdPotentialGame cg ? new NewtonFlow(cg, ev) : null;
    }

    /**
     * Whether {@code algorithm} can solve {@code game}: flow-shift and newton need a {@link CrowdPotentialGame}
     * (crowd-ring, four-rooms); the other solvers take any game.
     */
    public static boolean supports(DiscreteGame game, Algorithm algorithm) {
        if (algorithm == Algorithm.NEWTON_WINDOWS) {
            return game instanceof CrowdPotentialGame cg && cg.window(game.steps(), game.initialDistribution()) != null;
        }
        return !(algorithm == Algorithm.FLOW_SHIFT || algorithm == Algorithm.NEWTON) || game instanceof CrowdPotentialGame;
    }

    /** Iterations of each window's Newton solve in the last newton-windows solve (empty when none ran). */
    public int[] windowIterations() {
        return windows == null ? new int[0] : windows.windowIterations();
    }

    /** Anderson steps rejected by the residual safeguard in the last {@link #solve} (0 for the other solvers). */
    public int safeguards() {
        return safeguards;
    }

    public Evaluator evaluator() {
        return ev;
    }

    public SolveResult solve(Algorithm algorithm) {
        if (algorithm == Algorithm.NEWTON_WINDOWS && !supports(ev.game, algorithm)) {
            throw new IllegalArgumentException("--solver newton-windows: game " + ev.game.name() + " has no time windows;"
                    + " newton-windows supports four-rooms, use newton for crowd-ring");
        }
        if (!supports(ev.game, algorithm)) {
            throw new IllegalArgumentException("--solver " + algorithm.cliName() + ": game " + ev.game.name() + " is not a crowd potential"
                    + " game (rewards b(x,a) + g(μ(x)), μ-independent factored transitions); flow-shift supports"
                    + " crowd-ring and four-rooms, use fp, omd, fixed-point or anderson for the others");
        }
        double[] expl = new double[opt.maxIterations()];
        double[] secs = new double[opt.maxIterations()];
        long start = System.nanoTime();
        ev.uniform(policy);
        Arrays.fill(y, 0.0);
        System.arraycopy(policy, 0, x, 0, len);
        if (algorithm == Algorithm.FLOW_SHIFT) {
            flowShift.start(policy, ev.mu0);
        }
        if (algorithm == Algorithm.NEWTON || algorithm == Algorithm.NEWTON_WINDOWS) {
            newton.reset();
        }
        if (algorithm == Algorithm.NEWTON_WINDOWS && windows == null) {
            windows = TimeWindows.of(ev.game, ev, opt);
        }
        int k = 0;
        boolean reached = false;
        int stored = 0;
        int head = 0;
        double prevNorm = Double.POSITIVE_INFINITY;
        boolean lastPlain = false;
        double prevTau = Double.NaN;
        double bestE = Double.POSITIVE_INFINITY;
        safeguards = 0;
        while (k < opt.maxIterations()) {
            double tau = algorithm == Algorithm.ANDERSON
                    ? Math.max(opt.temperature(), opt.startTemperature() * Math.pow(opt.cooling(), k))
                    : opt.temperature();
            double e = ev.exploitability(policy);
            expl[k] = e;
            secs[k] = (System.nanoTime() - start) * 1e-9;
            k++;
            if (e <= opt.target()) {
                reached = true;
                break;
            }
            if (k == opt.maxIterations()) {
                break;
            }
            switch (algorithm) {
                case FP -> fictitiousStep(k);
                case OMD -> {
                    double eta = opt.learningRate();
                    double[] q = ev.q;
                    for (int i = 0; i < len; i++) {
                        y[i] += eta * q[i];
                    }
                    softmax(y, 1.0, policy);
                }
                case FIXED_POINT -> {
                    ev.softBestResponse(tau, null, qs, vs, other);
                    double d = opt.damping();
                    for (int i = 0; i < len; i++) {
                        policy[i] = (1 - d) * policy[i] + d * other[i];
                    }
                }
                case ANDERSON -> {
                    ev.softBestResponse(tau, fx, vs, other);
                    double norm = 0;
                    for (int i = 0; i < len; i++) {
                        res[i] = other[i] - x[i];
                        norm += res[i] * res[i];
                    }
                    boolean settled = tau == opt.temperature() && prevTau == opt.temperature();
                    prevTau = tau;
                    if (!settled) {
                        bestE = Double.POSITIVE_INFINITY;
                    }
                    if (settled && !lastPlain && e > SAFE_GROWTH * bestE) {
                        // safeguard: the Anderson point is SAFE_GROWTH times worse than the best accepted one;
                        // reject it, take the base map's damped step from the last accepted point instead (accepted
                        // unconditionally) and restart the history
                        for (int i = 0; i < len; i++) {
                            x[i] = prevX[i] + SAFE_DAMPING * prevRes[i];
                        }
                        stored = 0;
                        head = 0;
                        lastPlain = true;
                        safeguards++;
                        project(x, policy);
                        break;
                    }
                    lastPlain = false;
                    if (settled) {
                        bestE = Math.min(bestE, e);
                    }
                    if (prevNorm != Double.POSITIVE_INFINITY) {
                        double[] dx = dX[head];
                        double[] dr = dR[head];
                        for (int i = 0; i < len; i++) {
                            dx[i] = x[i] - prevX[i];
                            dr[i] = res[i] - prevRes[i];
                        }
                        head = (head + 1) % opt.memory();
                        stored = Math.min(stored + 1, opt.memory());
                    }
                    System.arraycopy(x, 0, prevX, 0, len);
                    System.arraycopy(res, 0, prevRes, 0, len);
                    prevNorm = norm;
                    andersonUpdate(stored, opt.damping());
                    project(x, policy);
                }
                case FLOW_SHIFT -> flowShift.sweep(policy);
                case NEWTON_WINDOWS -> {
                    if (k == 1 && windows != null) {
                        windows.solve(policy);
                        break;
                    }
                    newton.step(ev, policy, NEWTON_STEP_CG, NEWTON_STEP_TOL);
                    for (int sw = 0; sw < NEWTON_SWEEPS; sw++) {
                        flowShift.sweep(policy);
                    }
                }
                case NEWTON -> {
                    newton.step(ev, policy, NEWTON_STEP_CG, NEWTON_STEP_TOL);
                    for (int sw = 0; sw < NEWTON_SWEEPS; sw++) {
                        flowShift.sweep(policy);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
        ev.induce(policy);
        return new SolveResult(algorithm, policy.clone(), ev.mu.clone(), ev.sa.clone(), Arrays.copyOf(expl, k),
                Arrays.copyOf(secs, k), k, reached);
    }

    /** One FP averaging step; the evaluator holds μ̄ and Q* of the current average policy. */
    private void fictitiousStep(int n) {
        System.arraycopy(ev.mu, 0, muBar, 0, muBar.length);
        System.arraycopy(ev.sa, 0, saBar, 0, len);
        ev.greedy(other);
        ev.induce(other);
        double[] muBr = ev.mu;
        double gamma = 1.0 / (n + 1);
        if (ev.game instanceof PotentialGame pg) {
            gamma = lineSearch(pg, muBr, ev.sa, gamma);
        }
        for (int t = 0; t < nT; t++) {
            for (int s = 0; s < nS; s++) {
                double wOld = (1 - gamma) * muBar[t * nS + s];
                double wNew = gamma * muBr[t * nS + s];
                double z = wOld + wNew;
                int o = (t * nS + s) * nA;
                if (z > 0) {
                    for (int a = 0; a < nA; a++) {
                        policy[o + a] = (wOld * policy[o + a] + wNew * other[o + a]) / z;
                    }
                } else {
                    for (int a = 0; a < nA; a++) {
                        policy[o + a] = (n * policy[o + a] + other[o + a]) / (n + 1);
                    }
                }
            }
        }
    }

    /** Projects x onto policies: negatives and illegal entries to 0, renormalised per (t, state) (x and out modified). */
    private void project(double[] xs, double[] out) {
        boolean[] legal = ev.legal;
        for (int t = 0; t < nT; t++) {
            for (int s = 0; s < nS; s++) {
                int o = (t * nS + s) * nA;
                double z = 0;
                for (int a = 0; a < nA; a++) {
                    double p = legal[s * nA + a] ? Math.max(xs[o + a], 0.0) : 0.0;
                    xs[o + a] = p;
                    z += p;
                }
                for (int a = 0; a < nA; a++) {
                    if (z > 0) {
                        xs[o + a] /= z;
                    } else {
                        xs[o + a] = other[o + a];
                    }
                    out[o + a] = xs[o + a];
                }
            }
        }
    }

    /**
     * Exact line search of Frank–Wolfe on a potential game: γ ∈ [0, 1] maximising Φ((1−γ) μ̄ + γ μ_BR) by safeguarded
     * Newton steps from the classical 1/(n+1) (the mixture's L is the mixture of the L's, transitions being
     * μ-independent). Uses the buffers muBar (μ̄), saBar (L̄).
     */
    private double lineSearch(PotentialGame pg, double[] muBr, double[] saBr, double gamma0) {
        for (int i = 0; i < dMu.length; i++) {
            dMu[i] = muBr[i] - muBar[i];
        }
        for (int i = 0; i < len; i++) {
            dSa[i] = saBr[i] - saBar[i];
        }
        double g = gamma0;
        double[] d = deriv;
        for (int it = 0; it < 20; it++) {
            for (int i = 0; i < dMu.length; i++) {
                muMix[i] = muBar[i] + g * dMu[i];
            }
            for (int i = 0; i < len; i++) {
                saMix[i] = saBar[i] + g * dSa[i];
            }
            pg.potentialDerivatives(muMix, saMix, dMu, dSa, d);
            if (!(d[1] < 0)) {
                break;
            }
            double next = Math.min(1.0, Math.max(0.0, g - d[0] / d[1]));
            if (Math.abs(next - g) < 1e-12) {
                g = next;
                break;
            }
            g = next;
        }
        return g;
    }

    /** π = softmax(logits/τ) over legal actions per (t, x). */
    private void softmax(double[] logits, double tau, double[] out) {
        boolean[] legal = ev.legal;
        for (int t = 0; t < nT; t++) {
            for (int s = 0; s < nS; s++) {
                int o = (t * nS + s) * nA;
                double best = Double.NEGATIVE_INFINITY;
                for (int a = 0; a < nA; a++) {
                    if (legal[s * nA + a] && logits[o + a] > best) {
                        best = logits[o + a];
                    }
                }
                double z = 0;
                for (int a = 0; a < nA; a++) {
                    double e = legal[s * nA + a] ? Math.exp((logits[o + a] - best) / tau) : 0.0;
                    out[o + a] = e;
                    z += e;
                }
                for (int a = 0; a < nA; a++) {
                    out[o + a] /= z;
                }
            }
        }
    }

    /** x ← x + β r − (ΔX + β ΔR) γ, γ = argmin ‖r − ΔR γ‖ (ridge 1e-12 relative). */
    private void andersonUpdate(int m, double beta) {
        if (m == 0) {
            for (int i = 0; i < len; i++) {
                x[i] += beta * res[i];
            }
            return;
        }
        double diag = 0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0;
                double[] a = dR[i];
                double[] b = dR[j];
                for (int l = 0; l < len; l++) {
                    s += a[l] * b[l];
                }
                gram[i * m + j] = s;
                gram[j * m + i] = s;
            }
            diag = Math.max(diag, gram[i * m + i]);
            double s = 0;
            double[] a = dR[i];
            for (int l = 0; l < len; l++) {
                s += a[l] * res[l];
            }
            rhs[i] = s;
        }
        for (int i = 0; i < m; i++) {
            gram[i * m + i] += 1e-12 * diag + 1e-300;
        }
        try {
            DenseLinear.solve(gram, m, rhs, 1);
        } catch (IllegalStateException singular) {
            java.util.Arrays.fill(rhs, 0, m, 0.0);
        }
        for (int l = 0; l < len; l++) {
            double step = x[l] + beta * res[l];
            for (int i = 0; i < m; i++) {
                step -= (dX[i][l] + beta * dR[i][l]) * rhs[i];
            }
            x[l] = step;
        }
    }
}
