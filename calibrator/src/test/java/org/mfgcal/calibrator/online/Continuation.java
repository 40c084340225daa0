package org.mfgcal.calibrator.online;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.mfgcal.api.ClosedBin;
import org.mfgcal.api.ParameterUpdate;
import org.mfgcal.api.UpdateResult;

/**
 * Shared check of a restored calibrator (also used by app's tests through the calibrator test-jar): fed the same
 * bins, the original and the restored instance return equal {@link UpdateResult}s, records compared with
 * {@code assertEquals} (so every double exactly), {@code latencyMillis} set to 0 on both sides.
 */
public final class Continuation {

    /** What the compared bins contained. */
    public record Seen(int published, int realised, int alerts, int warm) {
    }

    private Continuation() {
    }

    /** Feeds {@code next} to both and asserts equal results per bin; returns what was compared. */
    public static Seen assertSameUpdates(RegionCalibrator original, RegionCalibrator restored, List<ClosedBin> next) {
        int published = 0;
        int realised = 0;
        int alerts = 0;
        int warm = 0;
        for (ClosedBin b : next) {
            UpdateResult want = withoutLatency(original.update(b));
            UpdateResult got = withoutLatency(restored.update(b));
            assertEquals(want, got, "bin " + b.observation().bin());
            assertEquals(original.driftScore(), restored.driftScore(), 0.0, "drift score at bin " + b.observation().bin());
            assertEquals(original.activeAlerts(), restored.activeAlerts(), "active alerts at bin " + b.observation().bin());
            assertEquals(original.isWarm(), restored.isWarm(), "warm after bin " + b.observation().bin());
            if (want.published()) {
                published++;
                realised += want.forecast().realised().size();
                if (want.parameters().start() == ParameterUpdate.Start.WARM) {
                    warm++;
                }
            }
            alerts += want.alerts().size();
        }
        return new Seen(published, realised, alerts, warm);
    }

    /** The result with {@code latencyMillis} = 0 (the only field that differs between equal computations). */
    public static UpdateResult withoutLatency(UpdateResult r) {
        ParameterUpdate p = r.parameters();
        if (p == null) {
            return r;
        }
        ParameterUpdate q = new ParameterUpdate(p.region(), p.bin(), p.parameters(), p.loss(), p.exploitability(),
                p.optimiserSteps(), p.picardIterations(), p.adjointIterations(), p.start(), 0.0, p.provenance());
        return new UpdateResult(r.observation(), q, r.forecast(), r.alerts());
    }
}
