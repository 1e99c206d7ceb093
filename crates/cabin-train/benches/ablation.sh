#!/bin/sh
# Ablation of the training recipe on ../shared/data/susy_like_synthetic.csv (split 20 % per
# class, seed 42): test background efficiency of each variant, interpolated along its ROC
# points to the genetic-search reference signal efficiencies, next to the reference.
# Usage (from the repository root): sh crates/cabin-train/benches/ablation.sh [OUTDIR]
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
run default
python3 - "$OUT" <<'PY'
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
for name in ["paper", "adam_only", "adam_recal", "adam_refine_norestart", "adam_refine_1pass",
             "zero_init", "default"]:
    d = json.load(open(os.path.join(sys.argv[1], name + ".json")))
    pts = [(w["test"]["eff_sig"], w["test"]["eff_bkg"]) for w in d["working_points"]]
    t = d.get("timing", {}).get("total_seconds", 0)
    print("%-24s" % name + "".join("%8.4f" % at(pts, s) for s, _ in ga) + "  %4.1f" % t)
PY
