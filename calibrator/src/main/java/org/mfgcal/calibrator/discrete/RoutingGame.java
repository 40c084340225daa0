package org.mfgcal.calibrator.discrete;

import java.util.ArrayList;
import java.util.List;

/**
 * Mean-field route choice on a road network (docs/DISCRETE_GAMES.md §5.3), built on OpenSpiel's dynamic routing data
 * (network, BPR link travel-time coefficients, capacities, free-flow times, origin–destination demand).
 *
 * <p>States are the network's nodes; at each step a vehicle at node x picks an outgoing link (action = index among
 * x's successors, illegal beyond its out-degree) and is at the link's head node at the next step; the destination
 * node is absorbing with reward 0 (action 0 = stay). Taking link e costs its BPR travel time under the total link
 * volume F_e = D·Σ_t L_t(x, e) (D = number of vehicles): r = −ff_e (1 + a_e (F_e / cap_e)^{b_e}). This is the
 * static (Wardrop) reading of OpenSpiel's {@code python_mfg_dynamic_routing}: same network and constants, link costs
 * from total link flow instead of OpenSpiel's integer waiting times per 0.05 time step (which make the game
 * piecewise constant in the parameters). The calibrated parameters are a chosen subset of free-flow times and
 * capacities. Immutable.
 */
public final class RoutingGame implements SmoothGame {

    /** One directed link with its BPR data. */
    public record Link(String from, String to, double freeFlow, double a, double b, double capacity) {
        public String id() {
            return from + "->" + to;
        }
    }

    /** A calibrated parameter: the free-flow time or the capacity of one link. */
    public record Param(int link, boolean capacity) {
    }

    private final String name;
    private final List<String> nodes;
    private final List<Link> links;
    private final String origin, destination;
    private final double demand;
    private final int horizon;
    private final int nA;
    private final int[] linkOf;    // (x*A + a) -> link index, −1 if none (stay / illegal)
    private final int[] succ;      // (x*A + a) -> successor node
    private final boolean[] legal;
    private final double[] ff, cap;
    private final List<Param> params;

