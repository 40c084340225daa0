#!/usr/bin/env bash
# Runs the outbreak fits of calibrator/CALIBRATION.md ("Outbreak fits") on every series of data/epidemics and prints
# one table row per dataset (R² of mfg / sir_ode / baseline_ode, fitted values ± s.e., R0, wall time).
# Usage: scripts/fit-epidemics.sh [OUTDIR] (default runs/epidemics). Populations: data/epidemics/PROVENANCE.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-runs/epidemics}"
mkdir -p "$out"
while read -r name pop; do
  [ -z "$name" ] && continue
  start=$(date +%s.%N)
  "$root/bin/mfgcal" calibrate --game sir --incidence "$root/data/epidemics/$name.csv" --population "$pop" \
      --quiet --out "$out/$name" > "$out/$name.log" 2>&1
  end=$(date +%s.%N)
  python3 - "$out/$name/result.json" "$name" "$pop" "$(echo "$end - $start" | bc)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); i = r["incidence"]; m = i["fits"]["mfg"]; o = i["fits"]["sir_ode"]
se = lambda v: "n/a" if v is None else "%.2g" % v
print("| %s | %d | %s | %.4f | %.4f | %.4f | %.4g ± %s | %.4g ± %s | %.3g ± %s | %.3g | %.3g ± %s | %.4g ± %s | %.3g | %.0f s |" % (
    sys.argv[2], len(i["observed"]), sys.argv[3], i["mfg_r2"], i["sir_ode_r2"], i.get("baseline_ode_r2", float("nan")),
    m["beta"], se(m["beta_se"]), m["gamma_rec"], se(m["gamma_rec_se"]), m["i0"], se(m["i0_se"]), m["kappa"],
    m["r0"], se(m["r0_se"]), o["r0"], se(o["r0_se"]), m["contact_min"], float(sys.argv[4])))
PY
done <<'LIST'
measles-1861-hagelloch 188
flu-2009-pennsylvania 370
flu-2009-nyc-school 2686
flu-1918-baltimore 24808
smallpox-1972-kosovo 1243693
sars-2003-hong-kong 6730800
rotavirus-mock 100000
mers-2014-15-local 30770000
LIST
