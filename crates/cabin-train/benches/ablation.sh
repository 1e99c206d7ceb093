#!/bin/sh
# Ablation of the training recipe on ../shared/data/susy_like_synthetic.csv (split 20 % per
# class): test background efficiency of each variant, interpolated along its ROC points to the
# genetic-search reference signal efficiencies, next to the reference.
# Usage (from the repository root): sh crates/cabin-train/benches/ablation.sh [OUTDIR]
# SEEDS="42 1 2" runs every variant on each of those splits and prints the mean over them
# (default: seed 42 alone). One split's test sample is small: two variants' difference is only
# measured by the mean of their per-split differences, which is printed against the default.
# With GENETIC=1 the genetic cut search (--recipe genetic, about 5-10 minutes per split) runs
# too, on the same splits, and is listed as "genetic (same split)".
set -eu
DATA=../shared/data/susy_like_synthetic.csv
OUT=${1:-target/ablation}
SEEDS=${SEEDS:-42}
mkdir -p "$OUT"
# BIN=path runs that binary instead of building this checkout (e.g. a copy kept aside while
# the source changes).
if [ -z "${BIN:-}" ]; then
    cargo build --release -q
    BIN=${CARGO_TARGET_DIR:-target}/release/cabin
fi
run() {
    name=$1; shift
    for seed in $SEEDS; do
        "$BIN" train --data "$DATA" --label label --seed "$seed" -o "$OUT/$name.$seed.json" "$@" \
            >/dev/null
    done
}
run paper --recipe paper
run adam_only --refine false --recalibrate false
run adam_recal --refine false
run adam_refine_norestart --restarts false --refine-passes 1
run adam_refine_1pass --refine-passes 1
run zero_init --init zero
run no_direction_search --direction-search false
run no_pairs --pairs false
run no_bags --refine-bags 1
run bags_all --bag-agree false
run bags_crossfit --recal-crossfit true
run bags8 --refine-bags 8
run nested --nested true
run default
if [ "${GENETIC:-0}" = 1 ]; then run genetic --recipe genetic; fi
python3 - "$OUT" "${GENETIC:-0}" $SEEDS <<'PY'
import json, sys, os
out, genetic, seeds = sys.argv[1], sys.argv[2], sys.argv[3:]
ga = [(.103, .0000), (.212, .0000), (.308, .0008), (.406, .0020), (.499, .0055),
      (.606, .0160), (.702, .0520), (.799, .1517), (.898, .2513), (.948, .3578)]
def at(points, s):
    pts = sorted([(0.0, 0.0)] + points + [(1.0, 1.0)])
    for (s0, b0), (s1, b1) in zip(pts, pts[1:]):
        if s0 <= s <= s1:
            return b0 if s1 == s0 else b0 + (b1 - b0) * (s - s0) / (s1 - s0)
def smooth(d):
    wps = sorted(d["working_points"], key=lambda w: w["target"])
    scale = {f["name"]: f["scale"] for f in d["features"]}
    tv, rev = 0.0, 0
    for k, c0 in enumerate(wps[0]["cuts"]):
        c = [w["cuts"][k]["value"] / scale[c0["feature"]] for w in wps]
        steps = [b - a for a, b in zip(c, c[1:]) if b != a]
        tv += sum(abs(x) for x in steps)
        rev += sum(1 for a, b in zip(steps, steps[1:]) if a * b < 0)
    return tv, rev
def mean(xs):
    return sum(xs) / len(xs)
def load(name):
    rows = []
    for seed in seeds:
        d = json.load(open(os.path.join(out, "%s.%s.json" % (name, seed))))
        pts = [(w["test"]["eff_sig"], w["test"]["eff_bkg"]) for w in d["working_points"]]
        miss = max(abs(w["test"]["eff_sig"] - w["target"]) for w in d["working_points"]
                   if 0.1 <= w["target"] <= 0.95)
        t = d.get("timing", {}).get("total_seconds", 0)
        rows.append(([at(pts, s) for s, _ in ga], miss, smooth(d), t))
    return rows
print("splits: seed %s%s" % (", ".join(seeds), " (means over them)" if len(seeds) > 1 else ""))
print("%-24s" % "variant" + "".join("%8.3f" % s for s, _ in ga) + "   s")
print("%-24s" % "genetic search" + "".join("%8.4f" % b for _, b in ga))
names = ["paper", "adam_only", "adam_recal", "adam_refine_norestart", "adam_refine_1pass",
         "zero_init", "no_direction_search", "no_pairs", "no_bags", "bags_all", "bags_crossfit", "bags8", "nested",
         "default"]
if genetic == "1":
    names.append("genetic")
base = load("default")
for name in names:
    rows = load(name)
    vals = [mean(c) for c in zip(*[r[0] for r in rows])]
    wins = sum(1 for v, (_, b) in zip(vals, ga) if v <= b)
    miss = max(r[1] for r in rows)
    tv, rev = mean([r[2][0] for r in rows]), mean([r[2][1] for r in rows])
    t = mean([r[3] for r in rows])
    label = "genetic (same split)" if name == "genetic" else name
    print("%-24s" % label + "".join("%8.4f" % v for v in vals)
          + "  wins %2d miss %.4f tv %5.2f rev %4.1f %5.1f s" % (wins, miss, tv, rev, t))
    if len(seeds) > 1 and name != "default":
        diff = [[a - b for a, b in zip(r[0], d[0])] for r, d in zip(rows, base)]
        cols = list(zip(*diff))
        sem = [(sum((x - mean(c)) ** 2 for x in c) / (len(c) - 1) / len(c)) ** 0.5 for c in cols]
        print("%-24s" % "  - default" + "".join("%+8.4f" % mean(c) for c in cols))
        print("%-24s" % "    +- (std. error)" + "".join("%8.4f" % e for e in sem))
print("(wins = points at or below the genetic search; miss = largest test |eff_sig - target|"
      " for targets 0.1..0.95; tv = total variation of the cuts in standard deviations;"
      " rev = direction reversals; s = seconds per run)")
PY
