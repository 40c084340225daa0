package org.mfgcal.calibrator.discrete;

/**
 * Options of {@link DiscreteSolver}, validated on construction.
 *
 * @param maxIterations iteration budget (≥ 1)
 * @param target        stop as soon as the exploitability is ≤ target (0: run the whole budget)
 * @param learningRate  OMD step η (&gt; 0)
 * @param temperature   softmax temperature τ of the fixed-point solvers (final value for Anderson; &gt; 0)
 * @param damping       fixed-point damping δ ∈ (0, 1]: π ← (1−δ) π + δ softBR(π)
 * @param memory        Anderson memory m ≥ 1
 * @param startTemperature Anderson's initial temperature (continuation τ_k = max(τ, τ_0·ρ^k)); ≥ temperature
 * @param cooling       Anderson continuation factor ρ ∈ (0, 1]
 */
public record SolverOptions(int maxIterations, double target, double learningRate, double temperature,
                            double damping, int memory, double startTemperature, double cooling) {

    public SolverOptions {
        check("iterations", maxIterations, maxIterations >= 1);
        check("target", target, target >= 0);
        check("learning-rate", learningRate, learningRate > 0 && Double.isFinite(learningRate));
        check("temperature", temperature, temperature > 0 && Double.isFinite(temperature));
        check("damping", damping, damping > 0 && damping <= 1);
        check("memory", memory, memory >= 1);
        check("start-temperature", startTemperature, startTemperature >= temperature && Double.isFinite(startTemperature));
        check("cooling", cooling, cooling > 0 && cooling <= 1);
    }

    private static void check(String field, double value, boolean ok) {
        if (!ok) {
            throw new IllegalArgumentException(field + " " + value + " is out of range");
        }
    }

    /** Defaults: 2000 iterations, target 1e-3, η = 1, τ = 1e-3, δ = 0.1, m = 5, τ_0 = 1, ρ = 0.7. */
    public static SolverOptions defaults() {
        return new SolverOptions(2000, 1e-3, 1.0, 1e-3, 0.1, 5, 1.0, 0.7);
    }

    public SolverOptions withIterations(int k) {
        return new SolverOptions(k, target, learningRate, temperature, damping, memory, startTemperature, cooling);
    }

    public SolverOptions withTarget(double e) {
        return new SolverOptions(maxIterations, e, learningRate, temperature, damping, memory, startTemperature, cooling);
    }

    public SolverOptions withLearningRate(double eta) {
        return new SolverOptions(maxIterations, target, eta, temperature, damping, memory, startTemperature, cooling);
    }

    public SolverOptions withTemperature(double tau) {
        return new SolverOptions(maxIterations, target, learningRate, tau, damping, memory,
                Math.max(tau, startTemperature), cooling);
    }

    public SolverOptions withDamping(double d) {
        return new SolverOptions(maxIterations, target, learningRate, temperature, d, memory, startTemperature, cooling);
    }

    public SolverOptions withContinuation(double tau0, double rho) {
        return new SolverOptions(maxIterations, target, learningRate, temperature, damping, memory, tau0, rho);
    }

    public SolverOptions withMemory(int m) {
        return new SolverOptions(maxIterations, target, learningRate, temperature, damping, m, startTemperature, cooling);
    }
}
