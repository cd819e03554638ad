#!/usr/bin/env bash
# Builds the cppzmq programs (Debian's header-only cppzmq-dev) against OUR include/zmq.h
# (our include dir comes first, so zmq.hpp's #include <zmq.h> finds ours), links them to
# our library and runs them; checks with readelf/ldd which libzmq they load. poller.cpp
# is compiled with ZMQ_BUILD_DRAFT_API (cppzmq's poller_t/active_poller_t exist only
# then), which also makes zmq.hpp use the draft message and group functions.
#   run.sh ROOT LIBDIR    ROOT: the repository, LIBDIR: holds our libzmq.so.5
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "${1:?usage: run.sh ROOT LIBDIR}" && pwd)"
libdir="$(cd "${2:?usage: run.sh ROOT LIBDIR}" && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/zmq-cpp.XXXXXX")"
trap 'rm -rf "$out"' EXIT
failed=()
for prog in reqrep pubsub poller; do
    printf '== cppzmq %s\n' "$prog"
    defines=()
    if [ "$prog" = poller ]; then
        defines=(-DZMQ_BUILD_DRAFT_API)
    fi
    # Prove which zmq.h the compiler uses.
    hdr="$(${CXX:-c++} -std=c++17 "${defines[@]}" -I "$root/include" -M "$here/$prog.cpp" | tr ' \\' '\n\n' | grep '/zmq\.h$' | head -1)"
    if [ "$(readlink -f "$hdr")" != "$(readlink -f "$root/include/zmq.h")" ]; then
        echo "   FAIL: compiled with $hdr, not our include/zmq.h"; failed+=("$prog-header"); continue
    fi
    if ! ${CXX:-c++} -std=c++17 -Wall -Wextra -Werror "${defines[@]}" -I "$root/include" -o "$out/$prog" \
        "$here/$prog.cpp" -L "$libdir" -lzmq -lpthread; then
        echo "   FAIL: build"; failed+=("$prog-build"); continue
    fi
    loaded="$(LD_LIBRARY_PATH="$libdir" ldd "$out/$prog" | awk '$1 == "libzmq.so.5" { print $3 }')"
    if [ "$(readlink -f "$loaded")" != "$(readlink -f "$libdir/libzmq.so.5")" ]; then
        echo "   FAIL: loads '$loaded'"; failed+=("$prog-ldd"); continue
    fi
    echo "   zmq.h: $hdr; loads libzmq.so.5 from $loaded"
    if LD_LIBRARY_PATH="$libdir" timeout 60 "$out/$prog" 2>&1 | sed 's/^/   /'; [ "${PIPESTATUS[0]}" -eq 0 ]; then
        :
    else
        echo "   FAIL: cppzmq $prog"; failed+=("$prog")
    fi
done
echo "cppzmq: ${#failed[@]} failed ${failed[*]:-}"
[ ${#failed[@]} -eq 0 ]
