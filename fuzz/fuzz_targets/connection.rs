//! cargo-fuzz entry for `bodies/connection.rs` (the same body runs under `cargo test` in
//! `tests/fuzz_targets.rs`).
#![no_main]

#[path = "../bodies/connection.rs"]
mod body;
#[path = "../bodies/common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
