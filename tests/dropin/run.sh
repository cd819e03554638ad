#!/usr/bin/env bash
# Binary drop-in: builds dropin.c against Debian's /usr/include/zmq.h and links it to
# Debian's libzmq.so.5 (libzmq3-dev), runs it as is, then runs the same binary with
# LIBDIR first on LD_LIBRARY_PATH (ldd must show LIBDIR's libzmq.so.5) and requires
# identical output.   run.sh LIBDIR
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
libdir="$(cd "${1:?usage: run.sh LIBDIR}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/zmq-dropin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
system_lib="$(readlink -f /usr/lib/x86_64-linux-gnu/libzmq.so.5)"

echo "== drop-in: build against /usr/include/zmq.h and Debian's libzmq"
${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -I/usr/include -o "$work/dropin" "$here/dropin.c" \
    -L/usr/lib/x86_64-linux-gnu -lzmq -lpthread || fail "build"
hdr="$(${CC:-cc} -std=gnu11 -I/usr/include -M "$here/dropin.c" | tr ' \\' '\n\n' | grep '/zmq\.h$' | head -1)"
[ "$hdr" = /usr/include/zmq.h ] || fail "compiled with $hdr"
readelf -d "$work/dropin" | grep -q 'NEEDED.*\[libzmq\.so\.5\]' || fail "does not need libzmq.so.5"

loaded="$(env -u LD_LIBRARY_PATH ldd "$work/dropin" | awk '$1 == "libzmq.so.5" { print $3 }')"
[ "$(readlink -f "$loaded")" = "$system_lib" ] || fail "without LD_LIBRARY_PATH it loads $loaded"
echo "   as built it loads $loaded -> $system_lib"
mkdir "$work/ipc-sys" "$work/ipc-ours"
env -u LD_LIBRARY_PATH timeout 60 "$work/dropin" "$work/ipc-sys" >"$work/system.txt" \
    || { cat "$work/system.txt"; fail "the program fails with Debian's libzmq itself"; }

loaded="$(LD_LIBRARY_PATH="$libdir" ldd "$work/dropin" | awk '$1 == "libzmq.so.5" { print $3 }')"
[ "$(readlink -f "$loaded")" = "$(readlink -f "$libdir/libzmq.so.5")" ] \
    || fail "with LD_LIBRARY_PATH=$libdir it loads $loaded"
echo "   with LD_LIBRARY_PATH=$libdir it loads $loaded -> $(readlink -f "$loaded")"
LD_LIBRARY_PATH="$libdir" timeout 60 "$work/dropin" "$work/ipc-ours" >"$work/ours.txt"
rc=$?
if ! diff -u --label "Debian libzmq" --label "LD_LIBRARY_PATH=$libdir" \
        "$work/system.txt" "$work/ours.txt"; then
    fail "output differs from Debian's libzmq (exit $rc)"
fi
[ $rc -eq 0 ] || fail "exit $rc"
echo "   identical output ($(wc -l <"$work/ours.txt") lines: msg, errno, inproc/tcp/ipc, poll, pub/sub, proxy, monitor)"
echo "drop-in: PASS"
