#!/usr/bin/env bash
# Re-derives data/flights/ from the npm package vega-datasets@1.31.1 (see data/flights/PROVENANCE.md).
# Needs: npm, gzip, awk, JDK 17 (the region YAML is computed by org.mfgcal.ingest.flights.FlightsRegion).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/data/flights"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

(cd "$tmp" && npm pack --silent vega-datasets@1.31.1 >/dev/null \
  && tar xzf vega-datasets-1.31.1.tgz package/data/flights-3m.csv package/data/airports.csv)
src="$tmp/package/data"

# 1. The full file, unchanged, gzipped reproducibly (-n: no name/time stamp).
gzip -9 -n -c "$src/flights-3m.csv" > "$out/flights-3m.csv.gz"

# 2. One week (local departure dates 2001-01-01..2001-01-07, Monday..Sunday), header kept.
awk -F, 'NR == 1 || substr($1, 1, 4) <= "0107"' "$src/flights-3m.csv" > "$out/flights-week1.csv"

# 3. The airports the flights use (header + rows in airports.csv order).
awk -F, 'NR == FNR { if (FNR > 1) { used[$4] = 1; used[$5] = 1 } next }
         FNR == 1 || ($1 in used)' "$src/flights-3m.csv" "$src/airports.csv" > "$out/airports.csv"

# 4. The default region (top-10 busiest + External, hourly bins, initial stocks from the full file).
cd "$root"
./mvnw -q -B -pl ingest -am -DskipTests compile
# FlightsRegion needs only the JDK and the ingest classes.
java -cp ingest/target/classes org.mfgcal.ingest.flights.FlightsRegion \
  "$out/flights-3m.csv.gz" "$out/airports.csv" 10 "$out/region-flights.yaml"

wc -l "$out/flights-week1.csv" "$out/airports.csv"
ls -l "$out"
