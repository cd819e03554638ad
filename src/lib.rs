//! libzmq 4.3, rewritten in Rust: a C-ABI drop-in replacement.
//!
//! The layers, top to bottom (docs/ARCHITECTURE.md; `scripts/check-layers.py` keeps
//! imports pointing down): `ffi` (the C ABI) wraps the safe API (`ctx`, `socket`,
//! `poll`, `proxy`); sockets share the context's state (`ctx_inner`), hand connections
//! to the I/O threads (`io`, which drive `zmtp` over `transport`s) and route messages
//! with `routing` over `pipe`s; `msg` is the message; `mailbox` carries commands
//! between threads.
//!
//! Only `ffi` and `constants` feed the generated `include/zmq.h`; every other module is
//! marked `cbindgen:ignore`.

/// cbindgen:ignore
pub mod atomic_counter;
/// cbindgen:ignore
pub mod command;
pub mod constants;
/// cbindgen:ignore
pub mod ctx;
/// cbindgen:ignore
pub mod ctx_inner;
/// cbindgen:ignore
pub mod curve;
/// cbindgen:ignore
pub mod error;
pub mod ffi;
/// cbindgen:ignore
pub mod io;
/// cbindgen:ignore
pub mod mailbox;
/// cbindgen:ignore
pub mod monitor;
/// cbindgen:ignore
pub mod msg;
/// cbindgen:ignore
pub mod options;
/// cbindgen:ignore
pub mod pipe;
/// cbindgen:ignore
pub mod poll;
/// cbindgen:ignore
pub mod poller;
/// cbindgen:ignore
pub mod proxy;
/// cbindgen:ignore
pub mod routing;
/// cbindgen:ignore
pub mod signal_mask;
/// cbindgen:ignore
pub mod socket;
/// cbindgen:ignore
pub mod timers;
/// cbindgen:ignore
pub mod transport;
/// cbindgen:ignore
pub mod z85;
/// cbindgen:ignore
pub mod zmtp;
