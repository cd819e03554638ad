#!/usr/bin/env bash
# Runs every php-zmq scenario (Debian's php-cli + php-zmq) against one libzmq, once with
# it in LD_PRELOAD and once found through LD_LIBRARY_PATH. Each scenario checks in
# /proc/self/maps that this library, and no other libzmq, is mapped.
#   run.sh LIBDIR   LIBDIR holds libzmq.so.5 (ours: a link to target/release/libzmq.so)
# ZT_PHP_MODES="preload ldpath" selects the modes. Exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
libdir="$(cd "${1:?usage: run.sh LIBDIR}" && pwd)"
lib="$libdir/libzmq.so.5"
[ -e "$lib" ] || { echo "no $lib" >&2; exit 2; }
export ZMQ_EXPECT_LIB
ZMQ_EXPECT_LIB="$(readlink -f "$lib")"
scenarios=(reqrep pubsub pipeline broker pair_ipc config_push)
failed=()
passed=0

# Negative control: without interposition php-zmq maps Debian's libzmq, and the
# scenarios' own check must notice (otherwise a pass would prove nothing).
if [ "$ZMQ_EXPECT_LIB" != "$(readlink -f /usr/lib/x86_64-linux-gnu/libzmq.so.5 2>/dev/null)" ]; then
    if timeout 60 php "$here/reqrep.php" >/dev/null 2>&1; then
        echo "FAIL: the library check passed without interposition" >&2
        failed+=("negative-control")
    else
        echo "ok: without LD_PRELOAD/LD_LIBRARY_PATH the scenarios refuse to run (another libzmq)"
    fi
fi

for mode in ${ZT_PHP_MODES:-preload ldpath}; do
    for s in "${scenarios[@]}"; do
        printf '== php %-12s (%s)\n' "$s" "$mode"
        case "$mode" in
            preload) env=(LD_PRELOAD="$lib") ;;
            ldpath) env=(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}") ;;
            *) echo "unknown mode $mode" >&2; exit 2 ;;
        esac
        log="$(mktemp)"
        if env "${env[@]}" timeout 120 php "$here/$s.php" >"$log" 2>&1; then
            grep -E 'uses |PASS' "$log" | head -2 | sed 's/^/   /'
            passed=$((passed + 1))
        else
            rc=$?
            sed 's/^/   /' "$log"
            echo "   FAIL: php $s ($mode) exited $rc"
            failed+=("php-$s-$mode")
        fi
        rm -f "$log"
    done
done
echo "php-zmq: $passed passed, ${#failed[@]} failed ${failed[*]:-}"
[ ${#failed[@]} -eq 0 ]
