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

    private Graph(int states, int[] rowStart, int[] to) {
        this.states = states;
        this.rowStart = rowStart;
        this.to = to;
        this.from = new int[to.length];
        for (int x = 0; x < states; x++) {
            for (int e = rowStart[x]; e < rowStart[x + 1]; e++) {
                from[e] = x;
            }
        }
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
