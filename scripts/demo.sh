#!/usr/bin/env bash
# Builds the library and runs a C program written for libzmq against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh

ensure_apt pkg-config cmake libsodium-dev libzmq3-dev binutils

echo "== cargo build --release"
cargo build --release --lib

out="$root/target/demo"
# Programs look for their soname, libzmq.so.5, which cargo does not create: point one at
# our library so LD_LIBRARY_PATH selects it instead of the installed libzmq.
mkdir -p "$out/lib"
ln -sf ../../release/libzmq.so "$out/lib/libzmq.so.5"
echo "== C REQ/REP over inproc, compiled against include/zmq.h, linked with our libzmq.so"
cc -std=c11 -Wall -Wextra -Werror -I include -o "$out/reqrep_inproc" \
    examples/reqrep_inproc.c -L target/release -lzmq -lpthread
loaded="$(LD_LIBRARY_PATH="$out/lib" ldd "$out/reqrep_inproc" | awk '$1 == "libzmq.so.5" { print $3 }')"
if [ "$(readlink -f "$loaded")" != "$(readlink -f target/release/libzmq.so)" ]; then
    echo "the demo would load $loaded, not our library" >&2
    exit 1
fi
echo "loads libzmq.so.5 from $loaded -> target/release/libzmq.so"
LD_LIBRARY_PATH="$out/lib" "$out/reqrep_inproc"

echo "== pyzmq (PyPI wheel, pinned) with our library in LD_PRELOAD"
if [ ! -x "$out/venv/bin/python" ]; then
    python3 -m venv "$out/venv"
fi
"$out/venv/bin/pip" install --quiet "pyzmq==27.3.0"
LD_PRELOAD="$out/lib/libzmq.so.5" "$out/venv/bin/python" examples/pyzmq_reqrep.py
# Prove it: every zmq_* symbol pyzmq's extension uses must bind to our file, not to the
# libzmq bundled in the wheel.
bindings="$(LD_DEBUG=bindings LD_PRELOAD="$out/lib/libzmq.so.5" "$out/venv/bin/python" \
    examples/pyzmq_reqrep.py 2>&1 >/dev/null | grep "normal symbol \`zmq_" || true)"
ours="$(printf '%s\n' "$bindings" | grep -c "to $out/lib/libzmq.so.5" || true)"
others="$(printf '%s\n' "$bindings" | grep -vc "to $out/lib/libzmq.so.5" || true)"
echo "pyzmq's zmq_* symbols bound to our library: $ours, elsewhere: $others"
if [ "$ours" -eq 0 ] || [ "$others" -ne 0 ]; then
    echo "pyzmq did not use our library for every call" >&2
    exit 1
fi

echo "== demo done"
