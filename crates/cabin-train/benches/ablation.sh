#!/bin/sh
# Ablation of the training recipe on ../shared/data/susy_like_synthetic.csv (split 20 % per
# class, seed 42): test background efficiency of each variant, interpolated along its ROC
# points to the genetic-search reference signal efficiencies, next to the reference.
# Usage (from the repository root): sh crates/cabin-train/benches/ablation.sh [OUTDIR]
# With GENETIC=1 the genetic cut search (--recipe genetic, about 5-10 minutes) runs too, on the
# same split, and is listed as "genetic (same split)".
set -eu
DATA=../shared/data/susy_like_synthetic.csv
OUT=${1:-target/ablation}
mkdir -p "$OUT"
cargo build --release -q
BIN=${CARGO_TARGET_DIR:-target}/release/cabin
run() { name=$1; shift; "$BIN" train --data "$DATA" --label label -o "$OUT/$name.json" "$@" >/dev/null; }
run paper --recipe paper
run adam_only --refine false --recalibrate false
run adam_recal --refine false
run adam_refine_norestart --restarts false --refine-passes 1
run adam_refine_1pass --refine-passes 1
run zero_init --init zero
run no_bags --refine-bags 1
run bags_crossfit --recal-crossfit true
run bags8 --refine-bags 8
run nested --nested true
run default
if [ "${GENETIC:-0}" = 1 ]; then run genetic --recipe genetic; fi
python3 - "$OUT" "${GENETIC:-0}" <<'PY'
import json, sys, os
ga = [(.103, .0000), (.212, .0000), (.308, .0008), (.406, .0020), (.499, .0055),
      (.606, .0160), (.702, .0520), (.799, .1517), (.898, .2513), (.948, .3578)]
def at(points, s):
    pts = sorted([(0.0, 0.0)] + points + [(1.0, 1.0)])
    for (s0, b0), (s1, b1) in zip(pts, pts[1:]):
        if s0 <= s <= s1:
            return b0 if s1 == s0 else b0 + (b1 - b0) * (s - s0) / (s1 - s0)
print("%-24s" % "variant" + "".join("%8.3f" % s for s, _ in ga) + "   s")
print("%-24s" % "genetic search" + "".join("%8.4f" % b for _, b in ga))
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
print("(wins = points at or below the genetic search; miss = max test |eff_sig - target|"
      " for targets 0.1..0.95; tv = total variation of the cuts in standard deviations;"
      " rev = direction reversals; s = seconds)")
names = ["paper", "adam_only", "adam_recal", "adam_refine_norestart", "adam_refine_1pass",
         "zero_init", "no_bags", "bags_crossfit", "bags8", "nested", "default"]
if sys.argv[2] == "1":
    names.append("genetic")
for name in names:
    d = json.load(open(os.path.join(sys.argv[1], name + ".json")))
    pts = [(w["test"]["eff_sig"], w["test"]["eff_bkg"]) for w in d["working_points"]]
    t = d.get("timing", {}).get("total_seconds", 0)
    vals = [at(pts, s) for s, _ in ga]
    wins = sum(1 for v, (_, b) in zip(vals, ga) if v <= b)
    miss = max(abs(w["test"]["eff_sig"] - w["target"]) for w in d["working_points"]
               if 0.1 <= w["target"] <= 0.95)
    tv, rev = smooth(d)
    label = "genetic (same split)" if name == "genetic" else name
    print("%-24s" % label + "".join("%8.4f" % v for v in vals)
          + "  wins %2d miss %.4f tv %5.2f rev %2d %5.1f s" % (wins, miss, tv, rev, t))
PY
