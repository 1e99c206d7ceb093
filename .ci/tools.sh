#!/usr/bin/env bash
# Installs the hardware tools `cabin verify` runs and the HLS `ap_types` headers, then prints
# their versions. Idempotent: packages already installed and headers already cached are kept.
#
#   iverilog  (Debian package iverilog)   Icarus Verilog simulation
#   verilator (Debian package verilator)  Verilator simulation
#   yosys     (Debian package yosys)      `cabin verify --formal`
#   g++       (Debian package g++)        HLS C simulation
#   ap_types  headers from the hls4ml wheel on PyPI, unpacked into $HOME/.cache/cabin/ap_types
#             (the default place `cabin verify` looks; never committed)
set -euo pipefail

need=()
for pair in iverilog:iverilog vvp:iverilog verilator:verilator yosys:yosys g++:g++; do
    tool=${pair%%:*}
    pkg=${pair##*:}
    if ! command -v "$tool" >/dev/null 2>&1; then
        need+=("$pkg")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    # Sort and de-duplicate (iverilog provides both iverilog and vvp).
    mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
    echo "installing: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${need[@]}"
fi

ap_dir="${HOME}/.cache/cabin/ap_types"
if [ -f "$ap_dir/ap_fixed.h" ] && [ -f "$ap_dir/ap_int.h" ]; then
    echo "ap_types: already in $ap_dir"
else
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" hls4ml
    wheel=$(find "$tmp" -maxdepth 1 -name 'hls4ml-*.whl' | head -n 1)
    if [ -z "$wheel" ]; then
        echo "error: pip did not download an hls4ml wheel" >&2
        exit 2
    fi
    # A wheel is a zip file; take only the headers out of it.
    python3 - "$wheel" "$tmp/unpacked" <<'PY'
import sys
import zipfile

prefix = "hls4ml/templates/vivado/ap_types/"
with zipfile.ZipFile(sys.argv[1]) as wheel:
    members = [n for n in wheel.namelist() if n.startswith(prefix) and not n.endswith("/")]
    wheel.extractall(sys.argv[2], members)
PY
    src="$tmp/unpacked/hls4ml/templates/vivado/ap_types"
    if [ ! -f "$src/ap_fixed.h" ]; then
        echo "error: $(basename "$wheel") has no hls4ml/templates/vivado/ap_types/ap_fixed.h" >&2
        exit 2
    fi
    # Stage next to the destination, then rename: never a half-filled cache.
    mkdir -p "$(dirname "$ap_dir")"
    stage=$(mktemp -d "$(dirname "$ap_dir")/.ap_types.XXXXXX")
    cp -R "$src/." "$stage/"
    rm -rf "$ap_dir"
    mv "$stage" "$ap_dir"
    echo "ap_types: unpacked from $(basename "$wheel") into $ap_dir"
fi

echo "versions:"
echo "  $(iverilog -V 2>&1 | head -n 1)"
echo "  $(verilator --version 2>&1 | head -n 1)"
echo "  $(yosys -V 2>&1 | head -n 1)"
echo "  $(g++ --version 2>&1 | head -n 1)"
