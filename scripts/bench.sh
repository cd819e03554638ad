#!/usr/bin/env bash
# Runs the side-by-side benchmark (perf/compare.py) against the installed libzmq:
# installs what it needs when missing (libzmq, for the comparison; matplotlib, for
# --chart), builds our library in release mode, then passes its arguments on:
#     scripts/bench.sh --quick --chart docs/benchmark.png
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/prereqs.sh

ensure_apt gcc libzmq5 libzmq3-dev libsodium-dev python3 python3-pip
if ! python3 -c "import matplotlib" 2>/dev/null; then
    echo "Installing matplotlib (for --chart)"
    # Debian marks its Python as externally managed; pip then needs the override.
    python3 -m pip install matplotlib 2>/dev/null \
        || python3 -m pip install --break-system-packages matplotlib
fi
cargo build --release
exec perf/compare.py "$@"
