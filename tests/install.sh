#!/usr/bin/env bash
# Installs the library into a temporary prefix with CMake and builds a consumer program
# against it the two ways libzmq users do, pkg-config and CMake find_package (both
# package names), then runs each and checks with readelf that it loads libzmq.so.5 from
# the prefix. Run from anywhere; needs cmake, pkg-config, cc, readelf.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/zmq-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
libdir="$prefix/lib"
cc="${CC:-cc}"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "configure, build and install into $prefix"
cmake -S "$root" -B "$work/build" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build"
cmake --install "$work/build"

step "installed files"
for f in lib/libzmq.so.5.2.5 lib/libzmq.a include/zmq.h include/zmq_utils.h \
         lib/pkgconfig/libzmq.pc lib/cmake/ZeroMQ/ZeroMQConfig.cmake \
         lib/cmake/ZeroMQ/ZeroMQConfigVersion.cmake lib/cmake/libzmq/libzmqConfig.cmake \
         lib/cmake/libzmq/libzmqConfigVersion.cmake; do
    [ -f "$prefix/$f" ] || fail "$f is not installed"
done
[ "$(readlink "$libdir/libzmq.so.5")" = libzmq.so.5.2.5 ] || fail "libzmq.so.5 link"
[ "$(readlink "$libdir/libzmq.so")" = libzmq.so.5 ] || fail "libzmq.so link"
readelf -d "$libdir/libzmq.so.5.2.5" | grep -q 'SONAME.*\[libzmq\.so\.5\]' \
    || fail "libzmq.so.5.2.5 does not carry the soname libzmq.so.5"
echo ok

# Runs a consumer with the prefix's library and checks which libzmq it needs and loads.
check_consumer() {
    local exe="$1"
    readelf -d "$exe" | grep -q 'NEEDED.*\[libzmq\.so\.5\]' \
        || fail "$exe does not link libzmq.so.5"
    local loaded
    loaded="$(LD_LIBRARY_PATH="$libdir" ldd "$exe" | awk '$1 == "libzmq.so.5" { print $3 }')"
    [ "$(readlink -f "$loaded")" = "$(readlink -f "$libdir/libzmq.so.5")" ] \
        || fail "$exe loads libzmq.so.5 from '$loaded', not from the prefix"
    LD_LIBRARY_PATH="$libdir" "$exe" || fail "$exe failed"
}

step "consumer via pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion libzmq)" = 4.3.5 ] || fail "pkg-config reports another version"
# shellcheck disable=SC2046
"$cc" -Wall -Wextra -Werror -o "$work/consumer-pc" "$root/tests/consumer.c" \
    $(pkg-config --cflags --libs libzmq)
check_consumer "$work/consumer-pc"

for package in ZeroMQ libzmq; do
    step "consumer via CMake find_package($package)"
    cmake -S "$root/tests/cmake-consumer" -B "$work/consumer-$package" \
        -DCMAKE_PREFIX_PATH="$prefix" -DZMQ_PACKAGE="$package" >/dev/null
    cmake --build "$work/consumer-$package" >/dev/null
    check_consumer "$work/consumer-$package/consumer"
    step "static consumer via CMake find_package($package)"
    exe="$work/consumer-$package/consumer-static"
    if readelf -d "$exe" | grep -q 'NEEDED.*libzmq'; then
        fail "$exe links libzmq dynamically"
    fi
    "$exe" || fail "$exe failed"
done

step "all install checks passed"
