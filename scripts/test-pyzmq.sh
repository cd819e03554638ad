#!/usr/bin/env bash
# pyzmq (the PyPI wheel, pinned) on our libzmq.so.5 through LD_PRELOAD:
#   1. proves with LD_DEBUG=bindings that every zmq_* symbol pyzmq's extension imports
#      binds to our library;
#   2. runs our scenario tests (tests/bindings/pyzmq/test_scenarios.py) on our library,
#      and on the wheel's bundled libzmq to check the tests themselves;
#   3. runs pyzmq's own test suite (from its sdist, fetched at test time) once with the
#      bundled libzmq and once with ours, and compares outcomes.
# Exits non-zero when a scenario fails, when the bindings are not all ours, or when a
# pyzmq test fails with ours but passes with the bundled libzmq and is not listed in
# tests/bindings/pyzmq/known-differences.txt.
#
# Environment: PYZMQ_TEST_TIMEOUT (per test, seconds, default 90: pyzmq's own test
#                classes stop themselves after 60 s with SIGALRM where they can),
#              PYZMQ_FILE_TIMEOUT (per pyzmq test file, seconds, default 600),
#              PYZMQ_SKIP_SUITE=1 (scenarios and bindings only).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh

here="$root/tests/bindings/pyzmq"
venv="$root/target/pyzmq-venv"
py="$venv/bin/python"
out="$root/target/pyzmq"
results="$out/results"
pyzmq_version=27.3.0
test_timeout="${PYZMQ_TEST_TIMEOUT:-90}"
file_timeout="${PYZMQ_FILE_TIMEOUT:-600}"
status=0
summary=()

fail() { echo "FAIL: $*" >&2; summary+=("FAIL: $*"); status=1; }
ok() { summary+=("ok:   $*"); }

ensure_apt binutils  # readelf, for the bindings check
python3 -m venv --help >/dev/null 2>&1 || ensure_apt python3-venv

echo "== venv $venv with pinned pyzmq $pyzmq_version and test requirements"
if [ ! -x "$py" ]; then
    python3 -m venv "$venv" || { echo "cannot create a venv" >&2; exit 1; }
fi
"$py" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt" \
    || { echo "pip install failed" >&2; exit 1; }
"$py" -c "import zmq; assert zmq.pyzmq_version() == '$pyzmq_version', zmq.pyzmq_version()" \
    || exit 1

echo "== cargo build --release --lib"
cargo build --release --lib || exit 1
mkdir -p "$out/lib" "$results"
# LD_PRELOAD by the soname's file name, as an installed libzmq.so.5 would be found
ln -sf ../../release/libzmq.so "$out/lib/libzmq.so.5"
ours="$out/lib/libzmq.so.5"
ours_real="$(readlink -f "$ours")"

echo "== bindings: every zmq_* import of pyzmq's extension binds to $ours"
if "$py" "$here/check_bindings.py" "$py" "$ours"; then
    ok "LD_DEBUG=bindings: pyzmq's zmq_* imports all bind to our library"
else
    fail "LD_DEBUG=bindings: some zmq_* import of pyzmq's extension is not ours"
fi

# pytest on our scenarios. $1: label, $2: PYZMQ_SCENARIO_LIB, $3: LD_PRELOAD
run_scenarios() {
    echo "== scenario tests on $1"
    (cd "$here" && PYZMQ_SCENARIO_LIB="$2" LD_PRELOAD="$3" timeout -k 10 600 \
        "$venv/bin/pytest" -p no:cacheprovider --timeout=30 -v -rfE --durations=5 \
        test_scenarios.py) 2>&1 | tee "$results/scenarios-$1.log"
    local rc=${PIPESTATUS[0]}
    local counts
    counts="$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$results/scenarios-$1.log" \
        | tail -1 | tr -d '=' | sed 's/^ *//')"
    if [ "$rc" -eq 0 ]; then ok "scenarios on $1: $counts"
    else fail "scenarios on $1 (pytest exit $rc): $counts"; fi
}
run_scenarios ours "$ours_real" "$ours"
run_scenarios bundled bundled ""

if [ "${PYZMQ_SKIP_SUITE:-}" = 1 ]; then
    printf '\n== summary\n'; printf '%s\n' "${summary[@]}"; exit "$status"
fi

echo "== pyzmq $pyzmq_version test suite from its sdist"
src="$root/target/pyzmq-src"
if [ ! -d "$src/pyzmq-$pyzmq_version/tests" ]; then
    rm -rf "$src" && mkdir -p "$src"
    "$py" -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
        "pyzmq==$pyzmq_version" -d "$src" || { echo "pip download failed" >&2; exit 1; }
    tar -xzf "$src/pyzmq-$pyzmq_version.tar.gz" -C "$src" || exit 1
fi
# Run from a copy of tests/ and pytest.ini only: the sdist's zmq/ source package must not
# shadow the installed wheel.
suite="$root/target/pyzmq-suite"
rm -rf "$suite" && mkdir -p "$suite"
cp -r "$src/pyzmq-$pyzmq_version/tests" "$src/pyzmq-$pyzmq_version/pytest.ini" "$suite/"

# $1: label, $2: LD_PRELOAD, then optional test ids (default: every tests/test_*.py, one
# pytest process per file; a test that hangs or crashes is recorded and the rest of its
# file still runs: see run_suite.py).
run_suite() {
    local label="$1" preload="$2"; shift 2
    "$py" "$here/run_suite.py" --suite "$suite" --label "$label" --preload "$preload" \
        --out "$results/suite-$label.jsonl" --log "$results/suite-$label.log" \
        --test-timeout "$test_timeout" --file-timeout "$file_timeout" "$@"
}
run_suite bundled ""
run_suite ours "$ours"

echo "== compare"
cmp_args=("$results/suite-bundled.jsonl" "$results/suite-ours.jsonl" "$here/known-differences.txt")
"$py" "$here/compare.py" "${cmp_args[@]}" --regressions-out "$results/regressions.txt" \
    >"$results/compare-first.txt"
if [ -s "$results/regressions.txt" ]; then
    # a regression is re-run once on its own with ours, to tell flaky from broken
    mapfile -t again < <(grep -v '::<run>$' "$results/regressions.txt")
    echo "-- $(wc -l <"$results/regressions.txt") regressions: running them again with ours"
    [ ${#again[@]} -gt 0 ] && run_suite ours-rerun "$ours" "${again[@]}"
    cmp_args+=(--rerun "$results/suite-ours-rerun.jsonl")
fi
if "$py" "$here/compare.py" "${cmp_args[@]}" | tee "$results/compare.txt"; then
    ok "$(tail -1 "$results/compare.txt")"
else
    fail "$(tail -1 "$results/compare.txt")"
fi

printf '\n== summary\n'
printf '%s\n' "${summary[@]}"
exit "$status"
