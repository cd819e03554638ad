#!/usr/bin/env bash
# Runs the guide programs built in BINDIR (by cc + pkg-config or by CMake) as the guide
# runs them, in separate processes over tcp and ipc, with LIBDIR first on
# LD_LIBRARY_PATH. Before running, checks with readelf/ldd that each program needs
# libzmq.so.5 and loads it from LIBDIR.   run.sh BINDIR LIBDIR
set -uo pipefail
bin="$(cd "${1:?usage: run.sh BINDIR LIBDIR}" && pwd)"
libdir="$(cd "${2:?usage: run.sh BINDIR LIBDIR}" && pwd)"
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zmq-guide.XXXXXX")"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
failed=()
passed=0

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
T() { timeout -k 5 60 "$bin/$@"; }
bg() { timeout -k 5 60 "$bin/$@" & pids+=($!); }

# wait_ok PID NAME: the background process must exit 0.
wait_ok() {
    if ! wait "$1"; then
        echo "   FAIL: $2 (pid $1) exited non-zero"
        return 1
    fi
}

# stop PID...: SIGTERM, repeated while a process lives. A program that ends its
# blocking call on EINTR (zmq_proxy, a recv loop) misses a signal that lands while it is
# between calls (the handler runs, nothing is interrupted): libzmq has the same race.
stop() {
    local p
    for p in "$@"; do
        for _ in $(seq 25); do
            kill -TERM "$p" 2>/dev/null || break
            sleep 0.2
        done
    done
}

scenario() {
    local name="$1"; shift
    printf '== guide %s\n' "$name"
    local log="$tmp/$name.log"
    if ( "$@" ) >"$log" 2>&1; then
        passed=$((passed + 1))
        tail -n 3 "$log" | sed 's/^/   /'
    else
        sed 's/^/   /' "$log"
        echo "   FAIL: guide $name"
        failed+=("$name")
    fi
}

check_binary() {
    local exe="$bin/$1"
    readelf -d "$exe" | grep -q 'NEEDED.*\[libzmq\.so\.5\]' || { echo "$exe does not need libzmq.so.5"; return 1; }
    local loaded
    loaded="$(ldd "$exe" | awk '$1 == "libzmq.so.5" { print $3 }')"
    [ "$(readlink -f "$loaded")" = "$(readlink -f "$libdir/libzmq.so.5")" ] \
        || { echo "$exe loads libzmq.so.5 from '$loaded', not $libdir"; return 1; }
}

hello() {
    local p; p="$(port)"
    bg hwserver "tcp://127.0.0.1:$p" 10; local s=$!
    T hwclient "tcp://localhost:$p" 10 || return 1
    wait_ok "$s" hwserver || return 1
    bg hwserver "ipc://$tmp/hello.ipc" 5; s=$!
    T hwclient "ipc://$tmp/hello.ipc" 5 || return 1
    wait_ok "$s" hwserver
}

weather() {
    local p; p="$(port)"
    bg wuserver "tcp://127.0.0.1:$p" "ipc://$tmp/weather.ipc"; local s=$!
    T wuclient "tcp://localhost:$p" 10001 100 || return 1
    T wuclient "ipc://$tmp/weather.ipc" 10001 100 || return 1
    stop "$s"
    wait_ok "$s" wuserver
}

pipeline() {
    local pv ps pc; pv="$(port)"; ps="$(port)"; pc="$(port)"
    bg tasksink2 "tcp://127.0.0.1:$ps" "tcp://127.0.0.1:$pc" 100; local sink=$!
    local workers=()
    for _ in 1 2 3; do
        bg taskwork2 "tcp://localhost:$pv" "tcp://localhost:$ps" "tcp://localhost:$pc"
        workers+=($!)
    done
    T taskvent "tcp://127.0.0.1:$pv" "tcp://localhost:$ps" 100 || return 1
    wait_ok "$sink" tasksink2 || return 1
    for w in "${workers[@]}"; do wait_ok "$w" taskwork2 || return 1; done
}

broker() {
    local fe be; fe="$(port)"; be="$(port)"
    bg rrbroker "tcp://127.0.0.1:$fe" "tcp://127.0.0.1:$be" 30; local b=$!
    bg rrworker "tcp://localhost:$be"; local w1=$!
    bg rrworker "tcp://localhost:$be"; local w2=$!
    local clients=()
    for _ in 1 2 3; do bg rrclient "tcp://localhost:$fe" 10; clients+=($!); done
    for c in "${clients[@]}"; do wait_ok "$c" rrclient || return 1; done
    wait_ok "$b" rrbroker || return 1
    # A worker blocked in zmq_recv gets EINTR from SIGTERM and exits 0.
    stop "$w1" "$w2"
    wait_ok "$w1" rrworker && wait_ok "$w2" rrworker
}

proxy() {
    local fe; fe="$(port)"
    bg msgqueue "tcp://127.0.0.1:$fe" "ipc://$tmp/backend.ipc"; local q=$!
    bg rrworker "ipc://$tmp/backend.ipc"; local w=$!
    local clients=()
    for _ in 1 2; do bg rrclient "tcp://localhost:$fe" 10; clients+=($!); done
    for c in "${clients[@]}"; do wait_ok "$c" rrclient || return 1; done
    stop "$q" "$w"
    wait_ok "$q" msgqueue && wait_ok "$w" rrworker
}

relay() { T mtrelay; }
monitor() { T monitor "tcp://127.0.0.1:*"; }

programs=(hwserver hwclient wuserver wuclient taskvent taskwork2 tasksink2 rrclient rrworker
    rrbroker msgqueue mtrelay monitor)
printf '== guide binaries in %s load libzmq.so.5 from %s\n' "$bin" "$libdir"
for p in "${programs[@]}"; do
    check_binary "$p" || failed+=("ldd-$p")
done

scenario hello hello
scenario weather weather
scenario pipeline pipeline
scenario broker broker
scenario proxy proxy
scenario relay relay
scenario monitor monitor

echo "guide ($bin): $passed passed, ${#failed[@]} failed ${failed[*]:-}"
[ ${#failed[@]} -eq 0 ]
