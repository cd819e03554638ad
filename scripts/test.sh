#!/usr/bin/env bash
# Everything CI runs: formatting, lints, Rust, C and interop tests (the C tests and the
# draft interop scenarios also against libzmq built with drafts), the install test, and
# the bindings (php-zmq, cppzmq, C consumers, binary drop-in, pyzmq and its own suite),
# and libzmq's own test suite (drafts off and on) run on our library.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/prereqs.sh
. scripts/prereqs.sh

ensure_apt pkg-config cmake libsodium-dev libzmq3-dev binutils
ensure_rust_components rustfmt clippy

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== layers: no import cycles between top-level modules, none pointing up"
python3 scripts/check-layers.py
echo "== scripts/draft-libzmq.sh (libzmq 4.3.4 built with drafts, the oracle for the draft API)"
draft_lib="$(scripts/draft-libzmq.sh | tail -1)"
# The interop test's draft scenarios run against it, and may not skip.
export ZMQ_INTEROP_DRAFT_LIBDIR="$draft_lib" ZMQ_INTEROP_DRAFT_REQUIRED=1
echo "== cargo test"
cargo test
echo "== C tests against the draft libzmq (c-tests/ checked on the oracle, drafts included)"
ZMQ_C_TESTS_LIBDIR="$draft_lib" cargo test --test c_api
echo "== C tests under AddressSanitizer and LeakSanitizer (C programs instrumented)"
# allocator_may_return_null: test_msg_alloc_failure asks for impossible sizes on purpose
# and expects ENOMEM, not ASan's report.
CFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" \
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
    cargo test --test c_api
echo "== tests/install.sh"
tests/install.sh
echo "== scripts/test-bindings.sh (php-zmq, guide C programs, cppzmq, binary drop-in)"
scripts/test-bindings.sh
echo "== scripts/libzmq-suite.sh (libzmq 4.3.4's own test programs, built with drafts off and on, on our library)"
scripts/libzmq-suite.sh
echo "== scripts/test-pyzmq.sh (pyzmq scenarios, and pyzmq's own suite: bundled libzmq vs ours)"
scripts/test-pyzmq.sh
echo "== all tests passed"
