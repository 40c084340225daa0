package org.mfgcal.calibrator.discrete;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenSpiel's 2-D crowd modelling game with walls ({@code mfg_crowd_modelling_2d}, docs/DISCRETE_GAMES.md §5.2), in
 * its "four rooms" setting by default: a 13×13 torus with forbidden cells, T = 40, five actions (down, left, stay,
 * right, up as OpenSpiel's moves (0,−1), (−1,0), (0,0), (1,0), (0,1)); an action leading into a wall is illegal.
 * After the move a noise move is drawn uniformly among the moves legal at the new cell (noise intensity 1); the
 * reward is the distribution reward only, −c·log(μ_t(x) + 1e−25); μ_0 is a point mass at cell (1, 1).
 * State index x·size + y; wall cells are states that carry no mass (only "stay" legal). Immutable.
 */
public final class CrowdModelling2d implements CrowdPotentialGame {
    static final int[] MOVE_X = {0, -1, 0, 1, 0};
    static final int[] MOVE_Y = {-1, 0, 0, 0, 1};
    static final int NEUTRAL = 2;
    static final double EPS = 1e-25;

    /** OpenSpiel's FOUR_ROOMS grid ('#' = forbidden), rows are y, columns x. */
    public static final String[] FOUR_ROOMS = {
        "#############",
        "#     #     #",
        "#     #     #",
        "#           #",
        "#     #     #",
        "#     #     #",
        "### ##### ###",
        "#     #     #",
        "#     #     #",
        "#           #",
        "#     #     #",
        "#     #     #",
        "#############",
    };

    private final String name;
    private final int size;
    private final int horizon;
    private final boolean[] wall;
    private final int start;
    private final double aversion;
    private final double[] initial;   // null: the point mass at start

    public CrowdModelling2d(String name, String[] grid, int horizon, int startX, int startY, double aversion) {
        this.name = name;
        this.size = grid.length;
        this.horizon = horizon;
        this.aversion = aversion;
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon " + horizon + ": must be ≥ 1");
        }
        wall = new boolean[size * size];
        for (int y = 0; y < size; y++) {
            if (grid[y].length() != size) {
                throw new IllegalArgumentException("grid row " + y + ": length " + grid[y].length() + ", expected " + size);
            }
            for (int x = 0; x < size; x++) {
                wall[x * size + y] = grid[y].charAt(x) == '#';
            }
        }
        start = startX * size + startY;
        if (wall[start]) {
            throw new IllegalArgumentException("start (" + startX + "," + startY + ") is a wall");
        }
        initial = null;
    }

    private CrowdModelling2d(CrowdModelling2d g, int horizon, double[] initial) {
        this.name = g.name;
        this.size = g.size;
        this.horizon = horizon;
        this.aversion = g.aversion;
        this.wall = g.wall;
        this.start = g.start;
        this.initial = initial.clone();
    }

    /** The same game over {@code steps} steps from {@code initial} (time windows, docs/DISCRETE_GAMES.md §3). */
    @Override
    public CrowdPotentialGame window(int steps, double[] initial) {
        if (steps < 1 || initial.length != size * size) {
            throw new IllegalArgumentException("window of " + steps + " steps, initial length " + initial.length);
        }
        return new CrowdModelling2d(this, steps, initial);
    }

    /** The four-rooms benchmark: 13×13, T = 40, start (1, 1), c = 1. */
    public static CrowdModelling2d fourRooms() {
        return new CrowdModelling2d("four-rooms", FOUR_ROOMS, 40, 1, 1, 1.0);
    }

    public int size() {
        return size;
    }

    public boolean isWall(int state) {
        return wall[state];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int states() {
        return size * size;
    }

    @Override
    public int actions() {
        return 5;
    }

    @Override
    public int steps() {
        return horizon;
    }

    @Override
    public int fanout() {
        return 5;
    }

    @Override
    public double[] initialDistribution() {
        if (initial != null) {
            return initial.clone();
        }
        double[] m = new double[size * size];
        m[start] = 1.0;
        return m;
    }

    private int target(int s, int a) {
        int x = s / size;
        int y = s % size;
        return Math.floorMod(x + MOVE_X[a], size) * size + Math.floorMod(y + MOVE_Y[a], size);
    }

    @Override
    public boolean[] legal() {
        boolean[] l = new boolean[size * size * 5];
        for (int s = 0; s < size * size; s++) {
            for (int a = 0; a < 5; a++) {
                l[s * 5 + a] = wall[s] ? a == NEUTRAL : !wall[target(s, a)];
            }
        }
        return l;
    }

    @Override
    public int[] successors() {
        int[] n = new int[size * size * 25];
        for (int s = 0; s < size * size; s++) {
            for (int a = 0; a < 5; a++) {
                int p = wall[s] || wall[target(s, a)] ? s : target(s, a);
                for (int k = 0; k < 5; k++) {
                    int q = target(p, k);
                    n[(s * 5 + a) * 5 + k] = wall[p] || wall[q] ? p : q;
                }
            }
        }
        return n;
    }

    /** The chosen move (a wall blocks it: stay), then the noise move. */
    @Override
    public int[] moves() {
        int[] m = new int[size * size * 5];
        for (int s = 0; s < size * size; s++) {
            for (int a = 0; a < 5; a++) {
                m[s * 5 + a] = wall[s] || wall[target(s, a)] ? s : target(s, a);
            }
        }
        return m;
    }

    @Override
    public int noiseFanout() {
        return 5;
    }

    @Override
    public int[] noiseSuccessors() {
        int[] n = new int[size * size * 5];
        for (int p = 0; p < size * size; p++) {
            for (int k = 0; k < 5; k++) {
                int q = target(p, k);
                n[p * 5 + k] = wall[p] || wall[q] ? p : q;
            }
        }
        return n;
    }

    /** Uniform among the noise moves legal at the cell (OpenSpiel's noise intensity 1); wall cells keep their mass. */
    @Override
    public double[] noiseProbabilities() {
        double[] pr = new double[size * size * 5];
        for (int p = 0; p < size * size; p++) {
            if (wall[p]) {
                pr[p * 5 + NEUTRAL] = 1.0;
                continue;
            }
            int nLegal = 0;
            for (int k = 0; k < 5; k++) {
                nLegal += wall[target(p, k)] ? 0 : 1;
            }
            for (int k = 0; k < 5; k++) {
                pr[p * 5 + k] = wall[target(p, k)] ? 0.0 : 1.0 / nLegal;
            }
        }
        return pr;
    }

    @Override
    public boolean stationaryTransitions() {
        return true;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        for (int s = 0; s < size * size; s++) {
            for (int a = 0; a < 5; a++) {
                int p = wall[s] || wall[target(s, a)] ? s : target(s, a);
                int o = off + (s * 5 + a) * 5;
                if (wall[p]) {
                    for (int k = 0; k < 5; k++) {
                        prob[o + k] = k == NEUTRAL ? 1.0 : 0.0;
                    }
                    continue;
                }
                int nLegal = 0;
                for (int k = 0; k < 5; k++) {
                    nLegal += wall[target(p, k)] ? 0 : 1;
                }
                for (int k = 0; k < 5; k++) {
                    prob[o + k] = wall[target(p, k)] ? 0.0 : 1.0 / nLegal;
                }
            }
        }
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        int nS = size * size;
        for (int t = 0; t < horizon; t++) {
            for (int s = 0; s < nS; s++) {
                double v = -aversion * Math.log(mu[t * nS + s] + EPS);
                int o = (t * nS + s) * 5;
                for (int a = 0; a < 5; a++) {
                    r[o + a] = v;
                }
            }
        }
    }

    /** Φ = Σ_t Σ_x −c·μ log(μ + ε): Φ' = Σ −c (log(μ+ε) + μ/(μ+ε)) dμ, Φ'' = −c Σ (μ + 2ε)/(μ + ε)² dμ². */
    @Override
    public void potentialDerivatives(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
        double d1 = 0;
        double d2 = 0;
        int n = horizon * size * size;
        for (int i = 0; i < n; i++) {
            double d = dmu[i];
            if (d == 0.0) {
                continue;
            }
            double m = mu[i] + EPS;
            d1 -= aversion * (Math.log(m) + mu[i] / m) * d;
            d2 -= aversion * (mu[i] + 2 * EPS) / (m * m) * d * d;
        }
        out[0] = d1;
        out[1] = d2;
    }

    @Override
    public double crowdReward(double mass) {
        return -aversion * Math.log(mass + EPS);
    }

    @Override
    public double crowdPotential(double mass) {
        double m = mass + EPS;
        return -aversion * (m * Math.log(m) - mass);
    }

    @Override
    public double crowdCurvature(double mass) {
        return aversion / (mass + EPS);
    }

    @Override
    public double logCrowdCoefficient() {
        return aversion;
    }

    /** Free (non-wall) cells, for tests. */
    public List<Integer> freeCells() {
        List<Integer> l = new ArrayList<>();
        for (int s = 0; s < size * size; s++) {
            if (!wall[s]) {
                l.add(s);
            }
        }
        return l;
    }
}
