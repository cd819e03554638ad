#!/usr/bin/env bash
# Soak test (not part of the unit tests): connect/disconnect churn across every pattern
# and transport against our library for SECONDS (default 600), sampling RSS and open fds;
# fails if either grows after the warm-up. `scripts/soak.sh 60` for a short run;
# `SOAK_LIB=system scripts/soak.sh` runs the same program on Debian's libzmq.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-600}"
out="$root/target/soak"
mkdir -p "$out/lib"
if [ "${SOAK_LIB:-ours}" = system ]; then
    cc -O2 -std=c11 -Wall -Wextra -Werror tests/soak/soak.c -o "$out/soak-system" -lzmq
    exec "$out/soak-system" "$seconds"
fi
cargo build --release --quiet
ln -sf "$root/target/release/libzmq.so" "$out/lib/libzmq.so.5"
ln -sf "$root/target/release/libzmq.so" "$out/lib/libzmq.so"
cc -O2 -std=c11 -Wall -Wextra -Werror -I include tests/soak/soak.c -o "$out/soak" \
    -L "$out/lib" -Wl,-rpath,"$out/lib" -lzmq
exec "$out/soak" "$seconds"
