package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.mfgcal.calibrator.optim.Lbfgs;

/**
 * The online optimiser's parts against independent computations: the two-loop recursion against the dense BFGS
 * inverse update, finite termination on a quadratic, the window shift, and the rate table's tridiagonal
 * preconditioner against a dense solve of the regulariser's Hessian obtained by finite differences of its gradient.
 */
class LbfgsTest {
    static final double TIGHT = 1e-11;

    /** A random symmetric positive definite n×n matrix (row-major). */
    static double[] spd(int n, SplittableRandom r) {
        double[] b = new double[n * n];
        for (int i = 0; i < b.length; i++) {
            b[i] = r.nextDouble(-1, 1);
        }
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = i == j ? n : 0;
                for (int k = 0; k < n; k++) {
                    s += b[i * n + k] * b[j * n + k];
                }
                a[i * n + j] = s;
            }
        }
        return a;
    }

    static double[] mul(double[] a, double[] x) {
        int n = x.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                y[i] += a[i * n + j] * x[j];
            }
        }
        return y;
    }

    /** Solves A x = b by Gaussian elimination with partial pivoting (copies its inputs). */
    static double[] solve(double[] a0, double[] b0) {
        int n = b0.length;
        double[] a = a0.clone();
        double[] b = b0.clone();
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) {
                    p = r;
                }
            }
            for (int k = 0; k < n; k++) {
                double t = a[c * n + k];
                a[c * n + k] = a[p * n + k];
                a[p * n + k] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
            for (int r = c + 1; r < n; r++) {
                double f = a[r * n + c] / a[c * n + c];
                for (int k = c; k < n; k++) {
                    a[r * n + k] -= f * a[c * n + k];
                }
                b[r] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int r = n - 1; r >= 0; r--) {
            double s = b[r];
            for (int k = r + 1; k < n; k++) {
                s -= a[r * n + k] * x[k];
            }
            x[r] = s / a[r * n + r];
        }
        return x;
    }

    @Test
    void direction_matchesDenseBfgsInverseUpdate_withPreconditioner() {
        int n = 7;
        SplittableRandom r = new SplittableRandom(11);
        double[] m = spd(n, r);            // preconditioner M
        double[] hess = spd(n, r);         // curvature the pairs come from
        Lbfgs lb = new Lbfgs(n, 4);
        // dense H starts at M⁻¹
        double[] h = new double[n * n];
        for (int j = 0; j < n; j++) {
            double[] e = new double[n];
            e[j] = 1;
            double[] col = solve(m, e);
            for (int i = 0; i < n; i++) {
                h[i * n + j] = col[i];
            }
        }
        for (int k = 0; k < 3; k++) {
            double[] s = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = r.nextDouble(-1, 1);
            }
            double[] y = mul(hess, s);
            assertTrue(lb.update(s, y));
            // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
            double rho = 0;
            for (int i = 0; i < n; i++) {
                rho += s[i] * y[i];
            }
            rho = 1 / rho;
            double[] left = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int q = 0; q < n; q++) {
                        double iq = (i == q ? 1 : 0) - rho * s[i] * y[q];
                        v += iq * h[q * n + j];
                    }
                    left[i * n + j] = v;
                }
            }
            double[] next = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double v = 0;
                    for (int q = 0; q < n; q++) {
                        double qj = (q == j ? 1 : 0) - rho * y[q] * s[j];
                        v += left[i * n + q] * qj;
                    }
                    next[i * n + j] = v + rho * s[i] * s[j];
                }
            }
            h = next;
        }
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            g[i] = r.nextDouble(-1, 1);
        }
        double[] dir = new double[n];
        final double[] mm = m;
        lb.direction(g, (q, z) -> System.arraycopy(solve(mm, q), 0, z, 0, n), dir);
        double[] expect = mul(h, g);
        for (int i = 0; i < n; i++) {
            assertEquals(-expect[i], dir[i], TIGHT * (1 + Math.abs(expect[i])), "entry " + i);
        }
    }

    @Test
    void exactLineSearch_onQuadratic_terminatesInAtMostNSteps() {
        int n = 6;
        SplittableRandom r = new SplittableRandom(5);
        double[] a = spd(n, r);
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = r.nextDouble(-1, 1);
        }
        double[] x = new double[n];
        Lbfgs lb = new Lbfgs(n, n);
        Lbfgs.Preconditioner identity = (q, z) -> System.arraycopy(q, 0, z, 0, n);
        double[] g = mul(a, x);
        for (int i = 0; i < n; i++) {
            g[i] -= b[i];
        }
        double[] p = new double[n];
        for (int k = 0; k < n; k++) {
            lb.direction(g, identity, p);
            double[] ap = mul(a, p);
            double gp = 0;
            double pap = 0;
            for (int i = 0; i < n; i++) {
                gp += g[i] * p[i];
                pap += p[i] * ap[i];
            }
            double alpha = -gp / pap; // exact minimiser along p
            double[] s = new double[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                s[i] = alpha * p[i];
                x[i] += s[i];
                y[i] = alpha * ap[i];
                g[i] += y[i];
            }
            lb.update(s, y);
        }
        assertArrayEquals(solve(a, b), x, 1e-9);
    }

    @Test
    void shift_movesPairsOneRowBack_andDropsPairsWithoutCurvature() {
        int rows = 3;
        int stride = 2;
        Lbfgs lb = new Lbfgs(rows * stride, 3);
        // pair 1 lives in row 0 only: after the shift it is zero and must be dropped
        assertTrue(lb.update(new double[] {1, 1, 0, 0, 0, 0}, new double[] {2, 1, 0, 0, 0, 0}));
        // pair 2 spans rows 1 and 2: it survives, shifted
        assertTrue(lb.update(new double[] {0, 0, 1, 2, 3, 4}, new double[] {0, 0, 1, 1, 1, 1}));
        assertFalse(lb.update(new double[] {1, 0, 0, 0, 0, 0}, new double[] {-1, 0, 0, 0, 0, 0}), "negative sᵀy");
        lb.shift(stride);
        assertEquals(1, lb.pairs());
        // With one pair (s, y) and H₀ = I the two-loop direction is −[(I − ρsyᵀ)(I − ρysᵀ) + ρssᵀ]g; for the shifted
        // pair s = (1,2,3,4,0,0), y = (1,1,1,1,0,0), g = e₆ (orthogonal to both) the direction is −e₆.
        double[] g = {0, 0, 0, 0, 0, 1};
        double[] dir = new double[6];
        lb.direction(g, (q, z) -> System.arraycopy(q, 0, z, 0, 6), dir);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0, -1}, dir, TIGHT);
        // and for g = y the direction is −s (the secant equation H y = s)
        lb.direction(new double[] {1, 1, 1, 1, 0, 0}, (q, z) -> System.arraycopy(q, 0, z, 0, 6), dir);
        assertArrayEquals(new double[] {-1, -2, -3, -4, 0, 0}, dir, TIGHT);
    }

    /**
     * mark/rollback (pairs kept by reference, new pairs written to spare arrays) against the plain baseline of a full
     * copy ({@link Lbfgs#copyFrom}) taken at each mark: a random sequence of updates, resets, shifts, marks,
     * rollbacks and releases leaves both with bit-identical pairs (directions, warm-state bytes), and the spares stay
     * bounded.
     */
    @Test
    void markRollback_equalsAFullCopy_overRandomSequences() {
        int n = 12;
        SplittableRandom r = new SplittableRandom(11);
        Lbfgs live = new Lbfgs(n, 4);
        Lbfgs plain = new Lbfgs(n, 4);
        Lbfgs good = new Lbfgs(n, 4);
        boolean marked = false;
        for (int step = 0; step < 4000; step++) {
            int op = r.nextInt(10);
            if (op < 5) {
                double[] s = new double[n];
                double[] y = new double[n];
                for (int i = 0; i < n; i++) {
                    s[i] = r.nextDouble(-1, 1);
                    y[i] = s[i] * r.nextDouble(0.1, 2) + r.nextDouble(-0.05, 0.05);
                }
                assertEquals(plain.update(s, y), live.update(s, y));
            } else if (op == 5) {
                live.reset();
                plain.reset();
            } else if (op == 6) {
                live.shift(3);
                plain.shift(3);
                marked = false;
            } else if (op == 7) {
                live.mark();
                good.copyFrom(plain);
                marked = true;
            } else if (op == 8 && marked) {
                live.rollback();
                plain.copyFrom(good);
            } else if (op == 9) {
                live.release(); // the spares go to the thread's pool, the pairs stay
                marked = false;
            }
            assertEquals(plain.pairs(), live.pairs());
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = r.nextDouble(-1, 1);
            }
            double[] d1 = new double[n];
            double[] d2 = new double[n];
            live.direction(g, (q, z) -> System.arraycopy(q, 0, z, 0, n), d1);
            plain.direction(g, (q, z) -> System.arraycopy(q, 0, z, 0, n), d2);
            assertArrayEquals(d2, d1, 0, "after op " + op + " at step " + step);
            if (step % 200 == 0) {
                assertArrayEquals(bytes(plain), bytes(live), "after op " + op + " at step " + step);
            }
            assertTrue(owned(live) <= 4 * 4, "arrays owned " + owned(live) + " at step " + step);
        }
        assertArrayEquals(bytes(plain), bytes(live));
    }

    /** The pair arrays an L-BFGS memory holds (live, marked, spare): at most 2·2·memory. */
    private static int owned(Lbfgs lb) {
        try {
            java.lang.reflect.Field f = Lbfgs.class.getDeclaredField("owned");
            f.setAccessible(true);
            return ((java.util.List<?>) f.get(lb)).size();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(Lbfgs lb) {
        org.mfgcal.calibrator.io.StateCodec.Writer w = new org.mfgcal.calibrator.io.StateCodec.Writer();
        lb.writeState(w);
        return w.finish();
    }

    @Test
    void solveCurvature_equalsDenseSolveOfRegulariserHessianPlusDiagonal() {
        int window = 6;
        int edges = 3;
        RateTable t = new RateTable(window, edges, 2.5, 0.7, Math.log(0.05));
        int n = t.size();
        SplittableRandom r = new SplittableRandom(3);
        double[] theta = new double[n];
        for (int i = 0; i < n; i++) {
            theta[i] = r.nextDouble(-3, 0);
        }
        // Hessian of the regulariser by central differences of its gradient (exact for a quadratic up to round-off)
        double[] hess = new double[n * n];
        double h = 1e-3;
        for (int j = 0; j < n; j++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[j] += h;
            minus[j] -= h;
            double[] gp = new double[n];
            double[] gm = new double[n];
            t.regulariser(plus, gp);
            t.regulariser(minus, gm);
            for (int i = 0; i < n; i++) {
                hess[i * n + j] = (gp[i] - gm[i]) / (2 * h);
            }
        }
        double[] data = new double[n];
        for (int i = 0; i < n; i++) {
            data[i] = r.nextDouble(0, 5);
            hess[i * n + i] += data[i];
        }
        double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = r.nextDouble(-1, 1);
        }
        double[] z = new double[n];
        t.solveCurvature(data, q, z);
        assertArrayEquals(solve(hess, q), z, 1e-9);
    }

    /** The two-loop recursion as written in the textbook: separate dot and axpy passes (the reference order). */
    private static double[] referenceDirection(double[][] s, double[][] y, double[] rho, double[] grad, double[] m) {
        int n = grad.length;
        int count = s.length;
        double[] q = grad.clone();
        double[] alpha = new double[count];
        for (int j = count - 1; j >= 0; j--) {
            alpha[j] = rho[j] * Lbfgs.dot(s[j], q);
            for (int i = 0; i < n; i++) {
                q[i] += -alpha[j] * y[j][i];
            }
        }
        double[] dir = new double[n];
        for (int i = 0; i < n; i++) {
            dir[i] = q[i] / m[i];
        }
        for (int j = 0; j < count; j++) {
            double b = rho[j] * Lbfgs.dot(y[j], dir);
            for (int i = 0; i < n; i++) {
                dir[i] += (alpha[j] - b) * s[j][i];
            }
        }
        for (int i = 0; i < n; i++) {
            dir[i] = -dir[i];
        }
        return dir;
    }

    @Test
    void direction_fusedPasses_equalSeparatePassesBitForBit() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 1031; // not a multiple of 4: the tails too
        for (int pairs = 0; pairs <= 5; pairs++) {
            Lbfgs lb = new Lbfgs(n, 5);
            double[][] s = new double[pairs][n];
            double[][] y = new double[pairs][n];
            double[] rho = new double[pairs];
            for (int j = 0; j < pairs; j++) {
                for (int i = 0; i < n; i++) {
                    s[j][i] = r.nextDouble(-1, 1);
                    y[j][i] = s[j][i] * r.nextDouble(0.5, 2) + 0.1 * r.nextDouble(-1, 1);
                }
                assertTrue(lb.update(s[j], y[j]));
                rho[j] = 1 / Lbfgs.dot(s[j], y[j]);
            }
            double[] m = new double[n];
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                m[i] = r.nextDouble(0.5, 3);
                g[i] = r.nextDouble(-1, 1);
            }
            double[] dir = new double[n];
            lb.direction(g, (q, z) -> {
                for (int i = 0; i < n; i++) {
                    z[i] = q[i] / m[i];
                }
            }, dir);
            assertArrayEquals(referenceDirection(s, y, rho, g, m), dir, 0.0, "pairs " + pairs);
        }
    }

    @Test
    void solveFactored_equalsTwoDivisionThomasBitForBit_andRefactorsForAnotherArray() {
        int window = 7;
        int edges = 5;
        double ls = 2.5;
        double lp = 0.7;
        RateTable t = new RateTable(window, edges, ls, lp, Math.log(0.05));
        int n = t.size();
        int rows = n / edges;
        SplittableRandom r = new SplittableRandom(5);
        double[] data = new double[n];
        double[] other = new double[n];
        double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            data[i] = r.nextDouble(0, 5);
            other[i] = r.nextDouble(0, 5);
            q[i] = r.nextDouble(-1, 1);
        }
        for (double[] d : new double[][] {data, other, null, data}) {
            // the elimination as solveCurvature did it before it was factored: both divisions in every solve
            double[] cc = new double[n];
            double[] dd = new double[n];
            for (int row = 0; row < rows; row++) {
                double base = lp + ls * ((row > 0 ? 1 : 0) + (row < rows - 1 ? 1 : 0));
                for (int e = 0; e < edges; e++) {
                    int i = row * edges + e;
                    double b = base + (d == null ? 0 : d[i]);
                    double denom = row == 0 ? b : b + ls * cc[i - edges];
                    cc[i] = -ls / denom;
                    dd[i] = (q[i] + (row == 0 ? 0 : ls * dd[i - edges])) / denom;
                }
            }
            double[] want = new double[n];
            System.arraycopy(dd, n - edges, want, n - edges, edges);
            for (int row = rows - 2; row >= 0; row--) {
                for (int e = 0; e < edges; e++) {
                    int i = row * edges + e;
                    want[i] = dd[i] - cc[i] * want[i + edges];
                }
            }
            double[] z = new double[n];
            t.solveFactored(d, q, z);
            assertArrayEquals(want, z, 0.0);
            t.solveFactored(d, q, z); // the second solve with the same elimination
            assertArrayEquals(want, z, 0.0);
        }
    }
}
