package org.mfgcal.calibrator.discrete;

import java.util.ArrayList;
import java.util.List;

/**
 * Mean-field route choice on a road network (docs/DISCRETE_GAMES.md §5.3), built on OpenSpiel's dynamic routing data
 * (network, BPR link travel-time coefficients, capacities, free-flow times, origin–destination demand).
 *
 * <p>Several origin–destination pairs form one population whose state includes the destination (as in OpenSpiel's
 * mean-field routing game): the states are (destination d, node n), index d·N + n, and μ_0 puts the share
 * demand_i / D of the total demand D on (destination_i, origin_i). At each step a vehicle at node n picks an outgoing
 * link (action = index among n's successors, illegal beyond its out-degree) and is at the link's head node at the next
 * step; its destination node is absorbing with reward 0 (action 0 = stay), as is any node without outgoing links. A
 * vehicle not at its destination at the last step pays {@code penalty} (0 for Braess, where every path fits the
 * horizon). Taking link e costs its BPR travel time under the total link
 * volume F_e = D·Σ_t L_t(x, e) (D = number of vehicles): r = −ff_e (1 + a_e (F_e / cap_e)^{b_e}). This is the
 * static (Wardrop) reading of OpenSpiel's {@code python_mfg_dynamic_routing}: same network and constants, link costs
 * from total link flow instead of OpenSpiel's integer waiting times per 0.05 time step (which make the game
 * piecewise constant in the parameters). The calibrated parameters are a chosen subset of free-flow times and
 * capacities. Immutable.
 */
public final class RoutingGame implements SmoothGame, PotentialGame {

    /** One directed link with its BPR data. */
    public record Link(String from, String to, double freeFlow, double a, double b, double capacity) {
        public String id() {
            return from + "->" + to;
        }
    }

    /** One origin–destination pair with its number of vehicles. */
    public record OdPair(String origin, String destination, double demand) {
    }

    /** A calibrated parameter: the free-flow time or the capacity of one link. */
    public record Param(int link, boolean capacity) {
    }

    private final String name;
    private final List<String> nodes;
    private final List<Link> links;
    private final List<OdPair> ods;
    private final List<String> destinations;
    private final double demand;
    private final double penalty;
    private final java.util.Map<String, double[]> positions;
    private final int horizon;
    private final int nA;
    private final int[] linkOf;    // (x*A + a) -> link index, −1 if none (stay / illegal)
    private final int[] succ;      // (x*A + a) -> successor node
    private final boolean[] legal;
    private final double[] ff, cap;
    private final List<Param> params;

    /** A single origin–destination pair, no penalty (the Braess game). */
    public RoutingGame(String name, List<String> nodes, List<Link> links, String origin, String destination,
                       double demand, int horizon, List<Param> params) {
        this(name, nodes, links, List.of(new OdPair(origin, destination, demand)), 0.0, horizon, params, null);
    }

