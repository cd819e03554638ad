#!/usr/bin/env bash
# Runs our libzmq.so.5 under the programs and bindings that use libzmq, unchanged:
#   1. php-zmq (Debian's php-cli + php-zmq) scenarios, LD_PRELOAD and LD_LIBRARY_PATH
#   2. the guide's C programs, built after `cmake --install` with pkg-config and with
#      CMake find_package, run against the installed library
#   3. cppzmq (Debian's cppzmq-dev) programs compiled against our include/zmq.h
#   4. a C program built against Debian's zmq.h/libzmq, run with ours (drop-in)
# Installs its Debian prerequisites; exits non-zero if anything fails.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh
ensure_apt pkg-config cmake binutils g++ python3 libzmq3-dev php-cli php-zmq cppzmq-dev

echo "== cargo build --release"
cargo build --release --lib || exit 1

work="$(mktemp -d "${TMPDIR:-/tmp}/zmq-bindings.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Programs look for the soname libzmq.so.5; cargo makes libzmq.so: link both names.
dev="$work/devlib"
mkdir -p "$dev"
ln -s "$root/target/release/libzmq.so" "$dev/libzmq.so.5"
ln -s "$root/target/release/libzmq.so" "$dev/libzmq.so"

results=()
run() {
    local name="$1"; shift
    echo
    echo "######## $name"
    if "$@"; then results+=("PASS $name"); else results+=("FAIL $name"); fi
}

guide() {
    local prefix="$work/prefix" ok=0
    cmake -S "$root" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" \
        -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release >/dev/null || return 1
    cmake --build "$work/build" >/dev/null && cmake --install "$work/build" >/dev/null || return 1
    echo "installed into $prefix"
    # The way C users build with pkg-config.
    mkdir -p "$work/guide-pc"
    local flags
    flags="$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs libzmq)" || return 1
    echo "pkg-config --cflags --libs libzmq: $flags"
    for src in examples/guide/*.c; do
        local exe="$work/guide-pc/$(basename "$src" .c)"
        # shellcheck disable=SC2086
        ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror -o "$exe" "$src" $flags -lpthread || ok=1
    done
    [ $ok -eq 0 ] || { echo "FAIL: guide build with pkg-config"; return 1; }
    examples/guide/run.sh "$work/guide-pc" "$prefix/lib" || ok=1
    # The way CMake users build: find_package(ZeroMQ) and target libzmq.
    cmake -S examples/guide -B "$work/guide-cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null \
        && cmake --build "$work/guide-cmake" >/dev/null \
        || { echo "FAIL: guide build with CMake find_package"; return 1; }
    examples/guide/run.sh "$work/guide-cmake" "$prefix/lib" || ok=1
    return $ok
}

run "php-zmq" tests/bindings/php/run.sh "$dev"
run "C guide programs (cmake --install; pkg-config and find_package)" guide
run "cppzmq against our zmq.h" tests/bindings/cpp/run.sh "$root" "$dev"
run "binary drop-in (built on Debian's libzmq, run on ours)" tests/dropin/run.sh "$dev"

echo
echo "######## summary"
printf '%s\n' "${results[@]}"
! printf '%s\n' "${results[@]}" | grep -q '^FAIL'
