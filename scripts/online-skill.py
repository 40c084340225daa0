#!/usr/bin/env python3
"""Band coverage and skill vs persistence of an `mfgcal online --format counts` run, from its output files.

Usage: scripts/online-skill.py COUNTS.csv[.gz] OUT_DIR [HORIZON ...]   (default horizons 1 7)

Observed shares are recomputed from the counts file (share of a zone = its count / the day's total over all rows of
the day; a zone named in the forecasts but absent from the file, e.g. an empty External, has share 0); bin index =
days since 1970-01-01 (daily bins, as ingest numbers them). For every forecast step at horizon h of an issued bin b
whose target b + h was observed: MFG absolute error |mean - observed|, persistence error |observed(b) - observed(b+h)|,
and whether observed(b+h) lies in [lower, upper]. Prints per horizon: n, MAE of both, skill = MAE_mfg / MAE_persistence
(< 1: better than persistence), coverage; coverage also over all horizons, and without zones whose observed share is 0
throughout (they are trivially inside a band clipped at 0). Also counts health states / reasons and warm/cold starts
from parameters.jsonl. Standard library only.
"""
import collections
import datetime
import gzip
import json
import sys


def read_counts(path):
    opener = gzip.open if path.endswith(".gz") else open
    per_day = collections.defaultdict(dict)
    with opener(path, "rt", encoding="utf-8-sig") as f:
        header = f.readline().strip()
        assert header == "at,zone,count", header
        for line in f:
            at, zone, count = line.strip().split(",")
            day = (datetime.date.fromisoformat(at[:10]) - datetime.date(1970, 1, 1)).days
            per_day[day][zone] = per_day[day].get(zone, 0.0) + float(count)
    shares = {}
    for day, z in per_day.items():
        total = sum(z.values())
        if total > 0:
            shares[day] = {k: v / total for k, v in z.items()}
    return shares


def main(argv):
    counts, out = argv[1], argv[2]
    horizons = [int(h) for h in argv[3:]] or [1, 7]
    obs = read_counts(counts)
    health = collections.Counter()
    starts = collections.Counter()
    with open(out + "/parameters.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            h = r.get("health") or {"state": "OK", "reason": ""}
            health[(h["state"], h["reason"].split(": ")[0])] += 1
            starts[r["start"]] += 1
    err = collections.defaultdict(lambda: [0, 0.0, 0.0, 0])  # h -> n, abs err mfg, abs err persistence, inside
    zero_zones = None
    cover_all = [0, 0]
    cover_nonzero = [0, 0]
    with open(out + "/forecasts.jsonl", encoding="utf-8") as f:
        for line in f:
            fc = json.loads(line)
            b = fc["issuedAtBin"]
            zones = fc["zones"]
            if zero_zones is None:
                zero_zones = {z for z in zones if all(s.get(z, 0.0) == 0 for s in obs.values())}
            if b not in obs:
                continue
            for step in fc["steps"]:
                t = step["bin"]
                h = t - b
                if t not in obs:
                    continue
                for i, z in enumerate(zones):
                    o = obs[t].get(z, 0.0)
                    inside = step["lower"][i] <= o <= step["upper"][i]
                    cover_all[0] += inside
                    cover_all[1] += 1
                    if z not in zero_zones:
                        cover_nonzero[0] += inside
                        cover_nonzero[1] += 1
                    if h in horizons:
                        e = err[h]
                        e[0] += 1
                        e[1] += abs(step["mean"][i] - o)
                        e[2] += abs(obs[b].get(z, 0.0) - o)
                        e[3] += inside
    print("updates by start:", dict(starts))
    print("health (state, reason):", dict(health))
    for h in horizons:
        n, m, p, ins = err[h]
        if n == 0:
            print(f"h={h}: no realised steps")
            continue
        print(f"h={h}: n={n} MAE mfg={m / n:.6f} persistence={p / n:.6f} skill={m / p:.4f} coverage={ins / n:.4f}")
    print(f"coverage, all horizons, all zones: {cover_all[0] / max(1, cover_all[1]):.4f} (n={cover_all[1]})")
    print(f"coverage, all horizons, zones with a nonzero share ({len(zero_zones or ())} always-zero left out): "
          f"{cover_nonzero[0] / max(1, cover_nonzero[1]):.4f} (n={cover_nonzero[1]})")


if __name__ == "__main__":
    main(sys.argv)