    /**
     * @param ods       origin–destination pairs (demand &gt; 0 each); the population is their union
     * @param penalty   cost of not being at one's destination at the last step (≥ 0)
     * @param positions node drawing coordinates (may be null)
     */
    public RoutingGame(String name, List<String> nodes, List<Link> links, List<OdPair> ods, double penalty, int horizon,
                       List<Param> params, java.util.Map<String, double[]> positions) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.links = List.copyOf(links);
        this.ods = List.copyOf(ods);
        this.penalty = penalty;
        this.horizon = horizon;
        this.params = List.copyOf(params);
        this.positions = positions == null ? null : java.util.Map.copyOf(positions);
        if (ods.isEmpty()) {
            throw new IllegalArgumentException(name + ": no origin-destination pair");
        }
        if (!(penalty >= 0) || !Double.isFinite(penalty)) {
            throw new IllegalArgumentException(name + ": penalty " + penalty + " must be finite and >= 0");
        }
        if (horizon < 1) {
            throw new IllegalArgumentException(name + ": horizon " + horizon + " must be >= 1");
        }
        List<String> dests = new ArrayList<>();
        double total = 0;
        for (OdPair od : ods) {
            if (!(od.demand() > 0) || !Double.isFinite(od.demand())) {
                throw new IllegalArgumentException("demand " + od.demand() + " of " + od.origin() + "->"
                        + od.destination() + ": must be > 0");
            }
            index(od.origin());
            index(od.destination());
            if (!dests.contains(od.destination())) {
                dests.add(od.destination());
            }
            total += od.demand();
        }
        this.destinations = List.copyOf(dests);
        this.demand = total;
        int nN = nodes.size();
        int[] outDeg = new int[nN];
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
        int nS = nN * destinations.size();
        linkOf = new int[nS * nA];
        succ = new int[nS * nA];
        legal = new boolean[nS * nA];
        java.util.Arrays.fill(linkOf, -1);
        for (int d = 0; d < destinations.size(); d++) {
            int dest = index(destinations.get(d));
            int[] fill = new int[nN];
            for (int n = 0; n < nN; n++) {
                for (int a = 0; a < nA; a++) {
                    succ[(d * nN + n) * nA + a] = d * nN + n;
                }
                if (n == dest || outDeg[n] == 0) {
                    legal[(d * nN + n) * nA] = true;    // absorbing: stay
                }
            }
            for (int e = 0; e < links.size(); e++) {
                int f = index(links.get(e).from());
                if (f == dest) {
                    continue;
                }
                int slot = (d * nN + f) * nA + fill[f]++;
                linkOf[slot] = e;
                succ[slot] = d * nN + index(links.get(e).to());
                legal[slot] = true;
            }
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
        return new RoutingGame("braess", List.of("O", "A", "B", "C", "D", "E"), l, List.of(new OdPair("O", "E", n)), 0.0,
                6, List.of(new Param(3, false), new Param(1, true)), braessPositions());
    }

    /** Decision steps of the Sioux Falls game: every used path has at most this many links (checked by the tests). */
    public static final int SIOUX_FALLS_HORIZON = 12;
    /** Cost of not being at one's destination at the last step: above any path's congested travel time. */
    public static final double SIOUX_FALLS_PENALTY = 1000.0;

    /**
     * OpenSpiel's Sioux Falls network and its MFG demand {@code SIOUX_FALLS_DUMMY_OD_DEMAND} (7000 vehicles 19 → 1
     * and 7000 vehicles 1 → 19), read from the resources {@code sioux-falls-{links,nodes,od}.csv} (provenance in
     * their headers and docs/DISCRETE_GAMES.md §5.3): 24 nodes, 76 links, BPR b = 4, capacity 1, one population
     * whose state is (destination, node). No calibrated parameters.
     */
    public static RoutingGame siouxFalls() {
        List<String[]> rows = csv("sioux-falls-links.csv", 6);
        List<Link> l = new ArrayList<>();
        for (String[] r : rows) {
            l.add(new Link(r[0], r[1], Double.parseDouble(r[2]), Double.parseDouble(r[3]), Double.parseDouble(r[4]),
                    Double.parseDouble(r[5])));
        }
        List<String> nodes = new ArrayList<>();
        java.util.Map<String, double[]> pos = new java.util.LinkedHashMap<>();
        for (String[] r : csv("sioux-falls-nodes.csv", 3)) {
            nodes.add(r[0]);
            pos.put(r[0], new double[] {Double.parseDouble(r[1]), Double.parseDouble(r[2])});
        }
        List<OdPair> ods = new ArrayList<>();
        for (String[] r : csv("sioux-falls-od.csv", 3)) {
            ods.add(new OdPair(r[0], r[1], Double.parseDouble(r[2])));
        }
        return new RoutingGame("sioux-falls", nodes, l, ods, SIOUX_FALLS_PENALTY, SIOUX_FALLS_HORIZON, List.of(), pos);
    }

