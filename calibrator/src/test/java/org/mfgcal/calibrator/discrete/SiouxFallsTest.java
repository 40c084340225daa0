package org.mfgcal.calibrator.discrete;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenSpiel's Sioux Falls network with its MFG demand (docs/DISCRETE_GAMES.md §5.3): the data read from the resources,
 * the multi-destination state space, and an equilibrium with exploitability &lt; 1e-3 whose Wardrop gap, recomputed
 * from the link flows with Dijkstra shortest paths (no code shared with the evaluator), equals the exploitability.
 */
class SiouxFallsTest {

    @Test
    void data_asInOpenSpielSource() {
        RoutingGame g = RoutingGame.siouxFalls();
        assertEquals(24, g.nodes().size());
        assertEquals(76, g.links().size());
        assertEquals(2, g.destinations().size());
        assertEquals(48, g.states());
        assertEquals(5, g.actions()); // node 10 has five outgoing links
        assertEquals(14000, g.demand(), 0);
        // spot values of the source dictionaries (__SIOUX_FALLS_FREE_FLOW_TRAVEL_TIME, __SIOUX_FALLS_BPR_A_COEFF)
        RoutingGame.Link l = g.links().get(g.linkIndex("10->17"));
        assertEquals(8, l.freeFlow(), 0);
        assertEquals(1929e-18, l.a(), 1e-30);
        assertEquals(4, l.b(), 0);
        assertEquals(1, l.capacity(), 0);
        assertEquals(2306e-18, g.links().get(g.linkIndex("9->8")).a(), 1e-30);
        double ffSum = 0;
        for (RoutingGame.Link k : g.links()) {
            ffSum += k.freeFlow();
            // the network is symmetric: every link has its reverse with the same constants
            RoutingGame.Link r = g.links().get(g.linkIndex(k.to() + "->" + k.from()));
            assertEquals(k.freeFlow(), r.freeFlow(), 0, k.id());
            assertEquals(k.a(), r.a(), 0, k.id());
        }
        assertEquals(314, ffSum, 0); // hand sum of the 76 free-flow times of the source
        double[] mu0 = g.initialDistribution();
        int nN = g.nodes().size();
        int d1 = g.destinations().indexOf("1");
        int d19 = g.destinations().indexOf("19");
        assertEquals(0.5, mu0[d1 * nN + g.nodes().indexOf("19")], 0);
        assertEquals(0.5, mu0[d19 * nN + g.nodes().indexOf("1")], 0);
    }

    @Test
    void omd_reachesTarget_wardropGapFromDijkstraEqualsExploitability() {
        RoutingGame g = RoutingGame.siouxFalls();
        SolveResult r = new DiscreteSolver(g, DiscreteGames.options("sioux-falls", Algorithm.OMD)).solve(Algorithm.OMD);
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
        SolverTest.checkInvariants(g, r);
        int nN = g.nodes().size();
        int last = (g.steps() - 1) * g.states();
        for (String dest : g.destinations()) {
            int d = g.destinations().indexOf(dest);
            assertEquals(1.0 / g.destinations().size(), r.mu()[last + d * nN + g.nodes().indexOf(dest)], 1e-9,
                    "everybody with destination " + dest + " has arrived at the last step");
        }
        // Wardrop gap: average cost per vehicle minus the average shortest-path cost at the same link costs
        double[] f = g.linkFlows(r.stateAction());
        double[] tt = new double[f.length];
        double total = 0;
        for (int e = 0; e < f.length; e++) {
            RoutingGame.Link l = g.links().get(e);
            tt[e] = l.freeFlow() * (1 + l.a() * Math.pow(f[e] / l.capacity(), l.b()));
            total += f[e] * tt[e];
        }
        double shortest = 0;
        for (RoutingGame.OdPair od : g.odPairs()) {
            shortest += od.demand() * dijkstra(g.nodes(), g.links(), tt, od.origin(), od.destination());
        }
        double gap = (total - shortest) / g.demand();
        double e = new Evaluator(g).exploitability(r.policy());
        assertEquals(r.finalExploitability(), e, 1e-12);
        assertEquals(gap, e, 1e-9, "Wardrop gap vs exploitability");
        assertTrue(gap < 1e-3 && gap >= 0, "gap " + gap);
    }

    /**
     * Hand-computed three-pair network: A→C (1 vehicle, direct 3.5 or A→B 1 then B→C), B→C (1 vehicle, only B→C,
     * tt = 1 + F), C→A (1 vehicle, 2). Equilibrium: x on A-B-C with 1 + (1 + 1 + x) = 3.5, so x = 0.5, F_BC = 1.5,
     * costs 3.5, 2.5, 2, mean 8/3. Two destinations (C, A), so two state blocks.
     */
    @Test
    void threePairsTwoDestinations_handComputedEquilibrium() {
        List<RoutingGame.Link> links = List.of(
                new RoutingGame.Link("A", "B", 1, 0, 1, 1),
                new RoutingGame.Link("A", "C", 3.5, 0, 1, 1),
                new RoutingGame.Link("B", "C", 1, 1, 1, 1),
                new RoutingGame.Link("C", "A", 2, 0, 1, 1));
        RoutingGame g = new RoutingGame("three-pairs", List.of("A", "B", "C"), links,
                List.of(new RoutingGame.OdPair("A", "C", 1), new RoutingGame.OdPair("B", "C", 1),
                        new RoutingGame.OdPair("C", "A", 1)), 100, 3, List.of(), null);
        assertEquals(6, g.states());
        SolveResult r = new DiscreteSolver(g, SolverOptions.defaults().withTarget(1e-9).withIterations(2000))
                .solve(Algorithm.FP);
        assertTrue(r.reachedTarget(), () -> "exploitability " + r.finalExploitability());
        double[] f = g.linkFlows(r.stateAction());
        assertEquals(0.5, f[0], 1e-6, "A->B");
        assertEquals(0.5, f[1], 1e-6, "A->C");
        assertEquals(1.5, f[2], 1e-6, "B->C");
        assertEquals(1.0, f[3], 1e-9, "C->A");
        Evaluator ev = new Evaluator(g);
        ev.exploitability(r.policy());
        double v0 = 0;
        double[] mu0 = g.initialDistribution();
        for (int x = 0; x < g.states(); x++) {
            v0 += mu0[x] * ev.value()[x];
        }
        assertEquals(-8.0 / 3.0, v0, 1e-6, "mean cost per vehicle");
    }

    static double dijkstra(List<String> nodes, List<RoutingGame.Link> links, double[] cost, String from, String to) {
        double[] dist = new double[nodes.size()];
        boolean[] done = new boolean[nodes.size()];
        Arrays.fill(dist, Double.POSITIVE_INFINITY);
        dist[nodes.indexOf(from)] = 0;
        for (int k = 0; k < nodes.size(); k++) {
            int u = -1;
            for (int i = 0; i < nodes.size(); i++) {
                if (!done[i] && (u < 0 || dist[i] < dist[u])) {
                    u = i;
                }
            }
            done[u] = true;
            for (int e = 0; e < links.size(); e++) {
                if (nodes.indexOf(links.get(e).from()) == u) {
                    int v = nodes.indexOf(links.get(e).to());
                    dist[v] = Math.min(dist[v], dist[u] + cost[e]);
                }
            }
        }
        return dist[nodes.indexOf(to)];
    }
}
