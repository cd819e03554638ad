#!/usr/bin/env bash
# libzmq's own test suite (tests/test_*.cpp of Debian's zeromq3 4.3.4 source package) run
# against our libzmq.so.5.
#
#   1. fetches the source with `apt-get source zeromq3` from the archive the machine's
#      libzmq5 comes from (a deb-src line in a private apt configuration under
#      target/libzmq-suite/apt: the machine's own apt configuration is left untouched);
#   2. builds its test programs with CMake (drafts off, CURVE through libsodium, no docs,
#      no perf tools, no static library) against libzmq's own headers;
#   3. runs every test program with our library forced in, each with a timeout, and
#      proves from the dynamic loader's own trace which libzmq.so.5 it loaded;
#   4. runs the tests that failed with ours (and are not known failures) on Debian's
#      libzmq5 (4.3.4), to tell our failures from the environment's
#      (LIBZMQ_SUITE_REFERENCE=all: every test).
#
# Which library a test loads: the test programs are linked without any RPATH/RUNPATH
# (CMAKE_SKIP_BUILD_RPATH, checked with readelf below), so the library comes from
# LD_LIBRARY_PATH, else from the system (Debian's libzmq5). A DT_RUNPATH would lose to
# LD_LIBRARY_PATH anyway, but a DT_RPATH would win over it; with neither, the choice is
# only LD_LIBRARY_PATH's, and the same binaries serve both runs. LD_PRELOAD was not used:
# it would also load our library into a run meant to use Debian's.
#
# The proof: every run has LD_DEBUG=libs with LD_DEBUG_OUTPUT in a file per process; a run
# counts only when the intended libzmq.so.5 is the one, and the only one, that any of its
# processes initialised (the "calling init: <path>" lines, paths resolved with readlink).
# A run that cannot be proved ("unproved") is a failure.
#
# Outcome of a test program: exit 0 = pass, 77 = skip (libzmq's convention: a capability
# missing here), timeout or any other status = fail. A failure is run once more; passing
# then makes it "flaky" (reported, not fatal). Lists (one test a line, "name  reason"):
#   tests/libzmq-suite/skips.txt           not run: libzmq skips them here too, or they
#                                          test a capability we do not build;
#   tests/libzmq-suite/known-failures.txt  fail with ours for a diagnosed reason being
#                                          fixed elsewhere; reported, not fatal (a pass is
#                                          reported so the line can go).
# Exits non-zero when a test not in those lists fails with ours, or a proof fails.
#
# Environment: LIBZMQ_SUITE_TIMEOUT (seconds per test, default 30; six times that for the
#                three tests libzmq gives 60 s),
#              LIBZMQ_SUITE_REFERENCE=all (run every test on Debian's libzmq as well),
#              LIBZMQ_SUITE_ONLY="test_a test_b" (run only these).
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh

version=4.3.4
work="$root/target/libzmq-suite"
src="$work/src/zeromq3-$version"
build="$work/build"
lists="$root/tests/libzmq-suite"
# per test, seconds: three times the TIMEOUT libzmq's CMake gives it (10 s, and 60 s for
# the three that run long)
test_timeout="${LIBZMQ_SUITE_TIMEOUT:-30}"
slow_timeout=$((test_timeout * 6))
slow_tests=" test_heartbeats test_security_curve test_security_zap "
mkdir -p "$work"

# dpkg-dev: apt-get source unpacks with dpkg-source. The rest builds the tests; libzmq5 is
# the reference library.
ensure_apt dpkg-dev cmake make g++ pkg-config libsodium-dev binutils libzmq5

