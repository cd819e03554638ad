#!/usr/bin/env bash
# Runs the unsafe core (the SPSC queue, pipes, message buffers) under Miri, which checks
# for undefined behaviour and data races. Needs a nightly toolchain with the miri
# component (`rustup component add --toolchain nightly miri rust-src`), so it is not part
# of CI (stable only). The mailbox tests are left out: they poll an eventfd, which Miri
# cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}" \
    cargo +nightly miri test --lib -- pipe:: msg:: "$@"
