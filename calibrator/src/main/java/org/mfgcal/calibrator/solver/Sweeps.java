package org.mfgcal.calibrator.solver;

import static org.mfgcal.calibrator.game.ExitFactor.dphi;
import static org.mfgcal.calibrator.game.ExitFactor.phi;

import org.mfgcal.calibrator.game.Game;
import org.mfgcal.calibrator.game.Graph;
import org.mfgcal.calibrator.game.SweepKernels;

/**
 * The four sweeps of one Picard map G(μ̂) = FPK(HJB(μ̂)) and of its vector–Jacobian product, on flat arrays
 * indexed {@code n*d + x} (trajectories) and {@code n*p + k} (parameters). {@code stable} selects
 * {@link Scheme#STABLE} (exponential exit) instead of explicit Euler. Index conventions are docs/MODEL.md's:
 * the HJB step n uses a*(u_{n+1}, μ̂_n, γ_n); the FPK step n uses a*(u_n, ν_n, γ_n) with ν the FPK's own state.
 *
 * <p>Stateless; all buffers are passed in. A {@link Buffers} holds the per-step scratch.
 */
final class Sweeps {
    private Sweeps() {
    }

    /** Per-step scratch for the sweeps, sized once for a game. Not thread-safe. */
    static final class Buffers {
        final double[] a, aBar, f, fBar, row, scratch;

        Buffers(Game game) {
            int e = game.graph().edges();
            int d = game.states();
            a = new double[e];
            aBar = new double[e];
            f = new double[d];
            fBar = new double[d];
            row = new double[2 * d];
            scratch = new double[game.scratchSize()];
        }
    }

    /**
     * Backward HJB: u_{N−1} = g(μ̂_{N−1}); u_n = u_{n+1} + Δt [f + Σ_e a_e (u_{n+1}(y) − u_{n+1}(x))] (reference) or the
     * stable step. {@code u} (N·d) modified; {@code muHat}, {@code gamma} not modified.
     */
    static void hjb(Game game, int nT, double dt, boolean stable, double[] muHat, double[] gamma, double[] u, Buffers b) {
        final Graph gr = game.graph();
        final int d = gr.states();
        final int p = game.paramsPerStep();
        final double[] a = b.a, f = b.f;
        game.terminal(muHat, (nT - 1) * d, gamma, (nT - 1) * p, b.row);
        System.arraycopy(b.row, 0, u, (nT - 1) * d, d);
        final SweepKernels k = game.kernels();
        if (k != null) {
            k.hjb(nT, dt, stable, u, muHat, gamma);
            return;
        }
        final boolean exitCost = game.exitScaledCost();
        for (int n = nT - 2; n >= 0; n--) {
            final int o1 = (n + 1) * d;
            final int o = n * d;
            game.local(n, u, o1, muHat, o, gamma, n * p, a, f, b.scratch);
            for (int x = 0; x < d; x++) {
                final double ux = u[o1 + x];
                double drift = 0;
                double out = 0;
                for (int e = gr.rowStart(x), end = gr.rowEnd(x); e < end; e++) {
                    drift += a[e] * (u[o1 + gr.to(e)] - ux);
                    out += a[e];
                }
                if (stable && exitCost) {
                    u[o + x] = ux + dt * phi(dt * out) * (f[x] + drift);
                    continue;
                }
                if (stable) {
                    drift *= phi(dt * out);
                }
                u[o + x] = ux + dt * (f[x] + drift);
            }
        }
    }

    /**
     * Forward Kolmogorov: ν_0 = μ_0; ν_{n+1} from ν_n with rates a*(u_n, ν_n, γ_n). {@code nu} (N·d) modified.
     */
    static void fpk(Game game, int nT, double dt, boolean stable, double[] mu0, double[] gamma, double[] u,
                    double[] nu, Buffers b) {
        final Graph gr = game.graph();
        final int d = gr.states();
        final int p = game.paramsPerStep();
        final double[] a = b.a;
        System.arraycopy(mu0, 0, nu, 0, d);
        final SweepKernels k = game.kernels();
        if (k != null) {
            k.fpk(nT, dt, stable, u, nu, gamma, b.a, b.row);
            return;
        }
        for (int n = 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            game.local(n, u, o, nu, o, gamma, n * p, a, null, b.scratch);
            if (stable) {
                // Pass 1: stay probabilities e^{−z} (one exp per state; φ(z) derived from it, series near 0).
                final double[] phiRow = b.row;
                for (int x = 0; x < d; x++) {
                    double out = 0;
                    for (int e = gr.rowStart(x), end = gr.rowEnd(x); e < end; e++) {
                        out += a[e];
                    }
                    final double z = dt * out;
                    final double stay = Math.exp(-z);
                    nu[o1 + x] = nu[o + x] * stay;
                    phiRow[x] = z < 1e-5 ? 1 - z * (0.5 - z / 6) : (1 - stay) / z;
                }
                // Pass 2: the mass that leaves x is spread over its edges in proportion to the rates.
                for (int x = 0; x < d; x++) {
                    final double c = dt * nu[o + x] * phiRow[x];
                    if (c == 0) {
                        continue;
                    }
                    for (int e = gr.rowStart(x), end = gr.rowEnd(x); e < end; e++) {
                        nu[o1 + gr.to(e)] += c * a[e];
                    }
                }
            } else {
                System.arraycopy(nu, o, nu, o1, d);
                for (int x = 0; x < d; x++) {
                    final double c = dt * nu[o + x];
                    for (int e = gr.rowStart(x), end = gr.rowEnd(x); e < end; e++) {
                        final double flow = c * a[e];
                        nu[o1 + x] -= flow;
                        nu[o1 + gr.to(e)] += flow;
                    }
                }
            }
        }
    }

