#!/usr/bin/env bash
# End to end on the bundled sample: train (a few epochs) -> quantize (16 bits, formats chosen
# from the data) -> export Verilog and HLS -> verify both bit for bit against cabin-infer with
# every simulator required (and the Yosys proof when yosys is installed).
#
# Uses the release binary the test command built (target/release/cabin, or
# $CARGO_TARGET_DIR/release/cabin); builds it only if it is missing. Work files go to a
# temporary folder that is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${CARGO_TARGET_DIR:-target}/release/cabin"
if [ ! -x "$bin" ]; then
    cargo build --release --bin cabin
fi
data=data/Higgs_data.root
if [ ! -f "$data" ]; then
    echo "error: $data not found" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "-- train"
"$bin" train "$data" --epochs 5 -o "$work/cuts.json"
echo "-- quantize"
"$bin" quantize "$work/cuts.json" --bits 16 --auto -o "$work/cuts_q.json"
echo "-- export"
"$bin" export "$work/cuts_q.json" --target verilog -o "$work/rtl"
"$bin" export "$work/cuts_q.json" --target hls -o "$work/hls"
echo "-- verify"
formal=()
if command -v yosys >/dev/null 2>&1; then
    formal=(--formal)
fi
"$bin" verify "$work/cuts_q.json" --target all --rtl "$work/rtl" --hls "$work/hls" \
    --data "$data" --vectors 100000 --require iverilog,verilator,gxx "${formal[@]}"
echo "e2e: OK"