    public RoutingGame(String name, List<String> nodes, List<Link> links, String origin, String destination,
                       double demand, int horizon, List<Param> params) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.links = List.copyOf(links);
        this.origin = origin;
        this.destination = destination;
        this.demand = demand;
        this.horizon = horizon;
        this.params = List.copyOf(params);
        if (!(demand > 0)) {
            throw new IllegalArgumentException("demand " + demand + ": must be > 0");
        }
        int nS = nodes.size();
        int[] outDeg = new int[nS];
        for (Link l : links) {
            int f = index(l.from());
            index(l.to());
            outDeg[f]++;
            if (!(l.capacity() > 0) || !(l.freeFlow() >= 0) || !Double.isFinite(l.freeFlow())
                    || !Double.isFinite(l.capacity())) {
                throw new IllegalArgumentException("link " + l.id() + ": free-flow time " + l.freeFlow()
                        + " must be ≥ 0 and capacity " + l.capacity() + " > 0");
            }
        }
        int maxDeg = 1;
        for (int d : outDeg) {
            maxDeg = Math.max(maxDeg, d);
        }
        nA = maxDeg;
        linkOf = new int[nS * nA];
        succ = new int[nS * nA];
        legal = new boolean[nS * nA];
        java.util.Arrays.fill(linkOf, -1);
        int[] fill = new int[nS];
        for (int e = 0; e < links.size(); e++) {
            int f = index(links.get(e).from());
            int slot = f * nA + fill[f]++;
            linkOf[slot] = e;
            succ[slot] = index(links.get(e).to());
            legal[slot] = true;
        }
        for (int x = 0; x < nS; x++) {
            if (outDeg[x] == 0) {
                legal[x * nA] = true;    // sink: stay
                for (int a = 0; a < nA; a++) {
                    succ[x * nA + a] = x;
                }
            } else {
                for (int a = outDeg[x]; a < nA; a++) {
                    succ[x * nA + a] = x;
                }
            }
        }
        if (outDeg[index(destination)] != 0) {
            throw new IllegalArgumentException("destination " + destination + " must be a sink node");
        }
        ff = new double[links.size()];
        cap = new double[links.size()];
        for (int e = 0; e < links.size(); e++) {
            ff[e] = links.get(e).freeFlow();
            cap[e] = links.get(e).capacity();
        }
    }

    private int index(String node) {
        int i = nodes.indexOf(node);
        if (i < 0) {
            throw new IllegalArgumentException("node " + node + ": not in the network");
        }
        return i;
    }

    /**
     * OpenSpiel's Braess network ({@code dynamic_routing_data.BRAESS_NETWORK}): 5 vehicles from O→A to D→E, capacity 5
     * on every link, a = 1 on A→B and C→D, b = 1, free-flow times O→A 0, A→B 1, A→C 2, B→C 0.25, B→D 2, C→D 1, D→E 0.
     * States are the nodes O, A, B, C, D, E (origin O, destination E); 6 decision steps cover the longest path.
     * Calibrated parameters: the free-flow time of B→C and the capacity of A→B.
     */
    public static RoutingGame braess() {
        double n = 5;
        List<Link> l = new ArrayList<>();
        l.add(new Link("O", "A", 0.0, 0.0, 1.0, n));
        l.add(new Link("A", "B", 1.0, 1.0, 1.0, n));
        l.add(new Link("A", "C", 2.0, 0.0, 1.0, n));
        l.add(new Link("B", "C", 0.25, 0.0, 1.0, n));
        l.add(new Link("B", "D", 2.0, 0.0, 1.0, n));
        l.add(new Link("C", "D", 1.0, 1.0, 1.0, n));
        l.add(new Link("D", "E", 0.0, 0.0, 1.0, n));
        return new RoutingGame("braess", List.of("O", "A", "B", "C", "D", "E"), l, "O", "E", n, 6,
                List.of(new Param(3, false), new Param(1, true)));
    }

    /** OpenSpiel's drawing coordinates of the Braess nodes ({@code node_position}). */
    public static java.util.Map<String, double[]> braessPositions() {
        java.util.Map<String, double[]> m = new java.util.LinkedHashMap<>();
        m.put("O", new double[] {0, 0});
        m.put("A", new double[] {1, 0});
        m.put("B", new double[] {2, 1});
        m.put("C", new double[] {2, -1});
        m.put("D", new double[] {3, 0});
        m.put("E", new double[] {4, 0});
        return m;
    }

    /** Index of the link with id {@code from->to}, or −1. */
    public int linkIndex(String id) {
        for (int e = 0; e < links.size(); e++) {
            if (links.get(e).id().equals(id)) {
                return e;
            }
        }
        return -1;
    }

    public List<Link> links() {
        return links;
    }

    public List<String> nodes() {
        return nodes;
    }

    public double demand() {
        return demand;
    }

    /** Link index of state–action slot x·A + a, or −1. */
    public int linkOf(int slot) {
        return linkOf[slot];
    }

    /** Link volumes F_e = D Σ_t L_t(x, e) of a state–action distribution (length T·S·A); a new array. */
    public double[] linkFlows(double[] sa) {
        double[] f = new double[links.size()];
        int nSA = nodes.size() * nA;
        for (int t = 0; t < horizon; t++) {
            for (int i = 0; i < nSA; i++) {
                int e = linkOf[i];
                if (e >= 0) {
                    f[e] += demand * sa[t * nSA + i];
                }
            }
        }
        return f;
    }

    /** BPR travel time of link e at volume F. */
    public double travelTime(int e, double volume) {
        Link l = links.get(e);
        return ff[e] * (1.0 + l.a() * Math.pow(volume / cap[e], l.b()));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int states() {
        return nodes.size();
    }

    @Override
    public int actions() {
        return nA;
    }

    @Override
    public int steps() {
        return horizon;
    }

    @Override
    public int fanout() {
        return 1;
    }

    @Override
    public double[] initialDistribution() {
        double[] m = new double[nodes.size()];
        m[index(origin)] = 1.0;
        return m;
    }

    @Override
    public boolean[] legal() {
        return legal.clone();
    }

    @Override
    public int[] successors() {
        return succ.clone();
    }

    @Override
    public boolean stationaryTransitions() {
        return true;
    }

    @Override
    public void transitions(int t, double[] mu, double[] prob, int off) {
        java.util.Arrays.fill(prob, off, off + nodes.size() * nA, 1.0);
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        double[] f = linkFlows(sa);
        int nSA = nodes.size() * nA;
        for (int t = 0; t < horizon; t++) {
            for (int i = 0; i < nSA; i++) {
                int e = linkOf[i];
                r[t * nSA + i] = e >= 0 ? -travelTime(e, f[e]) : 0.0;
            }
        }
    }

    @Override
    public String[] parameterNames() {
        String[] n = new String[params.size()];
        for (int j = 0; j < n.length; j++) {
            Param p = params.get(j);
            n[j] = (p.capacity() ? "capacity_" : "free_flow_") + links.get(p.link()).id();
        }
        return n;
    }

    @Override
    public double[] parameters() {
        double[] th = new double[params.size()];
        for (int j = 0; j < th.length; j++) {
            Param p = params.get(j);
            th[j] = p.capacity() ? cap[p.link()] : ff[p.link()];
        }
        return th;
    }

    @Override
    public RoutingGame withParameters(double[] theta) {
        if (theta.length != params.size()) {
            throw new IllegalArgumentException(name + " takes " + params.size() + " parameters, got " + theta.length);
        }
        List<Link> l = new ArrayList<>(links);
        for (int j = 0; j < theta.length; j++) {
            Param p = params.get(j);
            Link o = l.get(p.link());
            l.set(p.link(), p.capacity() ? new Link(o.from(), o.to(), o.freeFlow(), o.a(), o.b(), theta[j])
                    : new Link(o.from(), o.to(), theta[j], o.a(), o.b(), o.capacity()));
        }
        return new RoutingGame(name, nodes, l, origin, destination, demand, horizon, params);
    }

    @Override
    public void rewardsJvp(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] dtheta, double[] dr) {
        double[] f = linkFlows(sa);
        double[] df = dsa == null ? new double[links.size()] : linkFlows(dsa);
        double[] dtt = new double[links.size()];
        for (int e = 0; e < links.size(); e++) {
            Link l = links.get(e);
            double ratio = f[e] / cap[e];
            // d/dF of ff (1 + a (F/cap)^b)
            dtt[e] = l.a() == 0 ? 0.0 : ff[e] * l.a() * l.b() * Math.pow(ratio, l.b() - 1) / cap[e] * df[e];
        }
        if (dtheta != null) {
            for (int j = 0; j < params.size(); j++) {
                Param p = params.get(j);
                int e = p.link();
                Link l = links.get(e);
                double ratio = f[e] / cap[e];
                if (p.capacity()) {
                    dtt[e] += l.a() == 0 ? 0.0 : -ff[e] * l.a() * l.b() * Math.pow(ratio, l.b()) / cap[e] * dtheta[j];
                } else {
                    dtt[e] += (1.0 + l.a() * Math.pow(ratio, l.b())) * dtheta[j];
                }
            }
        }
        int nSA = nodes.size() * nA;
        for (int t = 0; t < horizon; t++) {
            for (int i = 0; i < nSA; i++) {
                int e = linkOf[i];
                dr[t * nSA + i] = e >= 0 ? -dtt[e] : 0.0;
            }
        }
    }

    @Override
    public void transitionsJvp(int t, double[] mu, double[] dmu, double[] dtheta, double[] dprob, int off) {
        java.util.Arrays.fill(dprob, off, off + nodes.size() * nA, 0.0);
    }
}
