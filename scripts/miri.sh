#!/usr/bin/env bash
# Runs the unsafe core (the SPSC queue, pipes, message buffers, the mailbox's wake-up
# protocol) under Miri, which checks for undefined behaviour and data races. Needs a
# nightly toolchain with the miri component (`rustup component add --toolchain nightly
# miri rust-src`), so it is not part of CI (stable only). The mailbox tests that poll the eventfd are ignored under Miri
# (it has no poll); `no_command_is_stranded` covers the protocol without it.
set -euo pipefail
cd "$(dirname "$0")/.."
MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}" \
    cargo +nightly miri test --lib -- pipe:: msg:: mailbox:: ffi:: "$@"