    /**
     * Vector–Jacobian product of G at μ̂ (with u = HJB(μ̂) and ν = FPK(u) already computed): given the cotangent
     * {@code w} of ν, writes {@code muHatBar} = (∂G/∂μ̂)ᵀw and {@code gammaBar} = (∂G/∂γ)ᵀw (both overwritten).
     * {@code nuBar} and {@code uBar} (N·d) are scratch.
     */
    static void vjp(Game game, int nT, double dt, boolean stable, double[] muHat, double[] gamma, double[] u,
                    double[] nu, double[] w, double[] muHatBar, double[] gammaBar, double[] nuBar, double[] uBar,
                    Buffers b) {
        final Graph gr = game.graph();
        final int d = gr.states();
        final int p = game.paramsPerStep();
        final int len = nT * d;
        final double[] a = b.a, aBar = b.aBar, fBar = b.fBar;
        System.arraycopy(w, 0, nuBar, 0, len);
        java.util.Arrays.fill(uBar, 0, len, 0.0);
        java.util.Arrays.fill(muHatBar, 0, len, 0.0);
        java.util.Arrays.fill(gammaBar, 0, nT * p, 0.0);

        // Reverse FPK: n = N−2 .. 0.
        final SweepKernels k = game.kernels();
        if (k != null) {
            k.fpkVjp(nT, dt, stable, u, nu, gamma, nuBar, uBar, gammaBar, a, aBar);
        }
        for (int n = k != null ? -1 : nT - 2; n >= 0; n--) {
            final int o = n * d;
            final int o1 = o + d;
            game.local(n, u, o, nu, o, gamma, n * p, a, null, b.scratch);
            for (int x = 0; x < d; x++) {
                final int start = gr.rowStart(x), end = gr.rowEnd(x);
                final double nbx = nuBar[o1 + x];
                double s = 0;
                double out = 0;
                for (int e = start; e < end; e++) {
                    s += a[e] * (nuBar[o1 + gr.to(e)] - nbx);
                    out += a[e];
                }
                final double nux = nu[o + x];
                if (stable) {
                    final double z = dt * out;
                    final double ph = phi(z);
                    final double common = dt * nux * dphi(z) * dt * s;
                    for (int e = start; e < end; e++) {
                        aBar[e] = dt * nux * ph * (nuBar[o1 + gr.to(e)] - nbx) + common;
                    }
                    nuBar[o + x] += nbx + dt * ph * s;
                } else {
                    for (int e = start; e < end; e++) {
                        aBar[e] = dt * nux * (nuBar[o1 + gr.to(e)] - nbx);
                    }
                    nuBar[o + x] += nbx + dt * s;
                }
            }
            game.localVjp(n, u, o, nu, o, gamma, n * p, aBar, null, uBar, o, nuBar, o, gammaBar, n * p, b.scratch);
        }

        // Reverse HJB: n = 0 .. N−2 (the backward sweep read u_{n+1} to write u_n).
        final boolean exitCost = stable && game.exitScaledCost();
        if (k != null) {
            k.hjbVjp(nT, dt, stable, u, muHat, gamma, uBar, muHatBar, gammaBar, a, aBar);
        }
        for (int n = k != null ? nT - 1 : 0; n < nT - 1; n++) {
            final int o = n * d;
            final int o1 = o + d;
            game.local(n, u, o1, muHat, o, gamma, n * p, a, exitCost ? b.f : null, b.scratch);
            for (int x = 0; x < d; x++) {
                final int start = gr.rowStart(x), end = gr.rowEnd(x);
                final double bx = uBar[o + x];
                final double ux = u[o1 + x];
                fBar[x] = dt * bx;
                uBar[o1 + x] += bx;
                if (bx == 0) {
                    for (int e = start; e < end; e++) {
                        aBar[e] = 0;
                    }
                    continue;
                }
                double dBar = dt * bx;
                double common = 0;
                if (stable) {
                    double out = 0, drift = 0;
                    for (int e = start; e < end; e++) {
                        out += a[e];
                        drift += a[e] * (u[o1 + gr.to(e)] - ux);
                    }
                    final double z = dt * out;
                    // u_n = u_{n+1} + Δt φ(z) (drift [+ f]): ∂/∂a_e = Δt φ (Δu_e [+ ∂f/∂a_e]) + Δt² φ'(z) (drift [+ f]).
                    common = dt * bx * (exitCost ? drift + b.f[x] : drift) * dphi(z) * dt;
                    dBar *= phi(z);
                    if (exitCost) {
                        fBar[x] *= phi(z);
                    }
                }
                for (int e = start; e < end; e++) {
                    final int y = gr.to(e);
                    aBar[e] = dBar * (u[o1 + y] - ux) + common;
                    final double q = dBar * a[e];
                    uBar[o1 + y] += q;
                    uBar[o1 + x] -= q;
                }
            }
            game.localVjp(n, u, o1, muHat, o, gamma, n * p, aBar, fBar, uBar, o1, muHatBar, o, gammaBar, n * p, b.scratch);
        }
        final int last = (nT - 1) * d;
        System.arraycopy(uBar, last, b.row, 0, d);
        game.terminalVjp(muHat, last, gamma, (nT - 1) * p, b.row, muHatBar, last, gammaBar, (nT - 1) * p);
    }

