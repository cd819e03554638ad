//! libzmq 4.3, rewritten in Rust: a C-ABI drop-in replacement.
//!
//! The layers, top to bottom (see docs/ARCHITECTURE.md): `ffi` (the C ABI) wraps the
//! safe API (`ctx`, `socket`, `poll`, `proxy`); sockets route messages with `routing`
//! over `pipe`s; `msg` is the message; `mailbox` carries commands between threads.

pub mod error;
pub mod ffi;
pub mod constants;
pub mod options;
pub mod z85;
