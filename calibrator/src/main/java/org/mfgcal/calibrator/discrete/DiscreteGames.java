package org.mfgcal.calibrator.discrete;

import java.util.List;

/** The built-in discrete-time games by CLI name (docs/DISCRETE_GAMES.md §5). */
public final class DiscreteGames {
    public static final List<String> NAMES = List.of("four-rooms", "crowd-ring", "braess", "sioux-falls", "beach-bar", "sis",
            "lq");

    private DiscreteGames() {
    }

    /**
     * Documented solver settings per game (docs/DISCRETE_GAMES.md §6): target exploitability 1e-3, 2000 iterations;
     * OMD η = 0.1 on four-rooms, sis and sioux-falls, 1 elsewhere; fixed point τ = 1e-3, δ = 0.1; Anderson τ = 1e-3, δ = 1, m = 5,
     * continuation τ_0 = 1, ρ = 0.8.
     */
    public static SolverOptions options(String game, Algorithm algorithm) {
        SolverOptions o = SolverOptions.defaults();
        return switch (algorithm) {
            case FP -> o;
            case OMD -> o.withLearningRate(game.equals("four-rooms") || game.equals("sis")
                    || game.equals("sioux-falls") ? 0.1 : 1.0);
            case FIXED_POINT -> o.withTemperature(1e-3).withDamping(0.1);
            case ANDERSON -> o.withTemperature(1e-3).withDamping(1.0).withMemory(5).withContinuation(1.0, 0.8);
            case FLOW_SHIFT, NEWTON, NEWTON_WINDOWS -> o;
        };
    }

    public static DiscreteGame create(String name) {
        return switch (name) {
            case "four-rooms" -> CrowdModelling2d.fourRooms();
            case "crowd-ring" -> new CrowdRing();
            case "braess" -> RoutingGame.braess();
            case "sioux-falls" -> RoutingGame.siouxFalls();
            case "beach-bar" -> new BeachBar();
            case "sis" -> new SusceptibleInfected();
            case "lq" -> new LinearQuadratic();
            default -> throw new IllegalArgumentException("--game " + name + ": expected one of " + String.join(", ", NAMES));
        };
    }
}
