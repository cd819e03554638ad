#!/usr/bin/env bash
# Builds the library and runs a C program written for libzmq against it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh

ensure_apt pkg-config cmake libzmq3-dev binutils

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

# ---- pyzmq demo goes here -------------------------------------------------------------
# (to be added: a pyzmq REQ/REP run with LD_LIBRARY_PATH="$out/lib", checking
#  zmq.zmq_version() and that the process maps our library)
# ----------------------------------------------------------------------------------------

echo "== demo done"