    /**
     * Exploitability under the mean field ν: J(π) − J(BR), both sums over μ_0, where π is the control the population
     * uses (the FPK's a*(u_n, ν_n, γ_n)) and BR is the best response found by dynamic programming over, at every
     * step and state, the greedy control a*(BR_{n+1}, ν_n, γ_n) and π's own control, both evaluated with the same
     * scheme. BR ≤ J(π) state by state, so the result is ≥ 0 (up to rounding) and a lower bound of the exact
     * exploitability; it is 0 when π is a best response. {@code v1, v0, br1, br0} are d-long scratch rows.
     */
    static double exploitability(Game game, int nT, double dt, boolean stable, double[] gamma, double[] u,
                                 double[] nu, Buffers b, double[] v1, double[] v0, double[] br1, double[] br0) {
        final Graph gr = game.graph();
        final int d = gr.states();
        final int p = game.paramsPerStep();
        final int last = (nT - 1) * d;
        final double[] aP = b.a, fP = b.f, aG = b.aBar, fG = b.fBar;
        game.terminal(nu, last, gamma, (nT - 1) * p, v1);
        System.arraycopy(v1, 0, br1, 0, d);
        final SweepKernels k = game.kernels();
        if (k != null) {
            final double e = k.exploitability(nT, dt, stable, gamma, u, nu, v1, v0, br1, br0);
            if (!Double.isNaN(e)) {
                return e;
            }
        }
        final boolean exitCost = game.exitScaledCost();
        for (int n = nT - 2; n >= 0; n--) {
            final int o = n * d;
            game.local(n, u, o, nu, o, gamma, n * p, aP, fP, b.scratch);
            game.local(n, br1, 0, nu, o, gamma, n * p, aG, fG, b.scratch);
            for (int x = 0; x < d; x++) {
                final int start = gr.rowStart(x), end = gr.rowEnd(x);
                v0[x] = v1[x] + dt * step(gr, start, end, fP[x], aP, v1, x, dt, stable, exitCost);
                final double viaPi = br1[x] + dt * step(gr, start, end, fP[x], aP, br1, x, dt, stable, exitCost);
                final double viaGreedy = br1[x] + dt * step(gr, start, end, fG[x], aG, br1, x, dt, stable, exitCost);
                br0[x] = Math.min(viaPi, viaGreedy);
            }
            System.arraycopy(v0, 0, v1, 0, d);
            System.arraycopy(br0, 0, br1, 0, d);
        }
        double s = 0;
        for (int x = 0; x < d; x++) {
            s += nu[x] * (v1[x] - br1[x]);
        }
        return s;
    }

    /** The HJB step's increment per unit Δt: cost + drift, the stable scheme's φ on the drift (and the cost). */
    private static double step(Graph gr, int start, int end, double f, double[] a, double[] v, int x, double dt,
                               boolean stable, boolean exitCost) {
        double drift = 0, out = 0;
        final double vx = v[x];
        for (int e = start; e < end; e++) {
            drift += a[e] * (v[gr.to(e)] - vx);
            out += a[e];
        }
        if (!stable) {
            return f + drift;
        }
        final double ph = phi(dt * out);
        return exitCost ? ph * (f + drift) : f + drift * ph;
    }
}
