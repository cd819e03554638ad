//! cargo-fuzz entry for `bodies/udp_address.rs` (the same body runs under `cargo test` in
//! `tests/fuzz_targets.rs`).
#![no_main]

#[path = "../bodies/udp_address.rs"]
mod body;
#[path = "../bodies/common.rs"]
mod common;
#[path = "../bodies/curve_peer.rs"]
mod curve_peer;
#[path = "../bodies/handshake.rs"]
mod handshake;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