# -- 1. source -----------------------------------------------------------------------------
if [ ! -f "$src/CMakeLists.txt" ]; then
    echo "== apt-get source zeromq3 ($version)"
    # The archive line of libzmq5's candidate, e.g.
    #   500 http://deb.debian.org/debian bookworm/main amd64 Packages
    read -r uri suite_comp < <(apt-cache policy libzmq5 \
        | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^(https?|file):/ && $NF == "Packages" {print $2, $3; exit}')
    if [ -z "${uri:-}" ]; then
        echo "no archive provides libzmq5 here (apt-cache policy libzmq5)" >&2
        exit 1
    fi
    suite="${suite_comp%%/*}"
    comp="${suite_comp#*/}"
    [ "$comp" = "$suite_comp" ] && comp=main
    apt_dir="$work/apt"
    rm -rf "$apt_dir" && mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" \
        "$apt_dir/cache/archives/partial"
    # Signed by the same keyring as the machine's binary line, when it names one.
    keyring="$(grep -rhoE '(Signed-By:|signed-by=) *[^] ]+' /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | head -1 | sed -E 's/^(Signed-By:|signed-by=) *//')"
    opts=""
    [ -n "$keyring" ] && [ -f "$keyring" ] && opts="[signed-by=$keyring] "
    echo "deb-src ${opts}$uri $suite $comp" >"$apt_dir/sources.list.d/zeromq3-src.list"
    echo "   deb-src ${opts}$uri $suite $comp"
    apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "APT::Sandbox::User=root" -q)
    apt-get "${apt_opts[@]}" update || { echo "apt-get update (deb-src) failed" >&2; exit 1; }
    rm -rf "$work/src" && mkdir -p "$work/src"
    (cd "$work/src" && apt-get "${apt_opts[@]}" source zeromq3) \
        || { echo "apt-get source zeromq3 failed" >&2; exit 1; }
    if [ ! -f "$src/CMakeLists.txt" ]; then
        echo "the archive's zeromq3 is not $version: $(ls "$work/src")" >&2
        exit 1
    fi
fi

# -- 2. build the test programs -------------------------------------------------------------
# ZMQ_HAVE_TIPC=OFF: the build's capabilities are ours (no TIPC, PGM, NORM, GSSAPI, VMCI),
# so test_capabilities checks our zmq_has, and the TIPC tests (which skip on a kernel
# without TIPC anyway) are not built.
# -fvisibility=hidden: test_security_curve links its own tweetnacl copy (crypto_box*,
# randombytes*); exported from the executable, those would interpose libsodium's for the
# libzmq under test, which then aborts in sodium_malloc (Debian's libzmq as well as ours;
# libzmq 4.3.5 stopped building this test on Linux for that crash). Hidden, the test's
# copy serves only the test; libzmq's headers mark the API visible explicitly.
# CMAKE_SKIP_BUILD_RPATH: see the top of this file.
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTS=ON -DENABLE_DRAFTS=OFF
    -DWITH_LIBSODIUM=ON -DENABLE_CURVE=ON -DWITH_DOCS=OFF -DWITH_DOC=OFF -DWITH_PERF_TOOL=OFF
    -DBUILD_STATIC=OFF -DWITH_LIBBSD=OFF -DENABLE_CPACK=OFF -DENABLE_PRECOMPILED=OFF
    -DZMQ_HAVE_TIPC=OFF -DCMAKE_C_FLAGS=-fvisibility=hidden
    -DCMAKE_CXX_FLAGS=-fvisibility=hidden -DCMAKE_SKIP_BUILD_RPATH=ON)
if [ "$(cat "$build/.built" 2>/dev/null)" != "${cmake_args[*]}" ]; then
    echo "== cmake: libzmq $version tests"
    rm -rf "$build"
    cmake -S "$src" -B "$build" "${cmake_args[@]}" >"$work/cmake.log" 2>&1 \
        || { cat "$work/cmake.log"; echo "cmake configure failed" >&2; exit 1; }
    cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 \
        || { tail -50 "$work/build.log"; echo "cmake build failed" >&2; exit 1; }
    echo "${cmake_args[*]}" >"$build/.built"