    private static List<String[]> csv(String resource, int columns) {
        try (java.io.InputStream in = RoutingGame.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " missing from the classpath");
            }
            List<String[]> out = new ArrayList<>();
            boolean header = true;
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                String[] f = line.trim().split(",");
                if (f.length != columns) {
                    throw new IllegalStateException("resource " + resource + ": line '" + line + "' has " + f.length
                            + " fields, expected " + columns);
                }
                out.add(f);
            }
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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

    /** Total number of vehicles D (sum over the origin–destination pairs). */
    public double demand() {
        return demand;
    }

    public List<OdPair> odPairs() {
        return ods;
    }

    /** The distinct destinations, in the order of the state blocks (state = d·N + node). */
    public List<String> destinations() {
        return destinations;
    }

    /** Node drawing coordinates, or null. */
    public java.util.Map<String, double[]> positions() {
        return positions;
    }

    /** Link index of state–action slot x·A + a, or −1. */
    public int linkOf(int slot) {
        return linkOf[slot];
    }

    /** Link volumes F_e = D Σ_t L_t(x, e) of a state–action distribution (length T·S·A); a new array. */
    public double[] linkFlows(double[] sa) {
        double[] f = new double[links.size()];
        int nSA = states() * nA;
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
        return nodes.size() * destinations.size();
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
        double[] m = new double[states()];
        for (OdPair od : ods) {
            m[destinations.indexOf(od.destination()) * nodes.size() + index(od.origin())] += od.demand() / demand;
        }
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
        java.util.Arrays.fill(prob, off, off + states() * nA, 1.0);
    }

    @Override
    public void rewards(double[] mu, double[] sa, double[] r) {
        double[] f = linkFlows(sa);
        int nSA = states() * nA;
        for (int t = 0; t < horizon; t++) {
            for (int i = 0; i < nSA; i++) {
                int e = linkOf[i];
                r[t * nSA + i] = e >= 0 ? -travelTime(e, f[e]) : 0.0;
            }
        }
        if (penalty > 0) {
            int nN = nodes.size();
            for (int x = 0; x < states(); x++) {
                if (x % nN != index(destinations.get(x / nN))) {
                    for (int a = 0; a < nA; a++) {
                        r[(horizon - 1) * nSA + x * nA + a] -= penalty;
                    }
                }
            }
        }
    }

    /**
     * Beckmann potential Φ(L) = −(1/D) Σ_e ∫_0^{F_e} tt_e(v) dv − penalty · Σ_{x not at its destination} μ_{T−1}(x):
     * ∂Φ/∂L_t(x, a) is the reward (−tt_e, the penalty at t = T−1), Φ is concave (tt_e non-decreasing) and the
     * transitions do not depend on μ, so fictitious play is Frank–Wolfe with an exact line search
     * (docs/DISCRETE_GAMES.md §3, §5.3).
     */
    @Override
    public void potentialDerivatives(double[] mu, double[] sa, double[] dmu, double[] dsa, double[] out) {
        double[] f = linkFlows(sa);
        double[] df = linkFlows(dsa);
        double d1 = 0;
        double d2 = 0;
        for (int e = 0; e < f.length; e++) {
            if (df[e] == 0) {
                continue;
            }
            Link l = links.get(e);
            double slope = l.a() == 0 || ff[e] == 0 ? 0.0
                    : ff[e] * l.a() * l.b() * Math.pow(f[e] / cap[e], l.b() - 1) / cap[e];
            d1 -= travelTime(e, f[e]) * df[e] / demand;
            d2 -= slope * df[e] * df[e] / demand;
        }
        if (penalty > 0) {
            int nN = nodes.size();
            int last = (horizon - 1) * states();
            for (int x = 0; x < states(); x++) {
                if (x % nN != index(destinations.get(x / nN))) {
                    d1 -= penalty * dmu[last + x];
                }
            }
        }
        out[0] = d1;
        out[1] = d2;
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
        return new RoutingGame(name, nodes, l, ods, penalty, horizon, params, positions);
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
        int nSA = states() * nA;
        for (int t = 0; t < horizon; t++) {
            for (int i = 0; i < nSA; i++) {
                int e = linkOf[i];
                dr[t * nSA + i] = e >= 0 ? -dtt[e] : 0.0;
            }
        }
    }

    @Override
    public void transitionsJvp(int t, double[] mu, double[] dmu, double[] dtheta, double[] dprob, int off) {
        java.util.Arrays.fill(dprob, off, off + states() * nA, 0.0);
    }
}
