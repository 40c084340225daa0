package org.mfgcal.calibrator.calibrate;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.mfgcal.calibrator.solver.SquaredLoss;
import org.mfgcal.calibrator.optim.Adam;

/**
 * The training loop of docs/MODEL.md §4: per epoch the training trajectories are shuffled (seeded) and cut into
 * batches; each trajectory's loss is the squared error over a random window [s, s+Δ) of the observed states (the
 * solve always runs the full horizon from μ^obs_0); one Adam step per batch on the mean loss plus the
 * parameterisation's penalty. After every {@code evalEvery} epochs the full-horizon Mu L2 on the validation split
 * (the training split when there is none) is computed and the best weights are kept (best-checkpoint selection).
 * Warm starts: each trajectory's last μ* starts its next solve. Not thread-safe.
 */
public final class Trainer {

    /** Progress callback (the CLI draws its progress bar from it). */
    public interface Listener {
        void epoch(int epoch, int epochs, double trainLoss, double validation, boolean best, long elapsedNanos);

        Listener NONE = (e, n, l, v, b, t) -> { };
    }

    /** Outcome: the best weights (already loaded into the model), the curves and the cost. */
    public record Result(double[] bestTheta, int bestEpoch, double bestValidation, double[] trainLoss,
                         double[] validation, long notConverged, double seconds, double cpuSeconds, Adam.State adam) {
    }

    private final TrainingConfig cfg;
    private final Listener listener;

    public Trainer(TrainingConfig cfg, Listener listener) {
        this.cfg = cfg;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    public Result train(Model model, Dataset data) {
        final int nT = data.steps();
        final int d = data.states();
        final List<Sample> train = data.train();
        final List<Sample> val = data.validation().isEmpty() ? train : data.validation();
        final Random rnd = new Random(cfg.seed());
        final int delta = cfg.window(nT);
        final SquaredLoss base = new SquaredLoss(nT, d, 0, nT, data.observed());
        final double[] theta = model.theta();
        final Adam adam = new Adam(theta.length, cfg.learningRate());
        final double[] grad = new double[theta.length];
        final double[][] warm = new double[train.size()][];
        final double[][] valWarm = new double[val.size()][];
        final int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        final int bsz = Math.min(cfg.batchSize(), train.size());
        Sample[] batch = new Sample[bsz];
        SquaredLoss[] losses = new SquaredLoss[bsz];
        double[][] bw = new double[bsz][];
        int[] idx = new int[bsz];
        List<Double> trainCurve = new ArrayList<>();
        List<Double> valCurve = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        double[] bestTheta = theta.clone();
        long bad = 0;
        long t0 = System.nanoTime();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.isCurrentThreadCpuTimeSupported() ? mx.getCurrentThreadCpuTime() : -1;
        for (int epoch = 1; epoch <= cfg.epochs(); epoch++) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double sum = 0;
            int batches = 0;
            for (int start = 0; start < order.length; start += bsz) {
                int count = Math.min(bsz, order.length - start);
                for (int i = 0; i < count; i++) {
                    idx[i] = order[start + i];
                    batch[i] = train.get(idx[i]);
                    int s = delta >= nT ? 0 : rnd.nextInt(nT - delta + 1);
                    losses[i] = base.window(s, delta);
                    bw[i] = warm[idx[i]];
                }
                Model.BatchResult r = model.gradient(batch, count, losses, bw, grad);
                for (int i = 0; i < count; i++) {
                    warm[idx[i]] = bw[i];
                }
                bad += r.notConverged();
                double pen = model.parameterisation().penalty(theta, grad);
                if (Double.isFinite(r.loss())) {
                    sum += r.loss() + pen;
                    batches++;
                }
                adam.step(theta, grad);
            }
            double trainLoss = sum / Math.max(1, batches);
            trainCurve.add(trainLoss);
            boolean isBest = false;
            double v = Double.NaN;
            if (epoch % cfg.evalEvery() == 0 || epoch == cfg.epochs()) {
                v = Evaluation.meanMuL2(model, val, data.observed(), valWarm);
                valCurve.add(v);
                if (v < best) {
                    best = v;
                    bestEpoch = epoch;
                    System.arraycopy(theta, 0, bestTheta, 0, theta.length);
                    isBest = true;
                }
            }
            listener.epoch(epoch, cfg.epochs(), trainLoss, v, isBest, System.nanoTime() - t0);
        }
        Adam.State st = adam.state();
        model.setTheta(bestTheta);
        return new Result(bestTheta, bestEpoch, best, toArray(trainCurve), toArray(valCurve), bad,
                (System.nanoTime() - t0) / 1e9, c0 < 0 ? Double.NaN : (mx.getCurrentThreadCpuTime() - c0) / 1e9, st);
    }

    private static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }
}
