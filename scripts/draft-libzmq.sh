#!/usr/bin/env bash
# Builds libzmq WITH its draft API (zmq_poller_*, zmq_ppoll, ...) from Debian's zeromq3
# source package, for comparing our draft API with libzmq's: Debian's libzmq5 is built
# without drafts, so it cannot run a test that calls them. Nothing of it is committed or
# installed; the library lands in target/libzmq-draft/lib and the script prints that
# directory last. Use it as
#
#   ZMQ_C_TESTS_LIBDIR=$(scripts/draft-libzmq.sh | tail -1) \
#       cargo test --test c_api -- test_poller          # the C tests against libzmq
#   LD_LIBRARY_PATH=$(scripts/draft-libzmq.sh | tail -1) perf/compare.py --poller ...
#
# The source: $ZMQ_DRAFT_SRC if set, else target/libzmq-suite/src/zeromq3-* (where
# scripts/libzmq-suite.sh unpacks it), else `apt-get source zeromq3` into
# target/libzmq-draft/src with a private apt configuration (the machine's is untouched).
#
# On a fresh machine it installs what it needs (through scripts/prereqs.sh, messages on
# stderr so that stdout stays the directory): dpkg-dev (apt-get source unpacks with
# dpkg-source), cmake, make and g++ to build, libsodium-dev for CURVE, binutils (nm),
# libzmq5 (its archive line names where the source comes from).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/target/libzmq-draft"
mkdir -p "$work"
# shellcheck source=scripts/prereqs.sh
. "$root/scripts/prereqs.sh"
ensure_apt dpkg-dev cmake make g++ pkg-config libsodium-dev binutils libzmq5 >&2

src="${ZMQ_DRAFT_SRC:-}"
if [ -z "$src" ]; then
    for candidate in "$root"/target/libzmq-suite/src/zeromq3-* "$work"/src/zeromq3-*; do
        [ -f "$candidate/CMakeLists.txt" ] && src="$candidate" && break
    done
fi
if [ -z "$src" ]; then
    echo "== apt-get source zeromq3" >&2
    read -r uri suite_comp < <(apt-cache policy libzmq5 \
        | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^(https?|file):/ && $NF == "Packages" {print $2, $3; exit}')
    [ -n "${uri:-}" ] || { echo "no archive provides libzmq5 (apt-cache policy libzmq5)" >&2; exit 1; }
    suite="${suite_comp%%/*}"
    comp="${suite_comp#*/}"
    [ "$comp" = "$suite_comp" ] && comp=main
    apt_dir="$work/apt"
    rm -rf "$apt_dir" && mkdir -p "$apt_dir/sources.list.d" "$apt_dir/lists/partial" \
        "$apt_dir/cache/archives/partial"
    keyring="$(grep -rhoE '(Signed-By:|signed-by=) *[^] ]+' /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | head -1 | sed -E 's/^(Signed-By:|signed-by=) *//')" || true
    opts=""
    [ -n "$keyring" ] && [ -f "$keyring" ] && opts="[signed-by=$keyring] "
    echo "deb-src ${opts}$uri $suite $comp" >"$apt_dir/sources.list.d/zeromq3-src.list"
    apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
        -o "APT::Sandbox::User=root" -q)
    apt-get "${apt_opts[@]}" update >&2
    rm -rf "$work/src" && mkdir -p "$work/src"
    (cd "$work/src" && apt-get "${apt_opts[@]}" source zeromq3 >&2)
    for candidate in "$work"/src/zeromq3-*; do
        [ -f "$candidate/CMakeLists.txt" ] && src="$candidate" && break
    done
    [ -n "$src" ] || { echo "apt-get source zeromq3 gave no source tree" >&2; exit 1; }
fi

build="$work/build"
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DENABLE_DRAFTS=ON -DWITH_LIBSODIUM=ON
    -DENABLE_CURVE=ON -DBUILD_TESTS=OFF -DWITH_DOCS=OFF -DWITH_DOC=OFF -DWITH_PERF_TOOL=OFF
    -DBUILD_STATIC=OFF -DWITH_LIBBSD=OFF -DENABLE_CPACK=OFF -DENABLE_PRECOMPILED=OFF)
stamp="$src ${cmake_args[*]}"
if [ "$(cat "$build/.built" 2>/dev/null)" != "$stamp" ]; then
    echo "== cmake: draft libzmq from $src" >&2
    rm -rf "$build"
    cmake -S "$src" -B "$build" "${cmake_args[@]}" >"$work/cmake.log" 2>&1 \
        || { tail -30 "$work/cmake.log" >&2; echo "cmake configure failed" >&2; exit 1; }
    cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 \
        || { tail -30 "$work/build.log" >&2; echo "cmake build failed" >&2; exit 1; }
    echo "$stamp" >"$build/.built"
fi
lib="$work/lib"
rm -rf "$lib" "$work/include" && mkdir -p "$lib" "$work/include"
cp -a "$build"/lib/libzmq.so* "$lib/"
# Its own header next to it (tests/c_api.rs compiles LIBDIR tests against ../include).
cp "$src/include/zmq.h" "$work/include/"
symbols="$(nm -D --defined-only "$lib/libzmq.so.5")"
grep -q ' zmq_poller_new$' <<<"$symbols" || { echo "$lib/libzmq.so.5 has no draft API" >&2; exit 1; }
echo "$lib"
