package org.mfgcal.calibrator.game;

import java.util.Map;
import java.util.Set;

/**
 * Builds the built-in games by name from a parameter map (the {@code params} object of a case file, keys as in
 * docs/MODEL.md / the conformance README; a key left out takes the default). Unknown games and unknown keys are
 * rejected with a message naming them.
 */
public final class Games {
    private Games() {
    }

    public static final Set<String> NAMES = Set.of("lq", "sir", "cybersecurity", "mobility", "emissions");

    public static Game create(String name, Map<String, Object> params, int d) {
        Map<String, Object> ps = params == null ? Map.of() : params;
        switch (name == null ? "" : name) {
            case "lq": {
                allow(name, ps, "terminal_cost_scale", "congestion_weight", "congestion_power", "control_weight",
                        "terminal_congestion_weight", "destination_congestion_weight", "base_transition_rate", "rate_clip");
                LqGame.Params def = LqGame.Params.DEFAULTS;
                return new LqGame(Graph.complete(d), new LqGame.Params(
                        num(ps, "terminal_cost_scale", def.terminalCostScale()),
                        num(ps, "congestion_weight", def.congestionWeight()),
                        num(ps, "congestion_power", def.congestionPower()),
                        num(ps, "control_weight", def.controlWeight()),
                        num(ps, "terminal_congestion_weight", def.terminalCongestionWeight()),
                        num(ps, "destination_congestion_weight", def.destinationCongestionWeight()),
                        num(ps, "base_transition_rate", def.baseTransitionRate()),
                        num(ps, "rate_clip", def.rateClip())));
            }
            case "cybersecurity": {
                requireD(name, d, 4);
                allow(name, ps, "k_D", "k_I", "lambda_speed", "v_H", "controls");
                CyberGame.Params def = CyberGame.Params.DEFAULTS;
                return new CyberGame(new CyberGame.Params(num(ps, "k_D", def.kD()), num(ps, "k_I", def.kI()),
                        num(ps, "lambda_speed", def.lambda()), num(ps, "v_H", def.vH()),
                        numArray(ps, "controls", def.controls())));
            }
            case "sir": {
                requireD(name, d, 3);
                allow(name, ps, "c_alpha", "c_infected", "learn_costs");
                SirGame.Params def = SirGame.Params.DEFAULTS;
                boolean learn = Boolean.TRUE.equals(ps.get("learn_costs"));
                return new SirGame(new SirGame.Params(num(ps, "c_alpha", def.cAlpha()),
                        num(ps, "c_infected", def.cInfected())), learn);
            }
            case "mobility": {
                allow(name, ps, "b", "c", "w_g", "interaction");
                double[] wg = numArray(ps, "w_g", new double[d]);
                boolean interaction = Boolean.TRUE.equals(ps.get("interaction"));
                return new MobilityGame(Graph.complete(d), num(ps, "b", 1.0), num(ps, "c", 0.0), wg, interaction, null);
            }
            case "emissions": {
                allow(name, ps, "b", "switch_sharpness", "variant");
                Object variant = ps.getOrDefault("variant", "deterrent");
                if (!"deterrent".equals(variant) && !"bandwagon".equals(variant)) {
                    throw new IllegalArgumentException("params.variant = '" + variant + "': expected deterrent or bandwagon");
                }
                EmissionsGame.Params def = EmissionsGame.Params.DEFAULTS;
                return new EmissionsGame(d, new EmissionsGame.Params(num(ps, "b", def.b()),
                        num(ps, "switch_sharpness", def.switchSharpness()), "deterrent".equals(variant)));
            }
            default:
                throw new IllegalArgumentException("game = '" + name + "': unknown; expected one of lq, sir, cybersecurity, mobility, emissions");
        }
    }

    private static void requireD(String game, int d, int expected) {
        if (d != expected) {
            throw new IllegalArgumentException("d = " + d + ": the " + game + " game has " + expected + " states");
        }
    }

    private static void allow(String game, Map<String, Object> ps, String... keys) {
        Set<String> ok = Set.of(keys);
        for (String k : ps.keySet()) {
            if (!ok.contains(k)) {
                throw new IllegalArgumentException("params." + k + ": not a parameter of the " + game + " game (known: "
                        + String.join(", ", keys) + ")");
            }
        }
    }

    private static double num(Map<String, Object> ps, String key, double def) {
        Object v = ps.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Number num) {
            return num.doubleValue();
        }
        throw new IllegalArgumentException("params." + key + " = " + v + ": must be a number");
    }

    private static double[] numArray(Map<String, Object> ps, String key, double[] def) {
        Object v = ps.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof java.util.List<?> list) {
            double[] out = new double[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number num)) {
                    throw new IllegalArgumentException("params." + key + "[" + i + "] = " + list.get(i) + ": must be a number");
                }
                out[i] = num.doubleValue();
            }
            return out;
        }
        throw new IllegalArgumentException("params." + key + " = " + v + ": must be a list of numbers");
    }
}
