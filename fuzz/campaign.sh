#!/bin/sh
# Runs every fuzz target for SECONDS each (default 90), one at a time at the lowest
# priority, starting from the committed seeds (copied into corpus/<target>/, which is
# not committed). Prints one line per target: wall seconds, CPU seconds (user+system of
# the fuzzer, via /usr/bin/time), executions, corpus size, result.
#
#   fuzz/campaign.sh [SECONDS] [TARGET...]
#
# A crash leaves its input in fuzz/artifacts/<target>/; minimize it with
#   cargo +nightly fuzz tmin <target> <artifact>
# and commit the result under fuzz/seeds/<target>/ so `cargo test` replays it.
set -u
cd "$(dirname "$0")"
seconds=${1:-90}
[ $# -gt 0 ] && shift
targets=${*:-$(cargo +nightly fuzz list)}

command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz
nice -n 19 cargo +nightly fuzz build -O >/dev/null 2>&1 || {
    echo "build failed" >&2
    exit 1
}
mkdir -p logs
printf '%-16s %6s %6s %12s %8s  %s\n' target wall cpu execs corpus result
for t in $targets; do
    mkdir -p "corpus/$t"
    cp -n "seeds/$t"/* "corpus/$t/" 2>/dev/null
    log="logs/$t.log"
    start=$(date +%s)
    nice -n 19 /usr/bin/time -f 'cpu-seconds %U %S' -o "logs/$t.time" \
        cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    took=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    [ -n "$execs" ] || execs=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#')
    files=$(ls "corpus/$t" | wc -l)
    cpu=$(awk '/^cpu-seconds/ { printf "%.0f", $2 + $3 }' "logs/$t.time" 2>/dev/null)
    if [ $rc -eq 0 ]; then result=ok; else result="CRASH (see $log)"; fi
    printf '%-16s %6s %6s %12s %8s  %s\n' "$t" "$took" "${cpu:-?}" "${execs:-?}" "$files" "$result"
done