fi
bin="$build/bin"
mapfile -t all_tests < <(find "$bin" -maxdepth 1 -type f -name 'test_*' -perm -u+x -printf '%f\n' | sort)
[ ${#all_tests[@]} -gt 0 ] || { echo "no test programs in $bin" >&2; exit 1; }
for t in "${all_tests[@]}"; do
    if readelf -d "$bin/$t" | grep -qE '\((RPATH|RUNPATH)\)'; then
        echo "$t has an RPATH/RUNPATH: the library choice would not be LD_LIBRARY_PATH's" >&2
        exit 1
    fi
done

# -- 3. our library --------------------------------------------------------------------------
echo "== cargo build --release --lib"
cargo build --release --lib || exit 1
ours_dir="$work/ours"
mkdir -p "$ours_dir"
ln -sf "$root/target/release/libzmq.so" "$ours_dir/libzmq.so.5"
ours="$ours_dir/libzmq.so.5"
# Debian's: the one the loader finds with no LD_LIBRARY_PATH
debian="$(ldconfig -p | awk '$1 == "libzmq.so.5" && /x86-64|64bit|AArch64/ {print $NF; exit}')"
[ -n "$debian" ] || debian="$(ldconfig -p | awk '$1 == "libzmq.so.5" {print $NF; exit}')"
[ -n "$debian" ] || { echo "Debian's libzmq.so.5 not found (ldconfig -p)" >&2; exit 1; }

# -- 4. run ----------------------------------------------------------------------------------
# "name reason..." lines, '#' comments
list_names() { [ -f "$1" ] && sed -e 's/#.*//' "$1" | awk 'NF {print $1}'; }
list_reason() { sed -e 's/#.*//' "$2" | awk -v n="$1" '$1 == n {$1 = ""; sub(/^ +/, ""); print; exit}'; }
declare -A skip known
while read -r n; do skip[$n]=1; done < <(list_names "$lists/skips.txt")
while read -r n; do known[$n]=1; done < <(list_names "$lists/known-failures.txt")

# run_one LABEL LIBRARY TEST -> sets $outcome (pass|skip|fail|timeout|unproved) and $detail
run_one() {
    local label="$1" lib="$2" t="$3"
    local dir="$work/run/$label/$t"
    rm -rf "$dir" && mkdir -p "$dir/ld"
    # the caller's LD_LIBRARY_PATH/LD_PRELOAD must not choose the library
    local env_lib=(-u LD_LIBRARY_PATH -u LD_PRELOAD)
    [ "$lib" = "$ours" ] && env_lib=(-u LD_PRELOAD LD_LIBRARY_PATH="$ours_dir")
    local start=$SECONDS rc limit=$test_timeout
    [[ "$slow_tests" == *" $t "* ]] && limit=$slow_timeout
    # the working directory is the test's own (ipc tests make temporary directories there)
    (cd "$dir" && env "${env_lib[@]}" LD_DEBUG=libs LD_DEBUG_OUTPUT="$dir/ld/trace" \
        timeout -k 5 "$limit" stdbuf -oL -eL "$bin/$t" >"$dir/output" 2>&1)
    rc=$?
    secs=$((SECONDS - start))
    # the proof: some process initialised the intended libzmq.so.5, and no process
    # initialised another libzmq (`timeout` itself, and children that exec something
    # else, initialise none)
    local want inits
    want="$(readlink -f "$lib")"
    inits="$(cat "$dir"/ld/trace.* 2>/dev/null \
        | sed -nE 's|.*calling init: (.*/libzmq\.so[^/]*)$|\1|p' \
        | xargs -r -n1 readlink -f | sort -u)"
    local bad=""
    if [ -z "$inits" ]; then
        bad="no process initialised a libzmq (loader trace in $dir/ld)"
    elif [ "$inits" != "$want" ]; then
        bad="libzmq initialised: ${inits//$'\n'/ }; wanted only $want"
    fi
    if [ -n "$bad" ]; then
        outcome=unproved; detail="$bad"
    elif [ $rc -eq 0 ]; then
        outcome=pass; detail=""
    elif [ $rc -eq 77 ]; then
        outcome=skip; detail="$(grep -m1 -iE 'skip|ignor|not (available|supported)' "$dir/output")"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        outcome=timeout; detail="no exit after ${limit}s"
    else
        outcome=fail
        detail="exit $rc: $(grep -m1 -E ':(FAIL|[0-9]+:FAIL)|Assertion|FAIL:' "$dir/output" | cut -c1-200)"
    fi
    # Unity's own summary line ("12 Tests 1 Failures 2 Ignored"); every case ignored
    # (a capability missing here, e.g. no Kerberos) is a skip
    unity="$(grep -m1 -oE '^[0-9]+ Tests [0-9]+ Failures [0-9]+ Ignored' "$dir/output" || true)"
    if [ "$outcome" = pass ] && [ -n "$unity" ]; then
        read -r n_cases _ _ _ n_ignored _ <<<"$unity"
        if [ "$n_cases" -gt 0 ] && [ "$n_ignored" -eq "$n_cases" ]; then
            outcome=skip; detail="$(grep -m1 -oE 'IGNORE: .*' "$dir/output")"
        fi
    fi
    return 0
}

tests=("${all_tests[@]}")
if [ -n "${LIBZMQ_SUITE_ONLY:-}" ]; then
    read -r -a tests <<<"$LIBZMQ_SUITE_ONLY"
fi

declare -A res_ours res_ref det_ours det_ref uni_ours
failed=()
echo "== running ${#tests[@]} libzmq $version test programs with $ours (timeout ${test_timeout}s each, ${slow_timeout}s for${slow_tests% })"
for t in "${tests[@]}"; do
    if [ -n "${skip[$t]:-}" ]; then
        res_ours[$t]=listed-skip; det_ours[$t]="$(list_reason "$t" "$lists/skips.txt")"
        printf '%-36s %s\n' "$t" "skipped (skips.txt)"
        continue
    fi
    run_one ours "$ours" "$t"
    if { [ "$outcome" = fail ] || [ "$outcome" = timeout ]; } && [ -z "${known[$t]:-}" ]; then
        first_run="$outcome: $detail"
        run_one ours-again "$ours" "$t"
        [ "$outcome" = pass ] && { outcome=flaky; detail="first run $first_run"; }
    fi
    res_ours[$t]=$outcome; det_ours[$t]=$detail; uni_ours[$t]=$unity
    printf '%-36s %-9s %4ss  %s\n' "$t" "$outcome" "$secs" "$detail"
    case $outcome in fail | timeout | unproved) [ -z "${known[$t]:-}" ] && failed+=("$t") ;; esac
done

ref_tests=("${failed[@]}")
[ "${LIBZMQ_SUITE_REFERENCE:-}" = all ] && ref_tests=("${tests[@]}")
if [ ${#ref_tests[@]} -gt 0 ]; then
    echo "== running ${#ref_tests[@]} of them with Debian's $debian"
    for t in "${ref_tests[@]}"; do
        run_one debian "$debian" "$t"
        res_ref[$t]=$outcome; det_ref[$t]=$detail
        printf '%-36s %-9s %4ss  %s\n' "$t" "$outcome" "$secs" "$detail"
    done
fi

# -- 5. table ---------------------------------------------------------------------------------
status=0
npass=0 nfail=0 nskip=0 nknown=0 nflaky=0
echo
echo "== libzmq $version test suite with our libzmq.so.5"
printf '%-36s %-10s %-10s %-40s %s\n' test ours debian unity note
for t in "${tests[@]}"; do
    o="${res_ours[$t]}" r="${res_ref[$t]:--}" note=""
    case $o in
        pass) npass=$((npass + 1))
            [ -n "${known[$t]:-}" ] && note="passes: remove from known-failures.txt" ;;
        flaky) nflaky=$((nflaky + 1)); note="${det_ours[$t]}" ;;
        skip) nskip=$((nskip + 1)); note="${det_ours[$t]}" ;;
        listed-skip) nskip=$((nskip + 1)); note="${det_ours[$t]}" ;;
        *)
            if [ -n "${known[$t]:-}" ]; then
                nknown=$((nknown + 1)); note="known: $(list_reason "$t" "$lists/known-failures.txt")"
            elif [ "$r" != pass ] && [ "$r" != - ] && [ "$o" != unproved ]; then
                nknown=$((nknown + 1)); note="fails on Debian's libzmq too: ${det_ours[$t]}"
            else
                nfail=$((nfail + 1)); status=1; note="${det_ours[$t]}"
            fi ;;
    esac
    printf '%-36s %-10s %-10s %-40s %s\n' "$t" "$o" "$r" "${uni_ours[$t]:-}" "$note"
done
echo
echo "pass $npass, flaky $nflaky, skip $nskip, known/environment failures $nknown, failures $nfail"
echo "(outputs and loader traces: $work/run/<library>/<test>/)"
exit $status
