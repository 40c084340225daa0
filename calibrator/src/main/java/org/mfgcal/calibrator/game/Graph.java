package org.mfgcal.calibrator.game;

import java.util.Arrays;

/**
 * The directed edges along which a game's jump rates may be non-zero, in compressed-row form.
 *
 * <p>Edges of state {@code x} are {@code rowStart[x] .. rowStart[x+1]-1}, sorted by target; edge {@code e}
 * goes from {@link #from}{@code [e]} to {@link #to}{@code [e]}. A dense game uses {@link #complete}, whose edge
 * order is row by row, columns ascending, diagonal skipped — the order of docs/MODEL.md's per-edge parameter
 * layout. Immutable and thread-safe (the arrays are never handed out for writing; callers must not modify them).
 */
public final class Graph {
    private final int states;
    final int[] rowStart;
    final int[] to;
    final int[] from;
    /**
     * Every ordered pair x ≠ y is an edge (the layout of {@link #complete}, however built): the edges of row x are
     * {@code rowStart[x] + y} for y < x and {@code rowStart[x] + y − 1} for y > x, so the sweep kernels can address
     * them without {@link #to} ({@code MobilityKernels}).
     */
    final boolean dense;

    private Graph(int states, int[] rowStart, int[] to) {
        this.states = states;
        this.rowStart = rowStart;
        this.to = to;
        this.from = new int[to.length];
        boolean all = to.length == states * (states - 1);
        for (int x = 0; x < states; x++) {
            all &= rowStart[x] == x * (states - 1);
            for (int e = rowStart[x]; e < rowStart[x + 1]; e++) {
                from[e] = x;
                int j = e - rowStart[x];
                all &= to[e] == (j < x ? j : j + 1);
            }
        }
        this.dense = all;
    }

    /** All ordered pairs x ≠ y: d(d−1) edges. */
    public static Graph complete(int states) {
        requireStates(states);
        int[] rowStart = new int[states + 1];
        int[] to = new int[states * (states - 1)];
        int e = 0;
        for (int x = 0; x < states; x++) {
            rowStart[x] = e;
            for (int y = 0; y < states; y++) {
                if (y != x) {
                    to[e++] = y;
                }
            }
        }
        rowStart[states] = e;
        return new Graph(states, rowStart, to);
    }

    /**
     * Each state linked to its {@code k} nearest states on a ring ({@code k/2} on each side; k even), a sparse
     * stand-in for zones linked along a street graph.
     */
    public static Graph ring(int states, int k) {
        requireStates(states);
        if (k < 2 || k % 2 != 0 || k >= states) {
            throw new IllegalArgumentException("ring graph: k must be even, ≥ 2 and < states (" + states + "), got " + k);
        }
        boolean[][] adj = new boolean[states][];
        int[][] edges = new int[states][];
        for (int x = 0; x < states; x++) {
            int[] row = new int[k];
            int i = 0;
            for (int s = 1; s <= k / 2; s++) {
                row[i++] = Math.floorMod(x - s, states);
                row[i++] = Math.floorMod(x + s, states);
            }
            Arrays.sort(row);
            edges[x] = row;
        }
        return fromAdjacency(edges);
    }

    /**
     * A graph from adjacency lists: {@code targets[x]} lists the states reachable from {@code x} in one jump.
     *
     * @throws IllegalArgumentException on a self-loop, a duplicate or an out-of-range target
     */
    public static Graph fromAdjacency(int[][] targets) {
        int states = targets.length;
        requireStates(states);
        int[] rowStart = new int[states + 1];
        int total = 0;
        for (int x = 0; x < states; x++) {
            rowStart[x] = total;
            total += targets[x].length;
        }
        rowStart[states] = total;
        int[] to = new int[total];
        for (int x = 0; x < states; x++) {
            int[] row = targets[x].clone();
            Arrays.sort(row);
            for (int i = 0; i < row.length; i++) {
                int y = row[i];
                if (y < 0 || y >= states) {
                    throw new IllegalArgumentException("graph: edge " + x + "→" + y + " leaves the states 0.." + (states - 1));
                }
                if (y == x) {
                    throw new IllegalArgumentException("graph: self-loop at state " + x);
                }
                if (i > 0 && row[i - 1] == y) {
                    throw new IllegalArgumentException("graph: duplicate edge " + x + "→" + y);
                }
                to[rowStart[x] + i] = y;
            }
        }
        return new Graph(states, rowStart, to);
    }

    /**
     * A road-like graph from zone coordinates: each zone linked, in both directions, to its {@code k} nearest zones
     * (Euclidean distance on the given plane coordinates; ties broken by the lower index), so every zone has at least
     * k neighbours and the graph is symmetric. Cost O(d² log d) once per region, then O(E) per solver sweep.
     *
     * @param xs zone x coordinates (for latitude/longitude pass a local projection, e.g. x = lon·cos(lat₀), y = lat)
     * @param ys zone y coordinates, same length
     * @param k  neighbours per zone, 1 ≤ k < d
     * @throws IllegalArgumentException naming the field and value on bad input
     */
    public static Graph nearest(double[] xs, double[] ys, int k) {
        int d = xs.length;
        requireStates(d);
        if (ys.length != d) {
            throw new IllegalArgumentException("graph.nearest: " + d + " x coordinates but " + ys.length + " y coordinates");
        }
        if (k < 1 || k >= d) {
            throw new IllegalArgumentException("graph.nearest: k = " + k + " must be in 1.." + (d - 1));
        }
        for (int x = 0; x < d; x++) {
            if (!Double.isFinite(xs[x]) || !Double.isFinite(ys[x])) {
                throw new IllegalArgumentException("graph.nearest: zone " + x + " has coordinates (" + xs[x] + ", "
                        + ys[x] + "); must be finite");
            }
        }
        boolean[][] adj = new boolean[d][d];
        Integer[] order = new Integer[d];
        double[] dist = new double[d];
        for (int x = 0; x < d; x++) {
            for (int y = 0; y < d; y++) {
                order[y] = y;
                double dx = xs[x] - xs[y];
                double dy = ys[x] - ys[y];
                dist[y] = dx * dx + dy * dy;
            }
            dist[x] = -1; // the zone itself sorts first
            Arrays.sort(order, (a, b) -> dist[a] != dist[b] ? Double.compare(dist[a], dist[b]) : Integer.compare(a, b));
            for (int i = 1; i <= k; i++) {
                adj[x][order[i]] = true;
                adj[order[i]][x] = true;
            }
        }
        return fromMatrix(adj);
    }

