#!/usr/bin/env bash
# Re-derives calibrator/src/main/resources/data/measles/hagelloch-1861-incidence.csv from the Debian package
# r-cran-epiestim (dataset Measles1861: daily incidence of measles onsets, Hagelloch 1861, 188 children).
# Needs: apt-get (Debian), R (apt-get install -y r-base-core). Run from the repository root.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/calibrator/src/main/resources/data/measles/hagelloch-1861-incidence.csv"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download r-cran-epiestim >/dev/null
deb=$(ls r-cran-epiestim_*.deb)
dpkg -x "$deb" pkg
rda=$(find pkg -name 'Measles1861.rda' | head -1)
[ -n "$rda" ] || { echo "Measles1861.rda not found in $deb" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
Rscript --vanilla -e "load('$rda'); inc <- Measles1861\$incidence; \
  write.csv(data.frame(day = seq_along(inc) - 1L, incidence = as.integer(inc)), '$out', row.names = FALSE, quote = FALSE)"
echo "wrote $out from $deb ($(sha256sum "$rda" | cut -c1-16)...)" >&2
