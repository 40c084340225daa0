package org.mfgcal.calibrator.discrete;

import java.util.List;

/** The built-in discrete-time games by CLI name (docs/DISCRETE_GAMES.md §5). */
public final class DiscreteGames {
    public static final List<String> NAMES = List.of("four-rooms", "crowd-ring", "braess", "beach-bar", "sis", "lq");

    private DiscreteGames() {
    }

    public static DiscreteGame create(String name) {
        return switch (name) {
            case "four-rooms" -> CrowdModelling2d.fourRooms();
            case "crowd-ring" -> new CrowdRing();
            case "braess" -> RoutingGame.braess();
            case "beach-bar" -> new BeachBar();
            case "sis" -> new SusceptibleInfected();
            case "lq" -> new LinearQuadratic();
            default -> throw new IllegalArgumentException("--game " + name + ": expected one of " + String.join(", ", NAMES));
        };
    }
}