    /**
     * The observed origin–destination pairs: the edge x→y exists when {@code counts[x·d + y] ≥ threshold} (x ≠ y;
     * the diagonal is ignored). A zone may end up without outgoing edges (then nobody leaves it in the model).
     *
     * @param counts    d×d row-major counts (e.g. trips summed over a history), finite and ≥ 0
     * @param threshold smallest count that makes an edge, > 0
     */
    public static Graph observed(double[] counts, int d, double threshold) {
        requireStates(d);
        if (counts.length != d * d) {
            throw new IllegalArgumentException("graph.observed: " + counts.length + " counts, expected d² = " + (d * d));
        }
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("graph.observed: threshold = " + threshold + " must be finite and > 0");
        }
        boolean[][] adj = new boolean[d][d];
        for (int x = 0; x < d; x++) {
            for (int y = 0; y < d; y++) {
                double c = counts[x * d + y];
                if (!(c >= 0) || Double.isInfinite(c)) {
                    throw new IllegalArgumentException("graph.observed: counts[" + x + "][" + y + "] = " + c
                            + " must be finite and ≥ 0");
                }
                adj[x][y] = x != y && c >= threshold;
            }
        }
        return fromMatrix(adj);
    }

    /**
     * This graph plus edges between {@code hub} and every other state in both directions (the region's catch-all
     * "External" zone, which borders every zone).
     */
    public Graph withHub(int hub) {
        if (hub < 0 || hub >= states) {
            throw new IllegalArgumentException("graph.withHub: hub " + hub + " is not a state 0.." + (states - 1));
        }
        boolean[][] adj = toMatrix();
        for (int x = 0; x < states; x++) {
            if (x != hub) {
                adj[x][hub] = true;
                adj[hub][x] = true;
            }
        }
        return fromMatrix(adj);
    }

    /** The adjacency lists, {@code targets[x]} ascending (a fresh copy; {@link #fromAdjacency} rebuilds the graph). */
    public int[][] adjacency() {
        int[][] t = new int[states][];
        for (int x = 0; x < states; x++) {
            t[x] = Arrays.copyOfRange(to, rowStart[x], rowStart[x + 1]);
        }
        return t;
    }

    /** Whether every state can reach every other along directed edges. */
    public boolean stronglyConnected() {
        return reachesAll(false) && reachesAll(true);
    }

    private boolean reachesAll(boolean reverse) {
        boolean[][] adj = toMatrix();
        boolean[] seen = new boolean[states];
        int[] stack = new int[states];
        int top = 0;
        stack[top++] = 0;
        seen[0] = true;
        int count = 1;
        while (top > 0) {
            int x = stack[--top];
            for (int y = 0; y < states; y++) {
                if (!seen[y] && (reverse ? adj[y][x] : adj[x][y])) {
                    seen[y] = true;
                    count++;
                    stack[top++] = y;
                }
            }
        }
        return count == states;
    }

    private boolean[][] toMatrix() {
        boolean[][] adj = new boolean[states][states];
        for (int e = 0; e < to.length; e++) {
            adj[from[e]][to[e]] = true;
        }
        return adj;
    }

    private static Graph fromMatrix(boolean[][] adj) {
        int d = adj.length;
        int[][] t = new int[d][];
        for (int x = 0; x < d; x++) {
            int n = 0;
            for (int y = 0; y < d; y++) {
                if (adj[x][y] && y != x) {
                    n++;
                }
            }
            t[x] = new int[n];
            n = 0;
            for (int y = 0; y < d; y++) {
                if (adj[x][y] && y != x) {
                    t[x][n++] = y;
                }
            }
        }
        return fromAdjacency(t);
    }

    /** Same states and edges (in the same CSR order). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && g.states == states && Arrays.equals(g.rowStart, rowStart) && Arrays.equals(g.to, to);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(rowStart) + Arrays.hashCode(to);
    }

    private static void requireStates(int states) {
        if (states < 2) {
            throw new IllegalArgumentException("graph: need at least 2 states, got " + states);
        }
    }

    public int states() {
        return states;
    }

    public int edges() {
        return to.length;
    }

    /** First edge of state x. */
    public int rowStart(int x) {
        return rowStart[x];
    }

    /** One past the last edge of state x. */
    public int rowEnd(int x) {
        return rowStart[x + 1];
    }

    public int from(int e) {
        return from[e];
    }

    public int to(int e) {
        return to[e];
    }

    /** The edge x→y, or −1 when absent. */
    public int edge(int x, int y) {
        int i = Arrays.binarySearch(to, rowStart[x], rowStart[x + 1], y);
        return i >= 0 ? i : -1;
    }

    /** Largest out-degree. */
    public int maxDegree() {
        int m = 0;
        for (int x = 0; x < states; x++) {
            m = Math.max(m, rowStart[x + 1] - rowStart[x]);
        }
        return m;
    }
}
